#include "runtime/executor.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/numerics.h"
#include "core/resource_var.h"
#include "core/status.h"

namespace tessera {
namespace {

int64_t SlotKey(const Node* node, int index) {
  return (static_cast<int64_t>(node->id()) << 32) | static_cast<uint32_t>(index);
}

// Marks every node the fetches and targets need, not looking past feeds.
std::vector<char> NeededNodes(const Graph& graph,
                              const absl::flat_hash_map<int64_t, int>& fed,
                              const std::vector<Output>& fetches,
                              const std::vector<Operation>& targets) {
  std::vector<char> needed(graph.num_nodes(), 0);
  std::vector<const Node*> stack;
  auto visit = [&](const Node* n) {
    if (!needed[n->id()]) {
      needed[n->id()] = 1;
      stack.push_back(n);
    }
  };
  for (const Output& f : fetches) {
    if (!fed.contains(SlotKey(f.node, f.index))) visit(f.node);
  }
  for (const Operation& t : targets) visit(t.node);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Edge* e : n->in_edges()) {
      if (!e->IsControlEdge() && fed.contains(SlotKey(e->src, e->src_output))) {
        continue;
      }
      visit(e->src);
    }
  }
  return needed;
}

// Per tensor of `args` (a node's inputs or outputs, expanded), whether its
// arg is one of `names`.
std::vector<char> HostArgs(
    const google::protobuf::RepeatedPtrField<OpDef::ArgDef>& args,
    const NodeDef& def, const std::vector<std::string>* names, int total) {
  std::vector<char> host(total, 0);
  if (names == nullptr || names->empty()) return host;
  int index = 0;
  for (const auto& arg : args) {
    int n = 1;
    if (!arg.type_list_attr().empty()) {
      std::vector<DataType> list;
      if (GetAttr(def.attr(), arg.type_list_attr(), &list).ok()) {
        n = static_cast<int>(list.size());
      }
    } else {
      auto count = ArgCount(arg, def);
      if (count.ok()) n = *count;
    }
    bool named =
        std::find(names->begin(), names->end(), arg.name()) != names->end();
    for (int k = 0; k < n && index < total; ++k) host[index++] = named;
  }
  return host;
}

// Handles (resources, TF1 references) are host tensors on every device.
bool IsHandle(DataType dt) {
  return IsRefType(dt) || BaseType(dt) == DT_RESOURCE;
}

}  // namespace

// Builds an ExecutorPlan. Memory is named by a Device*: the accelerator
// whose memory holds a tensor, or null for host memory.
class PlanBuilder {
 public:
  PlanBuilder(ExecutorPlan* plan, const Graph& graph, Device* host_device)
      : plan_(plan), graph_(graph), host_device_(host_device) {}

  absl::Status Build(const std::vector<Output>& feeds,
                     const std::vector<Output>& fetches,
                     const std::vector<Operation>& targets,
                     const PlacedKernelProvider& kernels);

 private:
  using Item = ExecutorPlan::Item;
  using Copy = ExecutorPlan::Copy;
  absl::Status AddItems(const std::vector<char>& needed,
                        const PlacedKernelProvider& kernels);
  void AddEdges();
  void AddInput(Item& item, int i, const Edge* e);
  void AddFetches(const std::vector<Output>& fetches);
  void Finish();

  bool IsFed(const Node* n, int index) const {
    return fed_.contains(SlotKey(n, index));
  }
  int SlotOf(const Node* n, int index) const {
    auto it = fed_.find(SlotKey(n, index));
    if (it != fed_.end()) return plan_->feed_slots_[it->second];
    return plan_->items_[item_of_[n->id()]].output_base + index;
  }
  Device* DeviceMemory(Device* d) const {
    return d->memory_is_host() ? nullptr : d;
  }
  // Where output `index` of `n` lives.
  Device* OutputMemory(const Node* n, int index) const {
    if (IsFed(n, index)) return nullptr;
    int item = item_of_[n->id()];
    if (IsHandle(n->output_type(index)) || host_out_[item][index]) {
      return nullptr;
    }
    return DeviceMemory(plan_->items_[item].device);
  }
  // The slot holding `src_slot`'s value in memory `to`, adding copies (run
  // by `owner`, -1 for feeds) as needed.
  int CopySlot(int src_slot, Device* from, Device* to, int owner);

