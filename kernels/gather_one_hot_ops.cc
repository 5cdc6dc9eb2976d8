// CPU kernels for GatherV2 (with batch_dims) and OneHot, for every dtype.
// Gather views params as [batch, outer, axis_dim, inner] and indices as
// [batch, n]; each (batch, outer, index) copies one run of `inner` elements.
// Out-of-range indices are errors that name the position, as in TF on CPU.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "kernels/kernel_util.h"

namespace tessera {
namespace {

// "[1,2]": the multi-index of flat position `flat` in `shape`.
std::string IndexString(int64_t flat, const TensorShape& shape) {
  std::vector<int64_t> idx(shape.dims());
  for (int k = shape.dims() - 1; k >= 0; --k) {
    idx[k] = flat % shape.dim_size(k);
    flat /= shape.dim_size(k);
  }
  std::string s = "[";
  for (size_t k = 0; k < idx.size(); ++k) {
    absl::StrAppend(&s, k ? "," : "", idx[k]);
  }
  return s + "]";
}

class GatherOp : public OpKernel {
 public:
  explicit GatherOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("batch_dims", &batch_dims_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& params = ctx->input(0);
    const Tensor& indices = ctx->input(1);
    const Tensor& axis_t = ctx->input(2);
    OP_REQUIRES(ctx, axis_t.dims() == 0,
                absl::InvalidArgumentError(absl::StrCat(
                    "axis must be a scalar, got shape ",
                    axis_t.shape().DebugString())));
    int64_t batch_dims = batch_dims_;
    if (batch_dims < 0) batch_dims += indices.dims();
    int64_t axis = IndexValues(axis_t)[0];
    if (axis < 0) axis += params.dims();
    OP_REQUIRES(ctx, axis >= 0 && axis < params.dims(),
                absl::InvalidArgumentError(absl::StrCat(
                    "Expected axis in the range [", -params.dims(), ", ",
                    params.dims(), "), but got ", IndexValues(axis_t)[0])));
    OP_REQUIRES(ctx, batch_dims >= 0 && batch_dims <= axis &&
                         batch_dims <= indices.dims(),
                absl::InvalidArgumentError(absl::StrCat(
                    "batch_dims = ", batch_dims_, " must be in [0, min(axis ",
                    axis, ", rank(indices) ", indices.dims(), ")]")));
    TensorShape shape;
    for (int k = 0; k < batch_dims; ++k) {
      OP_REQUIRES(ctx, params.dim_size(k) == indices.dim_size(k),
                  absl::InvalidArgumentError(absl::StrCat(
                      "params.shape[", k, "] = ", params.dim_size(k),
                      " must equal indices.shape[", k,
                      "] = ", indices.dim_size(k), " (batch_dims = ",
                      batch_dims_, ")")));
    }
    for (int k = 0; k < axis; ++k) shape.AddDim(params.dim_size(k));
    for (int k = batch_dims; k < indices.dims(); ++k) {
      shape.AddDim(indices.dim_size(k));
    }
    for (int k = axis + 1; k < params.dims(); ++k) {
      shape.AddDim(params.dim_size(k));
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, shape, &out));
    if (out->NumElements() == 0) return;
    const Dims d{DimProduct(params.shape(), 0, batch_dims),
                 DimProduct(params.shape(), batch_dims, axis),
                 params.dim_size(axis),
                 DimProduct(params.shape(), axis + 1, params.dims()),
                 DimProduct(indices.shape(), batch_dims, indices.dims())};
    const std::vector<int64_t> idx = IndexValues(indices);
    for (size_t i = 0; i < idx.size(); ++i) {
      OP_REQUIRES(ctx, idx[i] >= 0 && idx[i] < d.axis,
                  absl::InvalidArgumentError(absl::StrCat(
                      "indices", IndexString(i, indices.shape()), " = ",
                      idx[i], " is not in [0, ", d.axis, ")")));
    }
    const bool ok = VisitStorageType(params.dtype(), [&](auto tag) {
      using S = decltype(tag);
      Copy<S>(ctx, d, params.data<S>(), idx, out->data<S>());
    });
    OP_REQUIRES(ctx, ok, absl::UnimplementedError(absl::StrCat(
                             "GatherV2 does not support ",
                             DataTypeString(params.dtype()))));
  }

 private:
  struct Dims {
    int64_t batch, outer, axis, inner, n;
  };

  template <typename S>
  static void Copy(OpKernelContext* ctx, const Dims& d, const S* src,
                   const std::vector<int64_t>& idx, S* dst) {
    RunParallel(ctx, d.batch * d.outer * d.n, d.inner,
                [&](int64_t b, int64_t e) {
                  for (int64_t r = b; r < e; ++r) {
                    const int64_t j = r % d.n, bo = r / d.n;
                    const int64_t batch = bo / d.outer;
                    const S* from =
                        src + (bo * d.axis + idx[batch * d.n + j]) * d.inner;
                    std::copy_n(from, d.inner, dst + r * d.inner);
                  }
                });
  }

  int64_t batch_dims_ = 0;
};

class OneHotOp : public OpKernel {
 public:
  explicit OneHotOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("axis", &axis_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& indices = ctx->input(0);
    const Tensor& depth_t = ctx->input(1);
    const Tensor& on = ctx->input(2);
    const Tensor& off = ctx->input(3);
    auto layout = MakeOneHotLayout(indices, depth_t, on, off, axis_);
    OP_REQUIRES_OK(ctx, layout.status());
    const int64_t prefix = layout->prefix, depth = layout->depth,
                  suffix = layout->suffix;
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, layout->out_shape, &out));
    if (out->NumElements() == 0) return;
    const std::vector<int64_t> idx =
        indices.dtype() == DT_UINT8 ? Widen(indices) : IndexValues(indices);
    const bool ok = VisitStorageType(on.dtype(), [&](auto tag) {
      using S = decltype(tag);
      const S on_v = on.scalar<S>(), off_v = off.scalar<S>();
      S* dst = out->data<S>();
      RunParallel(ctx, prefix, depth * suffix, [&](int64_t b, int64_t e) {
        std::fill(dst + b * depth * suffix, dst + e * depth * suffix, off_v);
        for (int64_t p = b; p < e; ++p) {
          for (int64_t s = 0; s < suffix; ++s) {
            const int64_t k = idx[p * suffix + s];
            if (k >= 0 && k < depth) dst[(p * depth + k) * suffix + s] = on_v;
          }
        }
      });
    });
    OP_REQUIRES(ctx, ok, absl::UnimplementedError(absl::StrCat(
                             "OneHot does not support ",
                             DataTypeString(on.dtype()))));
  }

 private:
  static std::vector<int64_t> Widen(const Tensor& t) {
    const uint8_t* p = t.data<uint8_t>();
    return std::vector<int64_t>(p, p + t.NumElements());
  }

  int64_t axis_ = -1;
};

REGISTER_KERNEL_BUILDER(Name("GatherV2").Device(kDeviceCpu), GatherOp);
REGISTER_KERNEL_BUILDER(Name("OneHot").Device(kDeviceCpu), OneHotOp);

}  // namespace
}  // namespace tessera
