// GPU variable kernels: VarHandleOp, ReadVariableOp and AssignVariableOp
// (the CPU classes; the handle stays in host memory, the value in device
// memory), AssignAdd/SubVariableOp, and the optimizer updates
// ResourceApplyGradientDescent / Momentum / Adam. Hyper-parameters are
// device scalars, as in TensorFlow. Updates lock the variables in address
// order and copy a buffer first when a reader still holds it
// (copy-on-write, as the CPU kernels), so a fetched value never changes.
#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/resource_var.h"
#include "core/status.h"
#include "kernels/cwise_ops_gpu.h"
#include "kernels/gpu_kernel_util.h"
#include "kernels/training_ops_gpu.h"
#include "kernels/variable_ops.h"

namespace tessera {
namespace gpu {
namespace {

// Gives `var` a buffer nobody else holds (`extra_refs`: references the
// caller itself keeps), copying on the device's stream.
absl::Status MakePrivate(OpKernelContext* ctx, Var* var, int extra_refs,
                         cudaStream_t stream) {
  Tensor* t = var->tensor();
  if (t->BufferRefCount() <= 1 + extra_refs) return absl::OkStatus();
  ASSIGN_OR_RETURN(Tensor fresh, Tensor::Allocate(ctx->device()->allocator(),
                                                  t->dtype(), t->shape()));
  if (t->TotalBytes() > 0) {
    RETURN_IF_ERROR(CudaStatus(
        *ctx, cudaMemcpyAsync(fresh.raw_data(), t->raw_data(), t->TotalBytes(),
                              cudaMemcpyDeviceToDevice, stream)));
  }
  *t = std::move(fresh);
  return absl::OkStatus();
}

// Checks variable `var` (named by input `i`'s handle) against `grad`.
absl::Status CheckVar(const OpKernel& k, OpKernelContext* ctx, int i,
                      Var* var, const Tensor& grad) {
  const std::string& name = ctx->input(i).scalar<ResourceHandle>().name;
  if (!var->is_initialized()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Attempting to use uninitialized value ", name, " in ",
        k.type_string(), ": run the variables' initializer first"));
  }
  const Tensor* t = var->tensor();
  if (t->dtype() != grad.dtype() || t->shape() != grad.shape()) {
    return absl::InvalidArgumentError(absl::StrCat(
        k.type_string(), ": variable ", name, " is ",
        DataTypeString(t->dtype()), " ", t->shape().DebugString(),
        " but the ", k.type_string() == "AssignAddVariableOp" ||
                k.type_string() == "AssignSubVariableOp"
            ? "value"
            : "gradient",
        " is ", DataTypeString(grad.dtype()), " ",
        grad.shape().DebugString()));
  }
  return absl::OkStatus();
}

// Holds the mutexes of a set of variables, taken in address order.
class VarLocks {
 public:
  explicit VarLocks(std::vector<std::shared_ptr<Var>> vars)
      : held_(std::move(vars)) {
    std::sort(held_.begin(), held_.end());
    held_.erase(std::unique(held_.begin(), held_.end()), held_.end());
    for (auto& v : held_) v->mu()->Lock();
  }
  ~VarLocks() {
    for (auto& v : held_) v->mu()->Unlock();
  }
  VarLocks(const VarLocks&) = delete;
  VarLocks& operator=(const VarLocks&) = delete;

