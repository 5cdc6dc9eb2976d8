// CPU kernels for ConcatV2, Pack, Split, SplitV and Unpack, for every dtype.
// Each views its tensors as [outer, axis * inner] matrices: joining copies
// every input's rows into its column band of the output, splitting copies
// the bands back out. Pack and Unpack are the same with bands of width
// `inner` (a new or removed axis of size 1 per tensor).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/axis.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "kernels/kernel_util.h"

namespace tessera {
namespace {

// Copies `bands[i]` (outer x widths[i]) into `out` (outer x sum(widths)),
// or, when `split`, the other way round.
template <typename S>
void CopyBands(OpKernelContext* ctx, int64_t outer,
               const std::vector<int64_t>& widths, std::vector<S*> bands,
               S* whole, bool split) {
  int64_t total = 0;
  for (int64_t w : widths) total += w;
  if (outer == 0 || total == 0) return;
  RunParallel(ctx, outer, total, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      S* row = whole + o * total;
      for (size_t i = 0; i < widths.size(); ++i) {
        S* band = bands[i] + o * widths[i];
        if (split) {
          std::copy_n(row, widths[i], band);
        } else {
          std::copy_n(band, widths[i], row);
        }
        row += widths[i];
      }
    }
  });
}

absl::Status Unsupported(const OpKernel& k, DataType dt) {
  return absl::UnimplementedError(absl::StrCat(
      k.type_string(), " does not support ", DataTypeString(dt)));
}

// Joins N inputs into one (ConcatV2 and Pack).
class JoinOp : public OpKernel {
 public:
  explicit JoinOp(OpKernelConstruction* c)
      : OpKernel(c), pack_(type_string() == "Pack") {
    if (pack_) OP_REQUIRES_OK(c, c->GetAttr("axis", &pack_axis_));
  }

  void Compute(OpKernelContext* ctx) override {
    const int n = pack_ ? ctx->num_inputs() : ctx->num_inputs() - 1;
    const Tensor& first = ctx->input(0);
    int64_t axis_value = pack_axis_;
    if (!pack_) {
      const Tensor& axis_t = ctx->input(n);
      OP_REQUIRES(ctx, axis_t.dims() == 0,
                  absl::InvalidArgumentError(absl::StrCat(
                      "ConcatV2 axis must be a scalar, got shape ",
                      axis_t.shape().DebugString())));
      axis_value = IndexValues(axis_t)[0];
      OP_REQUIRES(ctx, first.dims() > 0,
                  absl::InvalidArgumentError(
                      "ConcatOp : Can't concatenate scalars (use tf.stack "
                      "instead)"));
    }
    const int out_rank = pack_ ? first.dims() + 1 : first.dims();
    auto axis = CanonicalAxis(axis_value, out_rank,
                              pack_ ? "axis" : "concat axis");
    OP_REQUIRES_OK(ctx, axis.status());
    TensorShape out_shape = first.shape();
    if (pack_) out_shape.InsertDim(*axis, n);
    std::vector<int64_t> widths(n);
    const int64_t inner = DimProduct(first.shape(), pack_ ? *axis : *axis + 1,
                                  first.dims());
    int64_t axis_total = 0;
    for (int i = 0; i < n; ++i) {
      const Tensor& t = ctx->input(i);
      OP_REQUIRES_OK(ctx, CheckCompatible(first.shape(), t.shape(), i, *axis));
      const int64_t d = pack_ ? 1 : t.dim_size(*axis);
      widths[i] = d * inner;
      axis_total += d;
    }
    out_shape.set_dim(*axis, axis_total);
    if (n == 1) {
      auto same = first.Reshaped(out_shape);
      OP_REQUIRES_OK(ctx, same.status());
      ctx->set_output(0, *same);
      return;
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const int64_t outer = DimProduct(out_shape, 0, *axis);
    const bool ok = VisitStorageType(first.dtype(), [&](auto tag) {
      using S = decltype(tag);
      std::vector<S*> bands(n);
      for (int i = 0; i < n; ++i) bands[i] = ctx->input(i).template data<S>();
      CopyBands<S>(ctx, outer, widths, bands, out->data<S>(), false);
    });
    OP_REQUIRES(ctx, ok, Unsupported(*this, first.dtype()));
  }

 private:
  absl::Status CheckCompatible(const TensorShape& a, const TensorShape& b,
                               int i, int axis) const {
    bool same_rank = a.dims() == b.dims();
    for (int d = 0; same_rank && d < a.dims(); ++d) {
      if ((pack_ || d != axis) && a.dim_size(d) != b.dim_size(d)) {
        same_rank = false;
      }
    }
    if (same_rank) return absl::OkStatus();
    if (pack_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shapes of all inputs must match: values[0].shape = ",
          a.DebugString(), " != values[", i, "].shape = ", b.DebugString()));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "ConcatOp : Dimensions of inputs should match except on the concat "
        "axis ",
        axis, ": shape[0] = ", a.DebugString(), " vs. shape[", i,
        "] = ", b.DebugString()));
  }

  const bool pack_;
  int64_t pack_axis_ = 0;
};

