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

}  // namespace

absl::StatusOr<std::unique_ptr<ExecutorPlan>> ExecutorPlan::Build(
    const Graph& graph, const std::vector<Output>& feeds,
    const std::vector<Output>& fetches, const std::vector<Operation>& targets,
    Device* device, const KernelProvider& kernels) {
  auto plan = std::make_unique<ExecutorPlan>();
  plan->device_ = device;
  absl::flat_hash_map<int64_t, int> fed;  // key -> feed index
  for (int i = 0; i < static_cast<int>(feeds.size()); ++i) {
    if (!fed.emplace(SlotKey(feeds[i].node, feeds[i].index), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", feeds[i].name(), " is fed twice"));
    }
  }
  std::vector<char> needed = NeededNodes(graph, fed, fetches, targets);
  std::vector<int> item_of(graph.num_nodes(), -1);
  for (int id = 0; id < graph.num_nodes(); ++id) {
    if (!needed[id]) continue;
    const Node* node = graph.node(id);
    Item item{};
    item.node = node;
    ASSIGN_OR_RETURN(item.kernel, kernels(node));
    item.expensive = item.kernel->IsExpensive();
    item.output_base = plan->num_slots_;
    plan->num_slots_ += node->num_outputs();
    item_of[id] = static_cast<int>(plan->items_.size());
    plan->items_.push_back(item);
  }
  for (size_t i = 0; i < feeds.size(); ++i) {
    plan->feed_slots_.push_back(plan->num_slots_++);
  }
  auto slot_of = [&](const Node* n, int index) {
    auto it = fed.find(SlotKey(n, index));
    if (it != fed.end()) return plan->feed_slots_[it->second];
    return plan->items_[item_of[n->id()]].output_base + index;
  };
  std::vector<int> readers(plan->num_slots_, 0);
  std::vector<std::vector<int>> succ(plan->items_.size());
  for (size_t i = 0; i < plan->items_.size(); ++i) {
    Item& item = plan->items_[i];
    const Node* node = item.node;
    item.input_start = static_cast<int>(plan->input_slots_.size());
    item.num_inputs = node->num_inputs();
    plan->input_slots_.resize(item.input_start + item.num_inputs, -1);
    plan->input_deref_.resize(plan->input_slots_.size(), 0);
    for (const Edge* e : node->in_edges()) {
      bool from_feed =
          !e->IsControlEdge() && fed.contains(SlotKey(e->src, e->src_output));
      if (!e->IsControlEdge()) {
        int slot = slot_of(e->src, e->src_output);
        plan->input_slots_[item.input_start + e->dst_input] = slot;
        plan->input_deref_[item.input_start + e->dst_input] =
            !from_feed && IsRefType(e->src->output_type(e->src_output)) &&
            !IsRefType(node->input_type(e->dst_input));
        ++readers[slot];
      }
      if (!from_feed) {
        ++item.initial_pending;
        succ[item_of[e->src->id()]].push_back(static_cast<int>(i));
      }
    }
    if (item.initial_pending == 0) plan->roots_.push_back(static_cast<int>(i));
  }
  for (size_t i = 0; i < plan->items_.size(); ++i) {
    plan->items_[i].successor_start = static_cast<int>(plan->successors_.size());
    plan->items_[i].num_successors = static_cast<int>(succ[i].size());
    plan->successors_.insert(plan->successors_.end(), succ[i].begin(),
                             succ[i].end());
  }
  for (const Output& f : fetches) {
    int slot = slot_of(f.node, f.index);
    plan->fetch_slots_.push_back(slot);
    plan->fetch_deref_.push_back(!fed.contains(SlotKey(f.node, f.index)) &&
                                 IsRefType(f.dtype()));
    readers[slot] += 2;  // a fetched value is never handed off
  }
  for (int slot : plan->feed_slots_) readers[slot] += 2;
  plan->input_sole_.resize(plan->input_slots_.size());
  for (size_t k = 0; k < plan->input_slots_.size(); ++k) {
    plan->input_sole_[k] = readers[plan->input_slots_[k]] == 1;
  }
  return plan;
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

bool ExecutorRun::Compute(const ExecutorPlan::Item& item) {
  absl::InlinedVector<const Tensor*, 8> inputs(item.num_inputs);
  absl::InlinedVector<Tensor, 4> owned(item.num_inputs);
  OpKernelContext::Params params;
  for (int k = 0; k < item.num_inputs; ++k) {
    Tensor& v = values_[plan_.input_slots_[item.input_start + k]];
    if (!v.IsInitialized()) {
      Fail(item, absl::InternalError(absl::StrCat(
                     "input ", k, " (", item.node->input(k).name(),
                     ") was never produced")));
      return false;
    }
    if (plan_.input_deref_[item.input_start + k]) {
      auto value = ReadVar(args_.resource_manager, v.scalar<ResourceHandle>());
      if (!value.ok()) {
        Fail(item, value.status());
        return false;
      }
      owned[k] = *std::move(value);
      inputs[k] = &owned[k];
    } else if (plan_.input_sole_[item.input_start + k]) {
      owned[k] = std::move(v);  // this node is the only reader
      inputs[k] = &owned[k];
      if (k < 64) params.forwardable_inputs |= uint64_t{1} << k;
    } else {
      inputs[k] = &v;
    }
  }
  params.device = plan_.device_;
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
  return !args_.check_numerics || CheckNumerics(item, outputs);
}

// The run stops before any consumer starts, so the node named is where the
// values first went bad (its inputs were finite or were fed).
bool ExecutorRun::CheckNumerics(const ExecutorPlan::Item& item,
                                const Tensor* outputs) {
  for (int k = 0; k < item.kernel->num_outputs(); ++k) {
    NonFiniteCount count = CountNonFinite(outputs[k]);
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
  if (stats->dev_stats_size() == 0) {
    stats->add_dev_stats()->set_device(plan_.device_->name());
  }
  auto* ns = stats->mutable_dev_stats(0)->add_node_stats();
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