 private:
  std::vector<std::shared_ptr<Var>> held_;
};

// Base of the updates: inputs [0, num_vars) are variable handles, the
// gradient is input `grad_index`, the rest are scalars checked here.
// Launch() runs with the variables locked and private.
class GpuVarUpdateOp : public OpKernel {
 public:
  GpuVarUpdateOp(OpKernelConstruction* c, int num_vars, int grad_index)
      : OpKernel(c), num_vars_(num_vars), grad_index_(grad_index) {}

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& grad = ctx->input(grad_index_);
    std::vector<std::shared_ptr<Var>> vars;
    for (int i = 0; i < num_vars_; ++i) {
      auto var = LookupVar(ctx->resource_manager(),
                           ctx->input(i).scalar<ResourceHandle>());
      OP_REQUIRES_OK(ctx, var.status());
      vars.push_back(*std::move(var));
    }
    for (int i = num_vars_; i < ctx->num_inputs(); ++i) {
      OP_REQUIRES(ctx, i == grad_index_ || ctx->input(i).dims() == 0,
                  absl::InvalidArgumentError(absl::StrCat(
                      type_string(), " input ", i, " must be a scalar, got "
                      "shape ", ctx->input(i).shape().DebugString())));
    }
    VarLocks locks(vars);
    std::vector<Tensor*> tensors;
    for (int i = 0; i < num_vars_; ++i) {
      OP_REQUIRES_OK(ctx, CheckVar(*this, ctx, i, vars[i].get(), grad));
      OP_REQUIRES_OK(ctx, MakePrivate(ctx, vars[i].get(), 0,
                                      (*g)->compute_stream));
      tensors.push_back(vars[i]->tensor());
    }
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, Launch(ctx, tensors, grad,
                                                (*g)->compute_stream)));
  }

 protected:
  virtual cudaError_t Launch(OpKernelContext* ctx,
                             const std::vector<Tensor*>& vars,
                             const Tensor& grad, cudaStream_t s) = 0;

 private:
  const int num_vars_, grad_index_;
};

// AssignAddVariableOp / AssignSubVariableOp: float, double, int64 (int32
// variables live on the host, as in TensorFlow).
class GpuAssignUpdateOp : public GpuVarUpdateOp {
 public:
  explicit GpuAssignUpdateOp(OpKernelConstruction* c)
      : GpuVarUpdateOp(c, 1, 1),
        subtract_(c->def().op() == "AssignSubVariableOp") {}

 protected:
  cudaError_t Launch(OpKernelContext*, const std::vector<Tensor*>& vars,
                     const Tensor& delta, cudaStream_t s) override {
    const int64_t n = delta.NumElements();
    BroadcastDims same;  // rank 1, every operand contiguous
    same.dims[0] = n;
    for (auto& stride : same.strides) stride[0] = 1;
    const BinaryFn fn = subtract_ ? BinaryFn::kSub : BinaryFn::kAdd;
    Tensor* v = vars[0];
    switch (delta.dtype()) {
      case DT_FLOAT:
        return LaunchBinary<float>(fn, v->data<float>(), delta.data<float>(),
                                   v->data<float>(), n, same, s);
      case DT_DOUBLE:
        return LaunchBinary<double>(fn, v->data<double>(),
                                    delta.data<double>(), v->data<double>(),
                                    n, same, s);
      default:
        return LaunchBinary<int64_t>(fn, v->data<int64_t>(),
                                     delta.data<int64_t>(),
                                     v->data<int64_t>(), n, same, s);
    }
  }

 private:
  const bool subtract_;
};

template <typename T>
class GpuGradientDescentOp : public GpuVarUpdateOp {
 public:
  explicit GpuGradientDescentOp(OpKernelConstruction* c)
      : GpuVarUpdateOp(c, 1, 2) {}

 protected:
  cudaError_t Launch(OpKernelContext* ctx, const std::vector<Tensor*>& vars,
                     const Tensor& grad, cudaStream_t s) override {
    return LaunchApplyGradientDescent<T>(vars[0]->data<T>(),
                                         ctx->input(1).data<T>(),
                                         grad.data<T>(), grad.NumElements(), s);
  }
};

template <typename T>
class GpuMomentumOp : public GpuVarUpdateOp {
 public:
  explicit GpuMomentumOp(OpKernelConstruction* c) : GpuVarUpdateOp(c, 2, 3) {
    OP_REQUIRES_OK(c, c->GetAttr("use_nesterov", &nesterov_));
  }