  ExecutorPlan* plan_;
  const Graph& graph_;
  Device* host_device_;
  absl::flat_hash_map<int64_t, int> fed_;  // key -> feed index
  std::vector<int> item_of_;
  std::vector<std::vector<char>> host_in_, host_out_;  // by item
  std::vector<std::vector<int>> succ_;                  // by item
  std::vector<std::vector<Copy>> item_copies_;          // by item
  absl::flat_hash_map<std::pair<int, Device*>, int> copy_slots_;
  std::vector<int> readers_;
};

absl::Status PlanBuilder::Build(const std::vector<Output>& feeds,
                                const std::vector<Output>& fetches,
                                const std::vector<Operation>& targets,
                                const PlacedKernelProvider& kernels) {
  plan_->device_ = host_device_;
  for (int i = 0; i < static_cast<int>(feeds.size()); ++i) {
    if (!fed_.emplace(SlotKey(feeds[i].node, feeds[i].index), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", feeds[i].name(), " is fed twice"));
    }
  }
  RETURN_IF_ERROR(AddItems(NeededNodes(graph_, fed_, fetches, targets),
                           kernels));
  for (size_t i = 0; i < feeds.size(); ++i) {
    plan_->feed_slots_.push_back(plan_->num_slots_++);
  }
  AddEdges();
  AddFetches(fetches);
  Finish();
  return absl::OkStatus();
}

absl::Status PlanBuilder::AddItems(const std::vector<char>& needed,
                                   const PlacedKernelProvider& kernels) {
  item_of_.assign(graph_.num_nodes(), -1);
  for (int id = 0; id < graph_.num_nodes(); ++id) {
    if (!needed[id]) continue;
    const Node* node = graph_.node(id);
    ASSIGN_OR_RETURN(PlacedKernel placed, kernels(node));
    Item item{};
    item.node = node;
    item.kernel = placed.kernel;
    item.device = placed.device != nullptr ? placed.device : host_device_;
    item.expensive = item.kernel->IsExpensive();
    item.output_base = plan_->num_slots_;
    plan_->num_slots_ += node->num_outputs();
    const OpDef& op = node->op_def();
    host_in_.push_back(HostArgs(op.input_arg(), node->def(),
                                placed.host_memory_args, node->num_inputs()));
    host_out_.push_back(HostArgs(op.output_arg(), node->def(),
                                 placed.host_memory_args, node->num_outputs()));
    for (int k = 0; k < node->num_outputs() && k < 64; ++k) {
      if (host_out_.back()[k] || IsHandle(node->output_type(k))) {
        item.host_memory_outputs |= uint64_t{1} << k;
      }
    }
    item_of_[id] = static_cast<int>(plan_->items_.size());
    plan_->items_.push_back(item);
  }
  return absl::OkStatus();
}

int PlanBuilder::CopySlot(int src_slot, Device* from, Device* to, int owner) {
  if (from == to) return src_slot;
  if (from != nullptr && to != nullptr) {  // device -> host -> device
    int host = CopySlot(src_slot, from, nullptr, owner);
    return CopySlot(host, nullptr, to, owner);
  }
  auto [it, added] = copy_slots_.try_emplace({src_slot, to}, -1);
  if (!added) return it->second;
  it->second = plan_->num_slots_++;
  Copy copy{src_slot, it->second, to == nullptr ? from : to, to == nullptr};
  (owner < 0 ? plan_->feed_copies_ : item_copies_[owner]).push_back(copy);
  return it->second;
}

void PlanBuilder::AddInput(Item& item, int i, const Edge* e) {
  const Node* node = item.node;
  int k = item.input_start + e->dst_input;
  bool from_feed = IsFed(e->src, e->src_output);
  DataType in_type = node->input_type(e->dst_input);
  Device* want = IsHandle(in_type) || host_in_[i][e->dst_input]
                     ? nullptr
                     : DeviceMemory(item.device);
  int slot = SlotOf(e->src, e->src_output);
  bool deref = !from_feed && IsRefType(e->src->output_type(e->src_output)) &&
               !IsRefType(in_type);
  plan_->input_deref_[k] = deref;
  if (deref) {
    // The handle is a host tensor; the variable's value lives in its
    // device's memory and is copied at read time.
    Device* var_device = plan_->items_[item_of_[e->src->id()]].device;
    Device* have = DeviceMemory(var_device);
    plan_->deref_device_[k] = var_device;
    plan_->deref_copy_[k] =
        (have != want && have != nullptr ? 1 : 0) |
        (have != want && want != nullptr ? 2 : 0);
  } else {
    int owner = from_feed ? -1 : item_of_[e->src->id()];
    slot = CopySlot(slot, OutputMemory(e->src, e->src_output), want, owner);
  }
  plan_->input_slots_[k] = slot;
}

void PlanBuilder::AddEdges() {
  auto& items = plan_->items_;
  succ_.resize(items.size());
  item_copies_.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Item& item = items[i];
    item.input_start = static_cast<int>(plan_->input_slots_.size());
    item.num_inputs = item.node->num_inputs();
    size_t n = item.input_start + item.num_inputs;
    plan_->input_slots_.resize(n, -1);
    plan_->input_deref_.resize(n, 0);
    plan_->deref_copy_.resize(n, 0);
    plan_->deref_device_.resize(n, nullptr);
    for (const Edge* e : item.node->in_edges()) {
      bool control = e->IsControlEdge();
      if (!control) AddInput(item, static_cast<int>(i), e);
      if (control || !IsFed(e->src, e->src_output)) {
        ++item.initial_pending;
        succ_[item_of_[e->src->id()]].push_back(static_cast<int>(i));
      }
    }
    if (item.initial_pending == 0) plan_->roots_.push_back(static_cast<int>(i));
  }
}

