// Variable kernels that never touch element values: VarHandleOp (and the
// TF1 VariableV2/Variable), ReadVariableOp and Assign/AssignVariableOp
// share tensors and handles only, so the same classes serve the CPU and
// GPU registrations (the GPU ones keep the handle in host memory).
#ifndef TESSERA_KERNELS_VARIABLE_OPS_H_
#define TESSERA_KERNELS_VARIABLE_OPS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/op_kernel.h"
#include "core/resource_var.h"

namespace tessera {

// Makes the handle a VarHandleOp / VariableV2 node stands for.
inline ResourceHandle HandleFromAttrs(OpKernelConstruction* c) {
  ResourceHandle h;
  std::string shared_name, container;
  c->GetAttr("shared_name", &shared_name).IgnoreError();
  c->GetAttr("container", &container).IgnoreError();
  h.container = container.empty() ? kDefaultContainer : container;
  h.name = shared_name.empty() ? c->def().name() : shared_name;
  h.device = c->device()->name();
  h.type_name = "Var";
  return h;
}

inline absl::StatusOr<std::shared_ptr<Var>> LookupOrCreateVar(
    OpKernelContext* ctx, const ResourceHandle& h, DataType dtype) {
  if (ctx->resource_manager() == nullptr) {
    return absl::FailedPreconditionError("variables need a Session");
  }
  auto var = ctx->resource_manager()->LookupOrCreate<Var>(
      ContainerOf(h), h.name, [dtype]() -> absl::StatusOr<std::shared_ptr<Var>> {
        return std::make_shared<Var>(dtype);
      });
  if (var.ok() && (*var)->dtype() != dtype) {
    return absl::InvalidArgumentError(absl::StrCat(
        "variable ", h.name, " holds ", DataTypeString((*var)->dtype()),
        " but this op uses it as ", DataTypeString(dtype)));
  }
  return var;
}

// Creates the handle tensor once; outputs share it.
class VarHandleOp : public OpKernel {
 public:
  explicit VarHandleOp(OpKernelConstruction* c) : OpKernel(c) {
    handle_ = Tensor(DT_RESOURCE, TensorShape());
    handle_.scalar<ResourceHandle>() = HandleFromAttrs(c);
    OP_REQUIRES_OK(c, c->GetAttr("dtype", &dtype_));
  }
  void Compute(OpKernelContext* ctx) override {
    if (is_ref()) {  // TF1 variables exist from the first use on
      OP_REQUIRES_OK(ctx, LookupOrCreateVar(ctx, handle_.scalar<ResourceHandle>(),
                                            dtype_).status());
    }
    ctx->set_output(0, handle_);
  }

 private:
  bool is_ref() const {
    return type_string() == "VariableV2" || type_string() == "Variable";
  }
  Tensor handle_;
  DataType dtype_;
};

class ReadVariableOp : public OpKernel {
 public:
  explicit ReadVariableOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("dtype", &dtype_));
  }
  void Compute(OpKernelContext* ctx) override {
    const ResourceHandle& h = ctx->input(0).scalar<ResourceHandle>();
    auto value = ReadVar(ctx->resource_manager(), h);
    OP_REQUIRES_OK(ctx, value.status());
    OP_REQUIRES(ctx, value->dtype() == dtype_,
                absl::InvalidArgumentError(absl::StrCat(
                    "variable ", h.name, " holds ",
                    DataTypeString(value->dtype()), ", read as ",
                    DataTypeString(dtype_))));
    ctx->set_output(0, *std::move(value));
  }

 private:
  DataType dtype_;
};

// Assign / AssignVariableOp: the variable takes the value (shared, not
// copied: nobody mutates a buffer that someone else can see).
class AssignOp : public OpKernel {
 public:
  explicit AssignOp(OpKernelConstruction* c) : OpKernel(c) {
    if (c->def().attr().contains("validate_shape")) {
      OP_REQUIRES_OK(c, c->GetAttr("validate_shape", &validate_shape_));
    }
  }
  void Compute(OpKernelContext* ctx) override {
    const ResourceHandle& h = ctx->input(0).scalar<ResourceHandle>();
    const Tensor& value = ctx->input(1);
    auto var = LookupOrCreateVar(ctx, h, value.dtype());
    OP_REQUIRES_OK(ctx, var.status());
    {
      absl::MutexLock lock((*var)->mu());
      Tensor* current = (*var)->tensor();
      OP_REQUIRES(ctx,
                  !validate_shape_ || !(*var)->is_initialized() ||
                      current->shape() == value.shape(),
                  absl::InvalidArgumentError(absl::StrCat(
                      "cannot assign a value of shape ",
                      value.shape().DebugString(), " to variable ", h.name,
                      " of shape ", current->shape().DebugString())));
      *current = value;
      (*var)->set_initialized(true);
    }
    if (num_outputs() > 0) ctx->set_output(0, ctx->input(0));
  }

 private:
  bool validate_shape_ = false;
};

}  // namespace tessera

#endif  // TESSERA_KERNELS_VARIABLE_OPS_H_
