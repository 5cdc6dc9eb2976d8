// CPU kernels for variables (VarHandleOp, ReadVariableOp and Assign are in
// variable_ops.h, shared with the GPU registrations). State lives in the session's ResourceMgr as a
// Var (core/resource_var.h); ref-typed values (VariableV2) travel as resource
// handles and the executor reads the variable where a value is wanted.
// Writers replace the variable's tensor, or update it in place when no reader
// holds it (copy-on-write), all under the variable's mutex.
#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "core/resource_var.h"
#include "kernels/variable_ops.h"

namespace tessera {
namespace {

template <typename T>
void Combine(bool subtract, const T* a, const T* b, T* out, int64_t n) {
  if (subtract) {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
  }
}

// AssignAdd / AssignSub (ref and resource forms). Atomic per variable, so
// concurrent updates are never lost.
class AssignUpdateOp : public OpKernel {
 public:
  explicit AssignUpdateOp(OpKernelConstruction* c)
      : OpKernel(c),
        subtract_(c->def().op() == "AssignSub" ||
                  c->def().op() == "AssignSubVariableOp") {}

  void Compute(OpKernelContext* ctx) override {
    const ResourceHandle& h = ctx->input(0).scalar<ResourceHandle>();
    const Tensor& delta = ctx->input(1);
    auto var = LookupVar(ctx->resource_manager(), h);
    OP_REQUIRES_OK(ctx, var.status());
    absl::MutexLock lock((*var)->mu());
    Tensor* current = (*var)->tensor();
    OP_REQUIRES(ctx, (*var)->is_initialized(),
                absl::FailedPreconditionError(absl::StrCat(
                    "Attempting to use uninitialized value ", h.name,
                    ": run its initializer first")));
    OP_REQUIRES(ctx, current->dtype() == delta.dtype() &&
                         current->shape() == delta.shape(),
                absl::InvalidArgumentError(absl::StrCat(
                    "cannot update variable ", h.name, " (",
                    DataTypeString(current->dtype()), " ",
                    current->shape().DebugString(), ") with a ",
                    DataTypeString(delta.dtype()), " ",
                    delta.shape().DebugString(), " value")));
    const DataType dt = delta.dtype();
    OP_REQUIRES(ctx, dt == DT_FLOAT || dt == DT_DOUBLE || DataTypeIsInteger(dt),
                absl::UnimplementedError(absl::StrCat(
                    type_string(), " is not supported for ", DataTypeString(dt))));
    // In place when only the variable holds the buffer; else a new buffer.
    Tensor out = *current;
    if (current->BufferRefCount() > 2) {  // `out` itself is the second
      auto fresh = Tensor::Allocate(ctx->device()->allocator(), delta.dtype(),
                                    delta.shape());
      OP_REQUIRES_OK(ctx, fresh.status());
      out = *std::move(fresh);
    }
    VisitDataType(delta.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
        Combine<T>(subtract_, current->data<T>(), delta.data<T>(),
                   out.data<T>(), delta.NumElements());
      }
    });
    *current = std::move(out);
    if (num_outputs() > 0) ctx->set_output(0, ctx->input(0));
  }

 private:
  const bool subtract_;
};

class IsInitializedOp : public OpKernel {
 public:
  explicit IsInitializedOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const ResourceHandle& h = ctx->input(0).scalar<ResourceHandle>();
    bool initialized = false;
    if (ctx->resource_manager() != nullptr) {
      auto var = ctx->resource_manager()->Lookup<Var>(ContainerOf(h), h.name);
      if (var.ok()) {
        absl::MutexLock lock((*var)->mu());
        initialized = (*var)->is_initialized();
      }
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape(), &out));
    out->scalar<bool>() = initialized;
  }
};

class DestroyResourceOp : public OpKernel {
 public:
  explicit DestroyResourceOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("ignore_lookup_error", &ignore_missing_));
  }
  void Compute(OpKernelContext* ctx) override {
    const ResourceHandle& h = ctx->input(0).scalar<ResourceHandle>();
    absl::Status s = ctx->resource_manager()->Delete<Var>(ContainerOf(h), h.name);
    if (!s.ok() && !ignore_missing_) ctx->SetStatus(s);
  }

 private:
  bool ignore_missing_ = true;
};

// Where: coordinates of the non-zero elements, row-major order.
class WhereOp : public OpKernel {
 public:
  explicit WhereOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    std::vector<int64_t> hits;
    VisitDataType(in.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_arithmetic_v<T>) {
        const T* v = in.data<T>();
        for (int64_t i = 0; i < in.NumElements(); ++i) {
          if (v[i] != T(0)) hits.push_back(i);
        }
      }
    });
    const int rank = in.dims();
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(
                            0, TensorShape({static_cast<int64_t>(hits.size()), rank}),
                            &out));
    int64_t* o = out->data<int64_t>();
    for (int64_t flat : hits) {
      for (int d = rank - 1; d >= 0; --d) {
        o[d] = flat % in.dim_size(d);
        flat /= in.dim_size(d);
      }
      o += rank;
    }
  }
};