void PlanBuilder::AddFetches(const std::vector<Output>& fetches) {
  for (const Output& f : fetches) {
    bool fed = IsFed(f.node, f.index);
    bool deref = !fed && IsRefType(f.dtype());
    Device* memory =
        deref ? DeviceMemory(plan_->items_[item_of_[f.node->id()]].device)
              : OutputMemory(f.node, f.index);
    plan_->fetch_slots_.push_back(SlotOf(f.node, f.index));
    plan_->fetch_deref_.push_back(deref);
    plan_->fetch_copy_device_.push_back(memory);
  }
}

void PlanBuilder::Finish() {
  auto& items = plan_->items_;
  for (size_t i = 0; i < items.size(); ++i) {
    items[i].successor_start = static_cast<int>(plan_->successors_.size());
    items[i].num_successors = static_cast<int>(succ_[i].size());
    plan_->successors_.insert(plan_->successors_.end(), succ_[i].begin(),
                              succ_[i].end());
    items[i].copy_start = static_cast<int>(plan_->copies_.size());
    items[i].num_copies = static_cast<int>(item_copies_[i].size());
    plan_->copies_.insert(plan_->copies_.end(), item_copies_[i].begin(),
                          item_copies_[i].end());
  }
  readers_.assign(plan_->num_slots_, 0);
  for (int slot : plan_->input_slots_) ++readers_[slot];
  for (const auto& c : plan_->copies_) ++readers_[c.src_slot];
  for (const auto& c : plan_->feed_copies_) ++readers_[c.src_slot];
  // A fetched or fed value is never handed off.
  for (int slot : plan_->fetch_slots_) readers_[slot] += 2;
  for (int slot : plan_->feed_slots_) readers_[slot] += 2;
  plan_->input_sole_.resize(plan_->input_slots_.size());
  for (size_t k = 0; k < plan_->input_slots_.size(); ++k) {
    plan_->input_sole_[k] = readers_[plan_->input_slots_[k]] == 1;
  }
}

absl::StatusOr<std::unique_ptr<ExecutorPlan>> ExecutorPlan::Build(
    const Graph& graph, const std::vector<Output>& feeds,
    const std::vector<Output>& fetches, const std::vector<Operation>& targets,
    Device* host_device, const PlacedKernelProvider& kernels) {
  auto plan = std::make_unique<ExecutorPlan>();
  PlanBuilder builder(plan.get(), graph, host_device);
  RETURN_IF_ERROR(builder.Build(feeds, fetches, targets, kernels));
  return plan;
}

