// CPU kernels for Reshape, ExpandDims, Squeeze (views sharing the input
// buffer; the classes are in shape_ops.h, shared with the GPU
// registrations) and Shape, Size, Rank (metadata). None reads the element
// values, so one registration covers every dtype.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "kernels/shape_ops.h"

namespace tessera {

// Resolves Reshape's requested sizes (at most one -1) against `in`.
absl::Status ResolveReshape(const TensorShape& in,
                            const std::vector<int64_t>& sizes,
                            TensorShape* out) {
  // When `sizes` holds a 0, zero-sized dims are left out of both products
  // so that the -1 still resolves: [0,5] -> [0,-1] gives [0,5].
  const bool sizes_have_zero =
      std::find(sizes.begin(), sizes.end(), 0) != sizes.end();
  int64_t product = 1;
  int unknown = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const int64_t d = sizes[i];
    if (d == -1) {
      if (unknown >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("Only one input size may be -1, not both ", unknown,
                         " and ", i, " in shape [", absl::StrJoin(sizes, ","),
                         "]"));
      }
      unknown = static_cast<int>(i);
    } else if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Size ", i, " must be non-negative, not ", d, " in shape [",
          absl::StrJoin(sizes, ","), "]"));
    } else if (d > 0 && __builtin_mul_overflow(product, d, &product)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shape [", absl::StrJoin(sizes, ","), "] has too many elements"));
    }
  }
  std::vector<int64_t> dims = sizes;
  if (unknown >= 0) {
    int64_t in_count = 1;
    for (int64_t d : in.dim_sizes()) {
      if (d != 0 || !sizes_have_zero) in_count *= d;
    }
    dims[unknown] = in_count / product;
    if (in.num_elements() != 0 && in_count % product != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Input to reshape is a tensor with ", in.num_elements(),
          " values, but the requested shape [", absl::StrJoin(sizes, ","),
          "] requires a multiple of ", product));
    }
  }
  *out = TensorShape(dims);
  if (out->num_elements() != in.num_elements()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Input to reshape is a tensor with ", in.num_elements(),
        " values, but the requested shape ", out->DebugString(), " has ",
        out->num_elements()));
  }
  return absl::OkStatus();
}

namespace {


// Writes `value` into output 0, a scalar or vector of the node's out_type
// (int32 or int64), failing if int32 cannot hold it.
absl::Status WriteIndex(OpKernelContext* ctx, Tensor* out, int64_t i,
                        int64_t value) {
  if (out->dtype() == DT_INT32) {
    if (value > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "value ", value, " of node '", ctx->op_kernel().name(),
          "' does not fit out_type int32; use out_type int64"));
    }
    out->data<int32_t>()[i] = static_cast<int32_t>(value);
  } else {
    out->data<int64_t>()[i] = value;
  }
  return absl::OkStatus();
}

class ShapeOp : public OpKernel {
 public:
  explicit ShapeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const TensorShape& shape = ctx->input(0).shape();
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({shape.dims()}),
                                             &out));
    for (int i = 0; i < shape.dims(); ++i) {
      OP_REQUIRES_OK(ctx, WriteIndex(ctx, out, i, shape.dim_size(i)));
    }
  }
};

class SizeOp : public OpKernel {
 public:
  explicit SizeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape(), &out));
    OP_REQUIRES_OK(ctx, WriteIndex(ctx, out, 0, ctx->input(0).NumElements()));
  }
};

class RankOp : public OpKernel {
 public:
  explicit RankOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape(), &out));
    out->scalar<int32_t>() = ctx->input(0).dims();
  }
};

REGISTER_KERNEL_BUILDER(Name("Reshape").Device(kDeviceCpu), ReshapeOp);
REGISTER_KERNEL_BUILDER(Name("ExpandDims").Device(kDeviceCpu), ExpandDimsOp);
REGISTER_KERNEL_BUILDER(Name("Squeeze").Device(kDeviceCpu), SqueezeOp);
REGISTER_KERNEL_BUILDER(Name("Shape").Device(kDeviceCpu), ShapeOp);
REGISTER_KERNEL_BUILDER(Name("Size").Device(kDeviceCpu), SizeOp);
REGISTER_KERNEL_BUILDER(Name("Rank").Device(kDeviceCpu), RankOp);

}  // namespace
}  // namespace tessera
