#include "runtime/session.h"

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"

namespace tessera {

absl::StatusOr<std::unique_ptr<Session>> Session::Create(
    const Graph* graph, const SessionOptions& options) {
  if (graph == nullptr) return absl::InvalidArgumentError("null graph");
  std::unique_ptr<Session> session(new Session(graph, options));
  RETURN_IF_ERROR(session->Init());
  return session;
}

absl::StatusOr<std::unique_ptr<Session>> Session::Create(
    const Scope& scope, const SessionOptions& options) {
  RETURN_IF_ERROR(scope.status());
  ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                   Create(scope.graph(), options));
  session->owned_graph_ = scope.graph_as_shared_ptr();
  return session;
}

Session::Session(const Graph* graph, const SessionOptions& options)
    : graph_(graph), options_(options) {}

absl::Status Session::Init() {
  DeviceOptions device_options;
  device_options.intra_op_threads = options_.intra_op_threads;
  device_options.memory_limit_bytes = options_.memory_limit_bytes;
  device_options.gpu = options_.gpu_options;
  device_options.device_count = options_.device_count;
  RETURN_IF_ERROR(DeviceFactory::AddDevices(device_options, &devices_));
  if (devices_.empty() || !devices_[0]->memory_is_host()) {
    return absl::InternalError("the device factories made no CPU device");
  }
  for (const auto& d : devices_) device_ptrs_.push_back(d.get());
  device_ = device_ptrs_[0];
  PlacerOptions placer_options;
  placer_options.allow_soft_placement = options_.allow_soft_placement;
  placer_options.log_device_placement = options_.log_device_placement;
  placer_ = std::make_unique<Placer>(graph_, device_ptrs_, placer_options);
  int inter = options_.inter_op_threads == 0 ? NumSchedulableCpus()
                                             : options_.inter_op_threads;
  if (inter > 1) inter_op_pool_ = std::make_unique<ThreadPool>("inter_op", inter);
  resources_ = std::make_unique<ResourceMgr>();
  functions_ = std::make_unique<GraphFunctionLibrary>(graph_, device_,
                                                      resources_.get());
  return absl::OkStatus();
}

Session::~Session() {
  // Pools drain before kernels and resources go away; resources (iterators
  // whose background threads run functions) before the function library.
  inter_op_pool_.reset();
  if (resources_ != nullptr) resources_->Clear();
  functions_.reset();
  kernels_.clear();  // before the devices they were built for
}

int Session::num_cached_plans() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(plans_.size());
}

absl::StatusOr<PlacedKernel> Session::GetKernel(const Node* node) {
  // Called with mu_ held (from GetPlan).
  auto it = kernels_.find(node->id());
  if (it == kernels_.end()) {
    ASSIGN_OR_RETURN(Device* device, placer_->DeviceFor(node));
    auto kernel = KernelRegistry::Global()->CreateKernel(
        device, node->def(), node->op_def(), functions_.get());
    if (!kernel.ok()) {
      return AnnotateStatus(kernel.status(), node->Describe());
    }
    // CreateKernel found this def already; it cannot fail now.
    ASSIGN_OR_RETURN(const KernelDef* def,
                     KernelRegistry::Global()->Find(device->device_type(),
                                                    node->def()));
    it = kernels_.emplace(node->id(), NodeKernel{*std::move(kernel), device,
                                                  def}).first;
  }
  const NodeKernel& k = it->second;
  return PlacedKernel{k.kernel.get(), k.device, &k.def->host_memory_args};
}