absl::StatusOr<std::unique_ptr<ExecutorPlan>> ExecutorPlan::Build(
    const Graph& graph, const std::vector<Output>& feeds,
    const std::vector<Output>& fetches, const std::vector<Operation>& targets,
    Device* device, const KernelProvider& kernels) {
  return Build(graph, feeds, fetches, targets, device,
               [&](const Node* n) -> absl::StatusOr<PlacedKernel> {
                 ASSIGN_OR_RETURN(OpKernel * k, kernels(n));
                 return PlacedKernel{k, device, nullptr};
               });
}

int ExecutorPlan::num_copies() const {
  int n = static_cast<int>(copies_.size() + feed_copies_.size());
  for (Device* d : fetch_copy_device_) n += d != nullptr;
  return n;
}

// The state of one run of a plan.
class ExecutorRun {
 public:
  ExecutorRun(const ExecutorPlan& plan, const ExecutorPlan::RunArgs& args)
      : plan_(plan), args_(args), values_(plan.num_slots_),
        pending_(new std::atomic<int>[plan.items_.size()]) {
    for (size_t i = 0; i < plan.items_.size(); ++i) {
      pending_[i].store(plan.items_[i].initial_pending,
                        std::memory_order_relaxed);
    }
  }

  absl::Status Run() {
    for (size_t i = 0; i < plan_.feed_slots_.size(); ++i) {
      values_[plan_.feed_slots_[i]] = (*args_.feed_values)[i];
    }
    for (const ExecutorPlan::Copy& c : plan_.feed_copies_) {
      RETURN_IF_ERROR(RunCopy(c));
    }
    if (!plan_.roots_.empty()) {
      Start(plan_.roots_);
      done_.WaitForNotification();
      // Pairs with the last acq_rel decrement: every worker's writes to
      // values_ and pending_ happen before we read or free them. (The
      // Notification alone would do, but Debian's absl is not built with
      // TSan, which then cannot see that edge.)
      (void)outstanding_.load(std::memory_order_acquire);
    }
    if (!status_.ok()) return status_;
    std::vector<Tensor>& out = *args_.fetch_values;
    out.resize(plan_.fetch_slots_.size());
    for (size_t i = 0; i < plan_.fetch_slots_.size(); ++i) {
      const Tensor& v = values_[plan_.fetch_slots_[i]];
      if (plan_.fetch_deref_[i]) {
        ASSIGN_OR_RETURN(out[i], ReadVar(args_.resource_manager,
                                         v.scalar<ResourceHandle>()));
      } else {
        out[i] = v;
      }
      if (Device* d = plan_.fetch_copy_device_[i]) {
        ASSIGN_OR_RETURN(out[i], d->CopyToHost(out[i]));
      }
    }
    return absl::OkStatus();
  }

 private:
  using ReadyList = absl::InlinedVector<int, 16>;

  // Starts the run: counts the roots, hands expensive ones to the pool and
  // runs the rest on this thread.
  void Start(absl::Span<const int> roots) {
    ReadyList queue;
    Dispatch(roots, &queue);
    Drain(std::move(queue));
  }

