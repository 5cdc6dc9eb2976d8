// Reshape, ExpandDims and Squeeze: views that share the input buffer and
// read only shapes, so the same classes serve CPU and GPU registrations
// (the GPU ones declare the shape/dim inputs HostMemory).
#ifndef TESSERA_KERNELS_SHAPE_OPS_H_
#define TESSERA_KERNELS_SHAPE_OPS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/op_kernel.h"
#include "core/tensor.h"

namespace tessera {

// Resolves Reshape's requested sizes (at most one -1) against `in`.
absl::Status ResolveReshape(const TensorShape& in,
                            const std::vector<int64_t>& sizes,
                            TensorShape* out);

class ReshapeOp : public OpKernel {
 public:
  explicit ReshapeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& sizes = ctx->input(1);
    OP_REQUIRES(ctx, sizes.dims() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "shape must be a vector, got a tensor of shape ",
                    sizes.shape().DebugString())));
    TensorShape shape;
    OP_REQUIRES_OK(ctx, ResolveReshape(input.shape(), IndexValues(sizes),
                                       &shape));
    ctx->set_output(0, *input.Reshaped(shape));
  }
};

class ExpandDimsOp : public OpKernel {
 public:
  explicit ExpandDimsOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& dim_t = ctx->input(1);
    OP_REQUIRES(ctx, dim_t.NumElements() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "'dim' must be a tensor with a single value, got shape ",
                    dim_t.shape().DebugString())));
    const int rank = input.dims();
    int64_t dim = IndexValues(dim_t)[0];
    OP_REQUIRES(ctx, dim >= -1 - rank && dim <= rank,
                absl::InvalidArgumentError(absl::StrCat(
                    "Tried to expand dim index ", dim, " for tensor of shape ",
                    input.shape().DebugString(), "; must be in [", -1 - rank,
                    ", ", rank, "]")));
    if (dim < 0) dim += rank + 1;
    TensorShape shape = input.shape();
    shape.InsertDim(static_cast<int>(dim), 1);
    ctx->set_output(0, *input.Reshaped(shape));
  }
};

class SqueezeOp : public OpKernel {
 public:
  explicit SqueezeOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("squeeze_dims", &axes_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const int rank = input.dims();
    std::vector<bool> drop(rank, false);
    for (int64_t a : axes_) {
      OP_REQUIRES(ctx, a >= -rank && a < rank,
                  absl::InvalidArgumentError(absl::StrCat(
                      "Tried to squeeze dim index ", a, " for tensor of shape ",
                      input.shape().DebugString(), "; must be in [", -rank,
                      ", ", rank, ")")));
      const int d = static_cast<int>(a < 0 ? a + rank : a);
      OP_REQUIRES(ctx, input.dim_size(d) == 1,
                  absl::InvalidArgumentError(absl::StrCat(
                      "Can not squeeze dim[", d,
                      "], expected a dimension of 1, got ", input.dim_size(d),
                      " (input shape ", input.shape().DebugString(), ")")));
      drop[d] = true;
    }
    TensorShape shape;
    for (int i = 0; i < rank; ++i) {
      const bool squeeze = axes_.empty() ? input.dim_size(i) == 1 : drop[i];
      if (!squeeze) shape.AddDim(input.dim_size(i));
    }
    ctx->set_output(0, *input.Reshaped(shape));
  }

 private:
  std::vector<int64_t> axes_;
};

}  // namespace tessera

#endif  // TESSERA_KERNELS_SHAPE_OPS_H_