 protected:
  cudaError_t Launch(OpKernelContext* ctx, const std::vector<Tensor*>& vars,
                     const Tensor& grad, cudaStream_t s) override {
    return LaunchApplyMomentum<T>(vars[0]->data<T>(), vars[1]->data<T>(),
                                  ctx->input(2).data<T>(), grad.data<T>(),
                                  ctx->input(4).data<T>(), nesterov_,
                                  grad.NumElements(), s);
  }

 private:
  bool nesterov_ = false;
};

template <typename T>
class GpuAdamOp : public GpuVarUpdateOp {
 public:
  explicit GpuAdamOp(OpKernelConstruction* c) : GpuVarUpdateOp(c, 3, 9) {
    OP_REQUIRES_OK(c, c->GetAttr("use_nesterov", &nesterov_));
  }

 protected:
  cudaError_t Launch(OpKernelContext* ctx, const std::vector<Tensor*>& vars,
                     const Tensor& grad, cudaStream_t s) override {
    const AdamScalars scalars = {
        ctx->input(3).data<T>(), ctx->input(4).data<T>(),
        ctx->input(5).data<T>(), ctx->input(6).data<T>(),
        ctx->input(7).data<T>(), ctx->input(8).data<T>()};
    return LaunchApplyAdam<T>(vars[0]->data<T>(), vars[1]->data<T>(),
                              vars[2]->data<T>(), scalars, grad.data<T>(),
                              nesterov_, grad.NumElements(), s);
  }

 private:
  bool nesterov_ = false;
};

REGISTER_KERNEL_BUILDER(
    Name("VarHandleOp").Device(kDeviceGpu).HostMemory("resource"),
    VarHandleOp);
REGISTER_KERNEL_BUILDER(
    Name("ReadVariableOp").Device(kDeviceGpu).HostMemory("resource"),
    ReadVariableOp);
REGISTER_KERNEL_BUILDER(
    Name("AssignVariableOp").Device(kDeviceGpu).HostMemory("resource"),
    AssignOp);

#define TS_REGISTER_ASSIGN_UPDATE(OP, T)                   \
  REGISTER_KERNEL_BUILDER(Name(OP)                         \
                              .Device(kDeviceGpu)          \
                              .TypeConstraint<T>("dtype")  \
                              .HostMemory("resource"),     \
                          GpuAssignUpdateOp)
#define TS_REGISTER_APPLY(T)                                                  \
  TS_REGISTER_ASSIGN_UPDATE("AssignAddVariableOp", T);                        \
  TS_REGISTER_ASSIGN_UPDATE("AssignSubVariableOp", T);                        \
  REGISTER_KERNEL_BUILDER(Name("ResourceApplyGradientDescent")                \
                              .Device(kDeviceGpu)                             \
                              .TypeConstraint<T>("T")                         \
                              .HostMemory("var"),                             \
                          GpuGradientDescentOp<T>);                           \
  REGISTER_KERNEL_BUILDER(Name("ResourceApplyMomentum")                       \
                              .Device(kDeviceGpu)                             \
                              .TypeConstraint<T>("T")                         \
                              .HostMemory("var")                              \
                              .HostMemory("accum"),                           \
                          GpuMomentumOp<T>);                                  \
  REGISTER_KERNEL_BUILDER(Name("ResourceApplyAdam")                           \
                              .Device(kDeviceGpu)                             \
                              .TypeConstraint<T>("T")                         \
                              .HostMemory("var")                              \
                              .HostMemory("m")                                \
                              .HostMemory("v"),                               \
                          GpuAdamOp<T>)

TS_REGISTER_APPLY(float);
TS_REGISTER_APPLY(double);
TS_REGISTER_ASSIGN_UPDATE("AssignAddVariableOp", int64_t);
TS_REGISTER_ASSIGN_UPDATE("AssignSubVariableOp", int64_t);

}  // namespace
}  // namespace gpu
}  // namespace tessera