  // Runs `queue` and every cheap node they make ready on this thread;
  // expensive ones go to the inter-op pool. Everything in `queue` has been
  // counted in outstanding_ already.
  void Drain(ReadyList queue) {
    while (!queue.empty()) {
      int id = queue.back();
      queue.pop_back();
      const ExecutorPlan::Item& item = plan_.items_[id];
      if (!aborted_.load(std::memory_order_relaxed) && Compute(item)) {
        ReadyList now_ready;
        for (int k = 0; k < item.num_successors; ++k) {
          int s = plan_.successors_[item.successor_start + k];
          if (pending_[s].fetch_sub(1, std::memory_order_acq_rel) == 1) {
            now_ready.push_back(s);
          }
        }
        Dispatch(now_ready, &queue);
      }
      if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        done_.Notify();
      }
    }
  }

  void Dispatch(absl::Span<const int> ready, ReadyList* queue) {
    outstanding_.fetch_add(static_cast<int>(ready.size()),
                           std::memory_order_relaxed);
    for (size_t k = 0; k < ready.size(); ++k) {
      int id = ready[k];
      bool last = k + 1 == ready.size();
      if (plan_.items_[id].expensive && args_.inter_op_pool != nullptr &&
          !(last && queue->empty())) {
        args_.inter_op_pool->Schedule([this, id] { Drain(ReadyList{id}); });
      } else {
        queue->push_back(id);
      }
    }
  }

  bool Compute(const ExecutorPlan::Item& item);
  bool CheckNumerics(const ExecutorPlan::Item& item, const Tensor* outputs);
  bool ReadInputs(const ExecutorPlan::Item& item, const Tensor** inputs,
                  Tensor* owned, uint64_t* forwardable);
  absl::StatusOr<Tensor> Deref(const ExecutorPlan::Item& item, int k,
                               const Tensor& handle);
  // Copies a value slot into another memory (see ExecutorPlan::Copy).
  absl::Status RunCopy(const ExecutorPlan::Copy& c) {
    const Tensor& src = values_[c.src_slot];
    if (!src.IsInitialized()) return absl::OkStatus();  // reader reports it
    absl::StatusOr<Tensor> t =
        c.to_host ? c.device->CopyToHost(src) : c.device->CopyFromHost(src);
    if (!t.ok()) {
      return AnnotateStatus(t.status(),
                            absl::StrCat("copying a tensor ",
                                         c.to_host ? "from " : "to ",
                                         c.device->name()));
    }
    values_[c.dst_slot] = *std::move(t);
    return absl::OkStatus();
  }
  void Record(const ExecutorPlan::Item& item, int64_t start_ns,
              const Tensor* outputs);
  void Fail(const ExecutorPlan::Item& item, const absl::Status& s) {
    absl::MutexLock lock(&mu_);
    if (status_.ok()) status_ = AnnotateStatus(s, item.node->Describe());
    aborted_.store(true, std::memory_order_relaxed);
  }

  const ExecutorPlan& plan_;
  const ExecutorPlan::RunArgs& args_;
  std::vector<Tensor> values_;
  std::unique_ptr<std::atomic<int>[]> pending_;
  std::atomic<int> outstanding_{0};
  std::atomic<bool> aborted_{false};
  absl::Notification done_;
  absl::Mutex mu_;
  absl::Status status_;
};

absl::StatusOr<Tensor> ExecutorRun::Deref(const ExecutorPlan::Item& item,
                                           int k, const Tensor& handle) {
  ASSIGN_OR_RETURN(Tensor value, ReadVar(args_.resource_manager,
                                         handle.scalar<ResourceHandle>()));
  int copy = plan_.deref_copy_[k];
  if (copy & 1) {
    ASSIGN_OR_RETURN(value, plan_.deref_device_[k]->CopyToHost(value));
  }
  if (copy & 2) {
    ASSIGN_OR_RETURN(value, item.device->CopyFromHost(value));
  }
  return value;
}

bool ExecutorRun::ReadInputs(const ExecutorPlan::Item& item,
                             const Tensor** inputs, Tensor* owned,
                             uint64_t* forwardable) {
  for (int k = 0; k < item.num_inputs; ++k) {
    Tensor& v = values_[plan_.input_slots_[item.input_start + k]];
    if (!v.IsInitialized()) {
      Fail(item, absl::InternalError(absl::StrCat(
                     "input ", k, " (", item.node->input(k).name(),
                     ") was never produced")));
      return false;
    }
    if (plan_.input_deref_[item.input_start + k]) {
      auto value = Deref(item, item.input_start + k, v);
      if (!value.ok()) {
        Fail(item, value.status());
        return false;
      }
      owned[k] = *std::move(value);
      inputs[k] = &owned[k];
    } else if (plan_.input_sole_[item.input_start + k]) {
      owned[k] = std::move(v);  // this node is the only reader
      inputs[k] = &owned[k];
      if (k < 64) *forwardable |= uint64_t{1} << k;
    } else {
      inputs[k] = &v;
    }
  }
  return true;
}

