// Session: runs a Graph. Each distinct (feeds, fetches, targets) signature
// is pruned and planned once and cached; later runs with the same signature
// go straight to the executor. Run() may be called from many threads at once.
//
//   auto session = Session::Create(root).value();
//   std::vector<Tensor> out;
//   RETURN_IF_ERROR(session->Run({{x, x_value}}, {y}, &out));
#ifndef TESSERA_RUNTIME_SESSION_H_
#define TESSERA_RUNTIME_SESSION_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/device.h"
#include "core/op_kernel.h"
#include "core/resource_mgr.h"
#include "graph/graph.h"
#include "graph/scope.h"
#include "proto/config.pb.h"
#include "runtime/executor.h"
#include "runtime/function_runtime.h"

namespace tessera {

struct SessionOptions {
  // Threads for splitting one kernel (0: one per core).
  int intra_op_threads = 0;
  // Threads for running independent expensive kernels (0: one per core;
  // 1 or less than 0 runs every kernel on the calling thread).
  int inter_op_threads = 0;
  // Cap on the bytes this session's tensors may hold at once (0: no cap).
  int64_t memory_limit_bytes = 0;
  // Checks every kernel's floating outputs and fails the run at the first
  // node that produces NaN or Inf, naming it, its op and where it was built
  // (costs one pass over each output; for debugging).
  bool check_numerics = false;
};

using FeedList = std::vector<std::pair<Output, Tensor>>;

class Session {
 public:
  // `graph` must outlive the session. Nodes may be added to it between
  // runs (as TF1 users do), but not while a Run is in progress.
  static absl::StatusOr<std::unique_ptr<Session>> Create(
      const Graph* graph, const SessionOptions& options = {});
  // Runs the graph of `scope`, failing with the scope's error if it has one.
  static absl::StatusOr<std::unique_ptr<Session>> Create(
      const Scope& scope, const SessionOptions& options = {});
  ~Session();

  absl::Status Run(const FeedList& feeds, const std::vector<Output>& fetches,
                   std::vector<Tensor>* outputs);
  absl::Status Run(const FeedList& feeds, const std::vector<Output>& fetches,
                   const std::vector<Operation>& targets,
                   std::vector<Tensor>* outputs);
  // With options; fills `metadata->step_stats` when
  // options.trace_level() is not NO_TRACE.
  absl::Status Run(const ::tensorflow::RunOptions& options,
                   const FeedList& feeds, const std::vector<Output>& fetches,
                   const std::vector<Operation>& targets,
                   std::vector<Tensor>* outputs,
                   ::tensorflow::RunMetadata* metadata);
  // By name, as TF's C++ Session: "x:0" tensors and "train" operations.
  absl::Status Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                   const std::vector<std::string>& fetches,
                   const std::vector<std::string>& targets,
                   std::vector<Tensor>* outputs);

  const Graph& graph() const { return *graph_; }
  Device* device() const { return device_.get(); }
  ResourceMgr* resource_manager() const { return resources_.get(); }
  // Number of distinct signatures planned so far (for tests/benchmarks).
  int num_cached_plans() const;

 private:
  Session(const Graph* graph, const SessionOptions& options);
  absl::StatusOr<std::shared_ptr<const ExecutorPlan>> GetPlan(
      const FeedList& feeds, const std::vector<Output>& fetches,
      const std::vector<Operation>& targets);
  absl::StatusOr<OpKernel*> GetKernel(const Node* node);
  absl::Status CheckFeeds(const FeedList& feeds) const;

  const Graph* graph_;
  std::shared_ptr<Graph> owned_graph_;  // keeps a Scope's graph alive
  SessionOptions options_;
  std::unique_ptr<Allocator> limited_allocator_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<ThreadPool> inter_op_pool_;
  std::unique_ptr<ResourceMgr> resources_;
  // Runs the graph's functions (dataset map functions...) for kernels.
  std::unique_ptr<GraphFunctionLibrary> functions_;
  std::atomic<int64_t> step_id_{0};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const ExecutorPlan>> plans_
      ABSL_GUARDED_BY(mu_);
  // Kernels are built once per node and shared by every plan.
  absl::flat_hash_map<int, std::unique_ptr<OpKernel>> kernels_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera

#endif  // TESSERA_RUNTIME_SESSION_H_
