// Session: runs a Graph. Each distinct (feeds, fetches, targets) signature
// is pruned and planned once and cached; later runs with the same signature
// go straight to the executor. Run() may be called from many threads at once.
//
//   auto session = Session::Create(root).value();
//   std::vector<Tensor> out;
//   RETURN_IF_ERROR(session->Run({{x, x_value}}, {y}, &out));
#ifndef TESSERA_RUNTIME_SESSION_H_
#define TESSERA_RUNTIME_SESSION_H_

#include <map>
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
#include "runtime/device_factory.h"
#include "runtime/executor.h"
#include "runtime/function_runtime.h"
#include "runtime/placer.h"

namespace tessera {

struct KernelDef;

struct SessionOptions {
  // Threads for splitting one kernel (0: one per core).
  int intra_op_threads = 0;
  // Threads for running independent expensive kernels (0: one per core;
  // 1 or less than 0 runs every kernel on the calling thread).
  int inter_op_threads = 0;
  // Cap on the bytes this session's CPU tensors may hold at once (0: no cap).
  int64_t memory_limit_bytes = 0;
  // Checks every kernel's floating outputs and fails the run at the first
  // node that produces NaN or Inf, naming it, its op and where it was built
  // (costs one pass over each output; for debugging).
  bool check_numerics = false;
  // A device request that cannot be met (no such device, or no kernel for
  // the op there) falls back to the CPU, with a line on stderr; false makes
  // it an error naming the node, its op, creation site and the devices that
  // have kernels for it.
  bool allow_soft_placement = true;
  // Writes "node (Op): /job:localhost/replica:0/task:0/device:GPU:0" to
  // stderr for every node as it is placed.
  bool log_device_placement = false;
  GpuOptions gpu_options;
  // Most devices of a type, e.g. {{"GPU", 0}} for a CPU-only session.
  std::map<std::string, int> device_count;
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

  // The devices' plan of a signature: copies one run makes between host and
  // accelerator memory (for tests), after planning it if needed.
  absl::StatusOr<int> NumCopies(const FeedList& feeds,
                                const std::vector<Output>& fetches,
                                const std::vector<Operation>& targets = {});

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
  // The CPU device (host memory).
  Device* device() const { return device_; }
  // Every device of this session, the CPU first.
  const std::vector<Device*>& devices() const { return device_ptrs_; }
  ResourceMgr* resource_manager() const { return resources_.get(); }
  // Number of distinct signatures planned so far (for tests/benchmarks).
  int num_cached_plans() const;

 private:
  Session(const Graph* graph, const SessionOptions& options);
  absl::Status Init();
  absl::StatusOr<std::shared_ptr<const ExecutorPlan>> GetPlan(
      const FeedList& feeds, const std::vector<Output>& fetches,
      const std::vector<Operation>& targets);
  absl::StatusOr<PlacedKernel> GetKernel(const Node* node);
  absl::Status CheckFeeds(const FeedList& feeds) const;

  const Graph* graph_;
  std::shared_ptr<Graph> owned_graph_;  // keeps a Scope's graph alive
  SessionOptions options_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<Device*> device_ptrs_;
  Device* device_ = nullptr;  // devices_[0], the CPU
  std::unique_ptr<ThreadPool> inter_op_pool_;
  std::unique_ptr<ResourceMgr> resources_;
  // Runs the graph's functions (dataset map functions...) for kernels.
  std::unique_ptr<GraphFunctionLibrary> functions_;
  std::atomic<int64_t> step_id_{0};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const ExecutorPlan>> plans_
      ABSL_GUARDED_BY(mu_);
  // Nodes are placed once (the graph may grow between runs).
  std::unique_ptr<Placer> placer_ ABSL_GUARDED_BY(mu_);
  // Kernels are built once per node, on its device, and shared by every
  // plan.
  struct NodeKernel {
    std::unique_ptr<OpKernel> kernel;
    Device* device;
    const KernelDef* def;
  };
  absl::flat_hash_map<int, NodeKernel> kernels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera

#endif  // TESSERA_RUNTIME_SESSION_H_