bool ExecutorRun::Compute(const ExecutorPlan::Item& item) {
  absl::InlinedVector<const Tensor*, 8> inputs(item.num_inputs);
  absl::InlinedVector<Tensor, 4> owned(item.num_inputs);
  OpKernelContext::Params params;
  if (!ReadInputs(item, inputs.data(), owned.data(),
                  &params.forwardable_inputs)) {
    return false;
  }
  params.device = item.device;
  params.host_memory_outputs = item.host_memory_outputs;
  params.op_kernel = item.kernel;
  params.inputs = inputs.data();
  params.num_inputs = item.num_inputs;
  params.resource_manager = args_.resource_manager;
  params.step_id = args_.step_id;
  params.function_library = args_.function_library;
  Tensor* outputs = &values_[item.output_base];
  OpKernelContext ctx(&params, outputs);
  int64_t start = args_.step_stats ? absl::GetCurrentTimeNanos() : 0;
  item.kernel->Compute(&ctx);
  if (args_.step_stats != nullptr) Record(item, start, outputs);
  if (!ctx.status().ok()) {
    Fail(item, ctx.status());
    return false;
  }
  for (int k = 0; k < item.kernel->num_outputs(); ++k) {
    DataType want = item.kernel->output_type(k);
    bool ok = outputs[k].dtype() == BaseType(want) ||
              (IsRefType(want) && outputs[k].dtype() == DT_RESOURCE);
    if (!ok) {
      Fail(item, absl::InternalError(absl::StrCat(
                     "kernel left output ", k, " ",
                     outputs[k].IsInitialized() ? "with the wrong dtype"
                                                : "unset")));
      return false;
    }
  }
  for (int c = 0; c < item.num_copies; ++c) {
    absl::Status s = RunCopy(plan_.copies_[item.copy_start + c]);
    if (!s.ok()) {
      Fail(item, s);
      return false;
    }
  }
  return !args_.check_numerics || CheckNumerics(item, outputs);
}

// The run stops before any consumer starts, so the node named is where the
// values first went bad (its inputs were finite or were fed).
bool ExecutorRun::CheckNumerics(const ExecutorPlan::Item& item,
                                const Tensor* outputs) {
  for (int k = 0; k < item.kernel->num_outputs(); ++k) {
    absl::StatusOr<Tensor> host = outputs[k];
    const bool on_host = item.device->memory_is_host() ||
                         (k < 64 && (item.host_memory_outputs >> k) & 1);
    if (!on_host && DataTypeIsFloating(outputs[k].dtype())) {
      host = item.device->CopyToHost(outputs[k]);
    }
    if (!host.ok()) {
      Fail(item, host.status());
      return false;
    }
    NonFiniteCount count = CountNonFinite(*host);
    if (!count.any()) continue;
    Fail(item, absl::InvalidArgumentError(absl::StrCat(
                   "check_numerics: output ", k, " (shape ",
                   outputs[k].shape().DebugString(), ") has ",
                   count.ToString())));
    return false;
  }
  return true;
}

void ExecutorRun::Record(const ExecutorPlan::Item& item, int64_t start_ns,
                         const Tensor* outputs) {
  int64_t end_ns = absl::GetCurrentTimeNanos();
  absl::MutexLock lock(&mu_);
  ::tensorflow::StepStats* stats = args_.step_stats;
  // One DeviceStepStats per device, in the order devices first ran.
  ::tensorflow::DeviceStepStats* dev = nullptr;
  for (auto& d : *stats->mutable_dev_stats()) {
    if (d.device() == item.device->name()) dev = &d;
  }
  if (dev == nullptr) {
    dev = stats->add_dev_stats();
    dev->set_device(item.device->name());
  }
  auto* ns = dev->add_node_stats();
  ns->set_node_name(item.node->name());
  ns->set_all_start_micros(start_ns / 1000);
  ns->set_op_start_rel_micros(0);
  ns->set_op_end_rel_micros((end_ns - start_ns) / 1000);
  ns->set_all_end_rel_micros((end_ns - start_ns) / 1000);
  ns->set_all_start_nanos(start_ns);
  ns->set_op_end_rel_nanos(end_ns - start_ns);
  ns->set_all_end_rel_nanos(end_ns - start_ns);
  std::string shapes;
  for (int k = 0; k < item.kernel->num_outputs(); ++k) {
    absl::StrAppend(&shapes, k ? ", " : "", outputs[k].shape().DebugString());
  }
  ns->set_timeline_label(absl::StrCat(item.node->name(), " = ",
                                      item.node->type_string(), "() -> ",
                                      shapes));
}

absl::Status ExecutorPlan::Run(const RunArgs& args) const {
  if (args.feed_values == nullptr ||
      args.feed_values->size() != feed_slots_.size()) {
    return absl::InvalidArgumentError("feed values do not match the plan");
  }
  ExecutorRun run(*this, args);
  return run.Run();
}

}  // namespace tessera
