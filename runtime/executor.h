// Executor: runs one pruned subgraph. Everything that can be decided ahead
// of time (kernels, input slots, successor lists, initial pending counts)
// is in the immutable ExecutorPlan; a run only allocates its value slots and
// a pending-count array, so repeat runs do no graph analysis.
#ifndef TESSERA_RUNTIME_EXECUTOR_H_
#define TESSERA_RUNTIME_EXECUTOR_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/device.h"
#include "core/op_kernel.h"
#include "core/threadpool.h"
#include "graph/graph.h"
#include "proto/step_stats.pb.h"

namespace tessera {

// Creates (or returns the cached) kernel for a node; owned by the session.
using KernelProvider = std::function<absl::StatusOr<OpKernel*>(const Node*)>;

// A node's kernel with the device it runs on.
struct PlacedKernel {
  OpKernel* kernel = nullptr;
  Device* device = nullptr;  // null: the plan's host device
  // Arg names the kernel keeps in host memory (KernelDef::host_memory_args);
  // may be null.
  const std::vector<std::string>* host_memory_args = nullptr;
};
using PlacedKernelProvider =
    std::function<absl::StatusOr<PlacedKernel>(const Node*)>;

class ExecutorPlan {
 public:
  // Prunes `graph` to what `fetches` and `targets` need, treating `feeds`
  // as given values (their producers are not run).
  static absl::StatusOr<std::unique_ptr<ExecutorPlan>> Build(
      const Graph& graph, const std::vector<Output>& feeds,
      const std::vector<Output>& fetches,
      const std::vector<Operation>& targets, Device* device,
      const KernelProvider& kernels);
  // Multi-device: each node runs on its PlacedKernel's device; `host_device`
  // (the CPU) runs the rest. Feeds are host tensors and fetches come back in
  // host memory; edges between host and accelerator memory get copies,
  // decided here once per edge.
  static absl::StatusOr<std::unique_ptr<ExecutorPlan>> Build(
      const Graph& graph, const std::vector<Output>& feeds,
      const std::vector<Output>& fetches,
      const std::vector<Operation>& targets, Device* host_device,
      const PlacedKernelProvider& kernels);

  struct RunArgs {
    const std::vector<Tensor>* feed_values = nullptr;  // aligned with feeds
    std::vector<Tensor>* fetch_values = nullptr;       // resized to fetches
    ResourceMgr* resource_manager = nullptr;
    ThreadPool* inter_op_pool = nullptr;  // null: run everything inline
    ::tensorflow::StepStats* step_stats = nullptr;  // null: no tracing
    int64_t step_id = 0;
    FunctionLibraryRuntime* function_library = nullptr;
    // Fail at the first kernel whose floating outputs hold NaN or Inf.
    bool check_numerics = false;
  };
  absl::Status Run(const RunArgs& args) const;

  int num_nodes() const { return static_cast<int>(items_.size()); }
  // Host<->device copies one run makes (feeds, edges and fetches; variable
  // reads excluded), for tests.
  int num_copies() const;

 private:
  friend class ExecutorRun;
  friend class PlanBuilder;
  struct Item {
    const Node* node;
    OpKernel* kernel;
    Device* device;
    uint64_t host_memory_outputs;  // see OpKernelContext::Params
    int copy_start;      // into copies_: run after this node computes
    int num_copies;
    int input_start;     // into input_slots_ / input_sole_
    int num_inputs;
    int output_base;     // first value slot of this node's outputs
    int successor_start; // into successors_
    int num_successors;
    int initial_pending;
    bool expensive;
  };
  std::vector<Item> items_;
  std::vector<int> input_slots_;
  std::vector<char> input_sole_;  // this input is its slot's only reader
  // The producer's output is a TF1 reference (a variable handle) and this
  // consumer wants the value: read the variable.
  std::vector<char> input_deref_;
  // For deref inputs: how the variable's value reaches the consumer's
  // memory (a DerefCopy).
  std::vector<char> deref_copy_;
  std::vector<Device*> deref_device_;  // the variable's device
  std::vector<char> fetch_deref_;
  // Device whose memory a fetch lives in (null: host memory already).
  std::vector<Device*> fetch_copy_device_;
  // A copy of one value slot into another memory.
  struct Copy {
    int src_slot;
    int dst_slot;
    Device* device;  // the accelerator end of the copy
    bool to_host;    // device->CopyToHost, else device->CopyFromHost
  };
  std::vector<Copy> copies_;       // by producing item, see Item::copy_start
  std::vector<Copy> feed_copies_;  // run before the first node
  std::vector<int> successors_;   // one entry per edge (data or control)
  std::vector<int> roots_;
  std::vector<int> feed_slots_;
  std::vector<int> fetch_slots_;
  int num_slots_ = 0;
  Device* device_ = nullptr;
};

}  // namespace tessera

#endif  // TESSERA_RUNTIME_EXECUTOR_H_