// ResourceScatterAdd: row indices[i] += updates[i], under the variable's
// mutex (copy-on-write if a reader holds the buffer).
template <typename T>
class ScatterAddOp : public OpKernel {
 public:
  explicit ScatterAddOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const ResourceHandle& h = ctx->input(0).scalar<ResourceHandle>();
    const Tensor& indices = ctx->input(1);
    const Tensor& updates = ctx->input(2);
    auto var = LookupVar(ctx->resource_manager(), h);
    OP_REQUIRES_OK(ctx, var.status());
    absl::MutexLock lock((*var)->mu());
    Tensor* current = (*var)->tensor();
    OP_REQUIRES(ctx, (*var)->is_initialized() && current->dims() >= 1,
                absl::FailedPreconditionError(absl::StrCat(
                    "ResourceScatterAdd needs the initialized variable ",
                    h.name, " to have rank >= 1")));
    const int64_t rows = current->dim_size(0);
    const int64_t row = rows == 0 ? 0 : current->NumElements() / rows;
    OP_REQUIRES(ctx, updates.NumElements() == indices.NumElements() * row,
                absl::InvalidArgumentError(absl::StrCat(
                    "updates of shape ", updates.shape().DebugString(),
                    " do not match ", indices.NumElements(),
                    " indices into variable ", h.name, " of shape ",
                    current->shape().DebugString())));
    const std::vector<int64_t> idx = IndexValues(indices);
    for (size_t i = 0; i < idx.size(); ++i) {
      OP_REQUIRES(ctx, idx[i] >= 0 && idx[i] < rows,
                  absl::InvalidArgumentError(absl::StrCat(
                      "indices[", i, "] = ", idx[i], " is not in [0, ", rows,
                      ") for variable ", h.name)));
    }
    if (current->BufferRefCount() > 1) *current = current->DeepCopy();
    T* dst = current->data<T>();
    const T* src = updates.data<T>();
    for (size_t i = 0; i < idx.size(); ++i) {
      T* r = dst + idx[i] * row;
      for (int64_t k = 0; k < row; ++k) r[k] += src[i * row + k];
    }
  }
};

REGISTER_KERNEL_BUILDER(
    Name("ResourceScatterAdd").Device(kDeviceCpu).TypeConstraint<float>("dtype"),
    ScatterAddOp<float>);
REGISTER_KERNEL_BUILDER(
    Name("ResourceScatterAdd").Device(kDeviceCpu).TypeConstraint<double>("dtype"),
    ScatterAddOp<double>);
REGISTER_KERNEL_BUILDER(Name("VarHandleOp").Device(kDeviceCpu), VarHandleOp);
REGISTER_KERNEL_BUILDER(Name("VariableV2").Device(kDeviceCpu), VarHandleOp);
REGISTER_KERNEL_BUILDER(Name("Variable").Device(kDeviceCpu), VarHandleOp);
REGISTER_KERNEL_BUILDER(Name("ReadVariableOp").Device(kDeviceCpu), ReadVariableOp);
REGISTER_KERNEL_BUILDER(Name("AssignVariableOp").Device(kDeviceCpu), AssignOp);
REGISTER_KERNEL_BUILDER(Name("Assign").Device(kDeviceCpu), AssignOp);
REGISTER_KERNEL_BUILDER(Name("AssignAddVariableOp").Device(kDeviceCpu), AssignUpdateOp);
REGISTER_KERNEL_BUILDER(Name("AssignSubVariableOp").Device(kDeviceCpu), AssignUpdateOp);
REGISTER_KERNEL_BUILDER(Name("AssignAdd").Device(kDeviceCpu), AssignUpdateOp);
REGISTER_KERNEL_BUILDER(Name("AssignSub").Device(kDeviceCpu), AssignUpdateOp);
REGISTER_KERNEL_BUILDER(Name("VarIsInitializedOp").Device(kDeviceCpu), IsInitializedOp);
REGISTER_KERNEL_BUILDER(Name("IsVariableInitialized").Device(kDeviceCpu), IsInitializedOp);
REGISTER_KERNEL_BUILDER(Name("DestroyResourceOp").Device(kDeviceCpu), DestroyResourceOp);
REGISTER_KERNEL_BUILDER(Name("Where").Device(kDeviceCpu), WhereOp);

}  // namespace
}  // namespace tessera
