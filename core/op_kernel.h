// The kernel interface: an OpKernel is built once per node (from its NodeDef)
// and its Compute() runs once per step with an OpKernelContext.
#ifndef TESSERA_CORE_OP_KERNEL_H_
#define TESSERA_CORE_OP_KERNEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/op_registry.h"
#include "core/tensor.h"

namespace tessera {

class ResourceMgr;  // per-session state (variables...), defined by runtime
class FunctionLibraryRuntime;  // core/function.h, implemented by runtime

class OpKernelConstruction {
 public:
  OpKernelConstruction(Device* device, const NodeDef* def, const OpDef* op_def,
                       std::vector<DataType> input_types,
                       std::vector<DataType> output_types)
      : device_(device), def_(def), op_def_(op_def),
        input_types_(std::move(input_types)),
        output_types_(std::move(output_types)) {}

  const NodeDef& def() const { return *def_; }
  const OpDef& op_def() const { return *op_def_; }
  Device* device() const { return device_; }
  const std::vector<DataType>& input_types() const { return input_types_; }
  const std::vector<DataType>& output_types() const { return output_types_; }
  // Runs graph functions (null where the caller has no function library).
  FunctionLibraryRuntime* function_library() const { return flr_; }
  void set_function_library(FunctionLibraryRuntime* flr) { flr_ = flr; }

  template <typename T>
  absl::Status GetAttr(absl::string_view name, T* value) const {
    return ::tessera::GetAttr(def_->attr(), name, value);
  }
  void SetStatus(absl::Status s) {
    if (status_.ok()) status_ = std::move(s);
  }
  const absl::Status& status() const { return status_; }

 private:
  Device* device_;
  const NodeDef* def_;
  const OpDef* op_def_;
  std::vector<DataType> input_types_, output_types_;
  FunctionLibraryRuntime* flr_ = nullptr;
  absl::Status status_;
};

class OpKernelContext;

class OpKernel {
 public:
  explicit OpKernel(OpKernelConstruction* c);
  virtual ~OpKernel() = default;
  OpKernel(const OpKernel&) = delete;
  OpKernel& operator=(const OpKernel&) = delete;

  virtual void Compute(OpKernelContext* ctx) = 0;
  // Cheap kernels run inline on the scheduling thread; expensive ones go to
  // the inter-op pool.
  virtual bool IsExpensive() const { return expensive_; }

  const std::string& name() const { return def_.name(); }
  const std::string& type_string() const { return def_.op(); }
  const NodeDef& def() const { return def_; }
  int num_inputs() const { return static_cast<int>(input_types_.size()); }
  int num_outputs() const { return static_cast<int>(output_types_.size()); }
  DataType input_type(int i) const { return input_types_[i]; }
  DataType output_type(int i) const { return output_types_[i]; }

 protected:
  void set_expensive(bool expensive) { expensive_ = expensive; }

 private:
  const NodeDef def_;
  const std::vector<DataType> input_types_, output_types_;
  bool expensive_ = false;
};

class OpKernelContext {
 public:
  struct Params {
    Device* device = nullptr;
    OpKernel* op_kernel = nullptr;
    // inputs[i] points at the i-th input tensor; not owned.
    const Tensor* const* inputs = nullptr;
    int num_inputs = 0;
    ResourceMgr* resource_manager = nullptr;
    int64_t step_id = 0;
    // Bit i set: the executor hands input i to this kernel alone (its last
    // consumer, not fetched), so its buffer may be reused for an output.
    uint64_t forwardable_inputs = 0;
    FunctionLibraryRuntime* function_library = nullptr;
    // Bit i set: output i is a HostMemory arg of this kernel, so
    // allocate_output takes it from the device's host_allocator().
    uint64_t host_memory_outputs = 0;
  };
  // `outputs` must have room for op_kernel->num_outputs() tensors.
  OpKernelContext(const Params* params, Tensor* outputs)
      : params_(params), outputs_(outputs) {}

  int num_inputs() const { return params_->num_inputs; }
  const Tensor& input(int i) const { return *params_->inputs[i]; }
  DataType input_dtype(int i) const { return input(i).dtype(); }
  int num_outputs() const { return params_->op_kernel->num_outputs(); }
  DataType expected_output_dtype(int i) const {
    return params_->op_kernel->output_type(i);
  }

  // Allocates output i from the device's allocator; fails with
  // ResourceExhausted (naming the node) when memory runs out.
  absl::Status allocate_output(int i, const TensorShape& shape,
                               Tensor** out);
  absl::Status allocate_temp(DataType dtype, const TensorShape& shape,
                             Tensor* out);
  // Sets output i to an existing tensor (e.g. forwarding an input).
  void set_output(int i, Tensor tensor);
  Tensor* mutable_output(int i) { return &outputs_[i]; }

  // Reuses input `input_index`'s buffer for output `output_index` when this
  // kernel holds the only reference and dtype/size match; else allocates.
  absl::Status forward_input_or_allocate_output(int input_index,
                                                int output_index,
                                                const TensorShape& shape,
                                                Tensor** out);

  Device* device() const { return params_->device; }
  ThreadPool* intra_op_pool() const { return params_->device->intra_op_pool(); }
  OpKernel& op_kernel() const { return *params_->op_kernel; }
  ResourceMgr* resource_manager() const { return params_->resource_manager; }
  FunctionLibraryRuntime* function_library() const {
    return params_->function_library;
  }
  int64_t step_id() const { return params_->step_id; }

  void SetStatus(absl::Status s) {
    if (status_.ok()) status_ = std::move(s);
  }
  const absl::Status& status() const { return status_; }

 private:
  const Params* params_;
  Tensor* outputs_;
  absl::Status status_;
};

// Fails the kernel (construction or compute) and returns when `cond` is false.
#define OP_REQUIRES(CTX, COND, STATUS) \
  do {                                 \
    if (!(COND)) {                     \
      (CTX)->SetStatus(STATUS);        \
      return;                          \
    }                                  \
  } while (0)

#define OP_REQUIRES_OK(CTX, EXPR)          \
  do {                                     \
    ::absl::Status ts_op_status_ = (EXPR); \
    if (!ts_op_status_.ok()) {             \
      (CTX)->SetStatus(ts_op_status_);     \
      return;                              \
    }                                      \
  } while (0)

}  // namespace tessera

#endif  // TESSERA_CORE_OP_KERNEL_H_