absl::Status Session::CheckFeeds(const FeedList& feeds) const {
  for (const auto& [output, value] : feeds) {
    if (!output.valid()) {
      return absl::InvalidArgumentError("a feed key is an invalid Output");
    }
    if (value.dtype() != BaseType(output.dtype())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feed for ", output.name(), " has dtype ",
          DataTypeString(value.dtype()), " but ", output.node->Describe(),
          " produces ", DataTypeString(output.dtype())));
    }
    if (!output.shape().IsCompatibleWith(value.shape())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feed for ", output.name(), " has shape ",
          value.shape().DebugString(), " but ", output.node->Describe(),
          " has shape ", output.shape().DebugString()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ExecutorPlan>> Session::GetPlan(
    const FeedList& feeds, const std::vector<Output>& fetches,
    const std::vector<Operation>& targets) {
  // The key lists node ids and output indices; ids are stable because
  // graphs only grow.
  std::string key;
  key.reserve(8 * (feeds.size() + fetches.size() + targets.size()) + 2);
  auto add = [&key](const Node* n, int index) {
    int32_t v[2] = {n->id(), index};
    key.append(reinterpret_cast<const char*>(v), sizeof(v));
  };
  for (const auto& f : feeds) add(f.first.node, f.first.index);
  key.push_back('|');
  for (const auto& f : fetches) add(f.node, f.index);
  key.push_back('|');
  for (const auto& t : targets) add(t.node, -1);
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second;
  std::vector<Output> feed_outputs;
  for (const auto& f : feeds) feed_outputs.push_back(f.first);
  ASSIGN_OR_RETURN(
      std::unique_ptr<ExecutorPlan> plan,
      ExecutorPlan::Build(*graph_, feed_outputs, fetches, targets,
                          device_, [this](const Node* n) {
                            return GetKernel(n);
                          }));
  std::shared_ptr<const ExecutorPlan> shared = std::move(plan);
  plans_[key] = shared;
  return shared;
}

absl::StatusOr<int> Session::NumCopies(const FeedList& feeds,
                                       const std::vector<Output>& fetches,
                                       const std::vector<Operation>& targets) {
  ASSIGN_OR_RETURN(std::shared_ptr<const ExecutorPlan> plan,
                   GetPlan(feeds, fetches, targets));
  return plan->num_copies();
}

absl::Status Session::Run(const FeedList& feeds,
                          const std::vector<Output>& fetches,
                          std::vector<Tensor>* outputs) {
  return Run(feeds, fetches, {}, outputs);
}

absl::Status Session::Run(const FeedList& feeds,
                          const std::vector<Output>& fetches,
                          const std::vector<Operation>& targets,
                          std::vector<Tensor>* outputs) {
  return Run(::tensorflow::RunOptions(), feeds, fetches, targets, outputs,
             nullptr);
}

absl::Status Session::Run(const ::tensorflow::RunOptions& options,
                          const FeedList& feeds,
                          const std::vector<Output>& fetches,
                          const std::vector<Operation>& targets,
                          std::vector<Tensor>* outputs,
                          ::tensorflow::RunMetadata* metadata) {
  for (const Output& f : fetches) {
    if (!f.valid()) {
      return absl::InvalidArgumentError(
          "a fetch is an invalid Output; an op probably failed to build: "
          "check the scope's status()");
    }
  }
  for (const Operation& t : targets) {
    if (!t.valid()) {
      return absl::InvalidArgumentError("a target is an invalid Operation");
    }
  }
  RETURN_IF_ERROR(CheckFeeds(feeds));
  ASSIGN_OR_RETURN(std::shared_ptr<const ExecutorPlan> plan,
                   GetPlan(feeds, fetches, targets));
  std::vector<Tensor> feed_values;
  feed_values.reserve(feeds.size());
  for (const auto& f : feeds) feed_values.push_back(f.second);
  std::vector<Tensor> scratch;
  ExecutorPlan::RunArgs args;
  args.feed_values = &feed_values;
  args.fetch_values = outputs != nullptr ? outputs : &scratch;
  args.resource_manager = resources_.get();
  args.inter_op_pool = inter_op_pool_.get();
  args.step_id = step_id_.fetch_add(1, std::memory_order_relaxed);
  args.function_library = functions_.get();
  args.check_numerics = options_.check_numerics;
  bool trace = options.trace_level() != ::tensorflow::RunOptions::NO_TRACE &&
               metadata != nullptr;
  if (trace) args.step_stats = metadata->mutable_step_stats();
  return plan->Run(args);
}

absl::Status Session::Run(
    const std::vector<std::pair<std::string, Tensor>>& feeds,
    const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets, std::vector<Tensor>* outputs) {
  FeedList feed_list;
  for (const auto& [name, value] : feeds) {
    ASSIGN_OR_RETURN(Output o, graph_->FindOutput(name));
    feed_list.emplace_back(o, value);
  }
  std::vector<Output> fetch_list;
  for (const auto& name : fetches) {
    ASSIGN_OR_RETURN(Output o, graph_->FindOutput(name));
    fetch_list.push_back(o);
  }
  std::vector<Operation> target_list;
  for (const auto& name : targets) {
    Node* n = graph_->FindNode(name);
    if (n == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no operation named '", name, "' in the graph"));
    }
    target_list.push_back(Operation(n));
  }
  return Run(feed_list, fetch_list, target_list, outputs);
}

}  // namespace tessera