// Splits one input into num outputs (Split, SplitV and Unpack).
class SplitOp : public OpKernel {
 public:
  explicit SplitOp(OpKernelConstruction* c) : OpKernel(c) {
    if (type_string() == "Unpack") {
      OP_REQUIRES_OK(c, c->GetAttr("axis", &unpack_axis_));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    const bool unpack = type_string() == "Unpack";
    const bool split_v = type_string() == "SplitV";
    const Tensor& value = ctx->input(split_v || unpack ? 0 : 1);
    int64_t axis_value = unpack_axis_;
    if (!unpack) {
      const Tensor& axis_t = ctx->input(split_v ? 2 : 0);
      OP_REQUIRES(ctx, axis_t.dims() == 0,
                  absl::InvalidArgumentError(absl::StrCat(
                      "split_dim must be a scalar, got shape ",
                      axis_t.shape().DebugString())));
      axis_value = IndexValues(axis_t)[0];
    }
    auto axis = CanonicalAxis(axis_value, value.dims(),
                              unpack ? "axis" : "split_dim");
    OP_REQUIRES_OK(ctx, axis.status());
    const int num = num_outputs();
    const int64_t dim = value.dim_size(*axis);
    std::vector<int64_t> sizes;
    OP_REQUIRES_OK(ctx, unpack   ? UnpackSizes(dim, num, &sizes)
                        : split_v ? SplitVSizes(ctx->input(1), dim, num,
                                                &sizes)
                                  : SplitSizes(dim, num, &sizes));
    const int64_t inner =
        DimProduct(value.shape(), *axis + 1, value.dims());
    std::vector<int64_t> widths(num);
    std::vector<Tensor*> outs(num);
    for (int i = 0; i < num; ++i) {
      TensorShape shape = value.shape();
      if (unpack) {
        shape.RemoveDim(*axis);
      } else {
        shape.set_dim(*axis, sizes[i]);
      }
      if (num == 1) {
        auto same = value.Reshaped(shape);
        OP_REQUIRES_OK(ctx, same.status());
        ctx->set_output(0, *same);
        return;
      }
      OP_REQUIRES_OK(ctx, ctx->allocate_output(i, shape, &outs[i]));
      widths[i] = sizes[i] * inner;
    }
    const int64_t outer = DimProduct(value.shape(), 0, *axis);
    const bool ok = VisitStorageType(value.dtype(), [&](auto tag) {
      using S = decltype(tag);
      std::vector<S*> bands(num);
      for (int i = 0; i < num; ++i) bands[i] = outs[i]->template data<S>();
      CopyBands<S>(ctx, outer, widths, bands, value.data<S>(), true);
    });
    OP_REQUIRES(ctx, ok, Unsupported(*this, value.dtype()));
  }

 private:
  static absl::Status UnpackSizes(int64_t dim, int num,
                                  std::vector<int64_t>* sizes) {
    if (dim != num) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Input to Unpack has ", dim, " entries along the axis; expected ",
          "num = ", num));
    }
    sizes->assign(num, 1);
    return absl::OkStatus();
  }

  static absl::Status SplitSizes(int64_t dim, int num,
                                 std::vector<int64_t>* sizes) {
    if (dim % num != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Number of ways to split should evenly divide the split dimension, "
          "but got split_dim size ",
          dim, " and num_split ", num));
    }
    sizes->assign(num, dim / num);
    return absl::OkStatus();
  }

  // Resolves one -1 entry; checks the sizes sum to the dim.
  static absl::Status SplitVSizes(const Tensor& size_splits, int64_t dim,
                                  int num, std::vector<int64_t>* sizes) {
    if (size_splits.dims() != 1 || size_splits.NumElements() != num) {
      return absl::InvalidArgumentError(absl::StrCat(
          "size_splits must be a vector of num_split = ", num,
          " elements, got shape ", size_splits.shape().DebugString()));
    }
    *sizes = IndexValues(size_splits);
    int64_t known = 0;
    int unknown = -1;
    for (int i = 0; i < num; ++i) {
      const int64_t s = (*sizes)[i];
      if (s == -1 && unknown < 0) {
        unknown = i;
      } else if (s < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "size_splits[", i, "] = ", s,
            " is invalid: sizes must be >= 0, with at most one -1"));
      } else {
        known += s;
      }
    }
    if (unknown >= 0 && known <= dim) (*sizes)[unknown] = dim - known;
    if ((unknown < 0 && known != dim) || known > dim) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Determined shape must either match input shape along split_dim "
          "exactly if fully specified, or be less than the size of the input "
          "along split_dim if not fully specified. Got: ",
          known, " for a split_dim of size ", dim));
    }
    return absl::OkStatus();
  }

  int64_t unpack_axis_ = 0;
};

REGISTER_KERNEL_BUILDER(Name("ConcatV2").Device(kDeviceCpu), JoinOp);
REGISTER_KERNEL_BUILDER(Name("Pack").Device(kDeviceCpu), JoinOp);
REGISTER_KERNEL_BUILDER(Name("Split").Device(kDeviceCpu), SplitOp);
REGISTER_KERNEL_BUILDER(Name("SplitV").Device(kDeviceCpu), SplitOp);
REGISTER_KERNEL_BUILDER(Name("Unpack").Device(kDeviceCpu), SplitOp);

}  // namespace
}  // namespace tessera
