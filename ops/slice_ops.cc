// ConcatV2, Split, SplitV, Slice, StridedSlice, Pack, Unpack, GatherV2 and
// OneHot: declarations (TensorFlow's names and attrs), shape functions and
// builders. The StridedSlice arithmetic lives in core/strided_slice.h.
#include "ops/slice_ops.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/axis.h"
#include "core/op_registry.h"
#include "core/status.h"

namespace tessera {
namespace {

// The values of a scalar or 1-D int32/int64 tensor.
absl::StatusOr<std::vector<int64_t>> CheckedIndexValues(
    const Tensor& t, absl::string_view what) {
  if (t.dims() > 1 || (t.dtype() != DT_INT32 && t.dtype() != DT_INT64)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a scalar or 1-D int32/int64 tensor, got ",
                     t.DebugString()));
  }
  return IndexValues(t);
}

// Checks that input `i` is a scalar; sets `value` when it is a constant.
absl::Status ScalarInput(InferenceContext* c, int i, absl::string_view what,
                         std::optional<int64_t>* value) {
  PartialTensorShape unused;
  RETURN_IF_ERROR(AnnotateStatus(c->WithRank(i, 0, &unused), what));
  value->reset();
  if (const Tensor* t = c->input_tensor(i)) {
    ASSIGN_OR_RETURN(std::vector<int64_t> v, CheckedIndexValues(*t, what));
    *value = v.at(0);
  }
  return absl::OkStatus();
}

PartialTensorShape WithDim(PartialTensorShape s, int i, int64_t d) {
  s.set_dim(i, d);
  return s;
}

}  // namespace

// ---- Shape functions.

namespace {

// Rank shared by values[0..n), or -1 if all are unknown.
absl::StatusOr<int> CommonRank(InferenceContext* c, int n) {
  int rank = -1, from = -1;
  for (int i = 0; i < n; ++i) {
    const PartialTensorShape& s = c->input(i);
    if (s.unknown_rank()) continue;
    if (rank >= 0 && s.dims() != rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("Ranks of all input tensors should match: shape[", from,
                       "] = ", c->input(from).DebugString(), " vs. shape[", i,
                       "] = ", s.DebugString()));
    }
    rank = s.dims();
    from = i;
  }
  return rank;
}

absl::Status ConcatV2Shape(InferenceContext* c) {
  const int n = c->num_inputs() - 1;
  std::optional<int64_t> axis;
  RETURN_IF_ERROR(ScalarInput(c, n, "axis", &axis));
  ASSIGN_OR_RETURN(int rank, CommonRank(c, n));
  if (rank == 0) {
    return absl::InvalidArgumentError(
        "Can't concatenate scalars (use tf.stack instead)");
  }
  if (rank < 0 || !axis.has_value()) {
    c->set_output(0, rank < 0 ? PartialTensorShape()
                              : PartialTensorShape::UnknownOfRank(rank));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(int a, CanonicalAxis(*axis, rank, "concat axis"));
  PartialTensorShape out = PartialTensorShape::UnknownOfRank(rank);
  std::vector<int> from(rank, -1);
  int64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    const PartialTensorShape& s = c->input(i);
    if (s.unknown_rank()) {
      sum = -1;
      continue;
    }
    for (int d = 0; d < rank; ++d) {
      int64_t v = s.dim_size(d);
      if (d == a) {
        sum = (sum < 0 || v < 0) ? -1 : sum + v;
      } else if (v >= 0 && out.dim_size(d) < 0) {
        out.set_dim(d, v);
        from[d] = i;
      } else if (v >= 0 && v != out.dim_size(d)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Dimension ", d, " in both shapes must be equal: shape[", from[d],
            "] = ", c->input(from[d]).DebugString(), " vs. shape[", i,
            "] = ", s.DebugString(), " (concatenating along axis ", a, ")"));
      }
    }
  }
  out.set_dim(a, sum);
  c->set_output(0, out);
  return absl::OkStatus();
}

absl::Status SplitShape(InferenceContext* c) {
  std::optional<int64_t> axis;
  RETURN_IF_ERROR(ScalarInput(c, 0, "split_dim", &axis));
  const PartialTensorShape& in = c->input(1);
  const int num = c->num_outputs();
  PartialTensorShape out;
  if (in.dims() == 0) {
    return absl::InvalidArgumentError("Can't split a scalar (shape [])");
  }
  if (in.dims() > 0) {
    out = PartialTensorShape::UnknownOfRank(in.dims());
    if (axis.has_value()) {
      ASSIGN_OR_RETURN(int a, CanonicalAxis(*axis, in.dims(), "split_dim"));
      int64_t d = in.dim_size(a);
      if (d >= 0 && d % num != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Number of ways to split should evenly divide the split "
            "dimension, but got split_dim ",
            a, " (size = ", d, ") and num_split ", num, " for shape ",
            in.DebugString()));
      }
      out = WithDim(in, a, d < 0 ? -1 : d / num);
    }
  }
  for (int i = 0; i < num; ++i) c->set_output(i, out);
  return absl::OkStatus();
}

// Validates known size_splits; returns the sum of the non -1 sizes and
// where the -1 is (or -1).
absl::Status CheckSizeSplits(const std::vector<int64_t>& sizes, int num,
                             int64_t* total, int* neg_one) {
  if (static_cast<int>(sizes.size()) != num) {
    return absl::InvalidArgumentError(absl::StrCat(
        "size_splits has ", sizes.size(), " entries but num_split is ", num));
  }
  *total = 0;
  *neg_one = -1;
  for (int i = 0; i < num; ++i) {
    if (sizes[i] == -1 && *neg_one < 0) {
      *neg_one = i;
    } else if (sizes[i] == -1) {
      return absl::InvalidArgumentError("size_splits can only have one -1");
    } else if (sizes[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "size_splits[", i, "] = ", sizes[i], " must be >= 0 (or -1)"));
    } else {
      *total += sizes[i];
    }
  }
  return absl::OkStatus();
}

absl::Status SplitVShape(InferenceContext* c) {
  const PartialTensorShape& in = c->input(0);
  const int num = c->num_outputs();
  PartialTensorShape sizes_shape;
  RETURN_IF_ERROR(
      AnnotateStatus(c->WithRank(1, 1, &sizes_shape), "size_splits"));
  std::optional<int64_t> axis;
  RETURN_IF_ERROR(ScalarInput(c, 2, "split_dim", &axis));
  if (in.dims() == 0) return absl::InvalidArgumentError("Can't split scalars");
  std::vector<int64_t> sizes;
  int64_t total = 0;
  int neg_one = -1;
  if (const Tensor* t = c->input_tensor(1)) {
    ASSIGN_OR_RETURN(sizes, CheckedIndexValues(*t, "size_splits"));
    RETURN_IF_ERROR(CheckSizeSplits(sizes, num, &total, &neg_one));
  }
  for (int i = 0; i < num; ++i) {
    c->set_output(i, in.unknown_rank()
                         ? in
                         : PartialTensorShape::UnknownOfRank(in.dims()));
  }
  if (in.unknown_rank() || !axis.has_value()) return absl::OkStatus();
  ASSIGN_OR_RETURN(int a, CanonicalAxis(*axis, in.dims(), "split_dim"));
  const int64_t d = in.dim_size(a);
  if (d >= 0 && !sizes.empty() && (neg_one >= 0 ? total > d : total != d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("can't split axis of size ", d, " into pieces of size [",
                     absl::StrJoin(sizes, ","), "]"));
  }
  for (int i = 0; i < num; ++i) {
    int64_t size = sizes.empty() ? -1 : sizes[i];
    if (i == neg_one) size = d < 0 ? -1 : d - total;
    c->set_output(i, WithDim(in, a, size));
  }
  return absl::OkStatus();
}

absl::Status PackShape(InferenceContext* c) {
  PartialTensorShape cur;
  for (int i = 0; i < c->num_inputs(); ++i) {
    auto merged = cur.MergeWith(c->input(i));
    if (!merged.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Shapes of all inputs must match: values[0].shape = ",
                       c->input(0).DebugString(), " != values[", i,
                       "].shape = ", c->input(i).DebugString()));
    }
    cur = *merged;
  }
  if (cur.unknown_rank()) {
    c->set_output(0, cur);
    return absl::OkStatus();
  }
  int64_t axis;
  RETURN_IF_ERROR(c->GetAttr("axis", &axis));
  ASSIGN_OR_RETURN(int a, CanonicalAxis(axis, cur.dims() + 1, "Pack axis"));
  PartialTensorShape out = PartialTensorShape::UnknownOfRank(0);
  for (int d = 0; d <= cur.dims(); ++d) {
    if (d == a) out.AddDim(c->num_inputs());
    if (d < cur.dims()) out.AddDim(cur.dim_size(d));
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

absl::Status UnpackShape(InferenceContext* c) {
  const PartialTensorShape& in = c->input(0);
  PartialTensorShape out;
  if (!in.unknown_rank()) {
    int64_t axis;
    RETURN_IF_ERROR(c->GetAttr("axis", &axis));
    ASSIGN_OR_RETURN(int a, CanonicalAxis(axis, in.dims(), "Unpack axis"));
    if (in.dim_size(a) >= 0 && in.dim_size(a) != c->num_outputs()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Dimension ", a, " of value (shape ", in.DebugString(),
                       ") must equal num = ", c->num_outputs()));
    }
    out = PartialTensorShape::UnknownOfRank(0);
    for (int d = 0; d < in.dims(); ++d) {
      if (d != a) out.AddDim(in.dim_size(d));
    }
  }
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, out);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("ConcatV2")
    .Input("values: N * T")
    .Input("axis: Tidx")
    .Output("output: T")
    .Attr("N: int >= 2")
    .Attr("T: type")
    .Attr("Tidx: {int32, int64} = DT_INT32")
    .SetShapeFn(ConcatV2Shape);

REGISTER_OP("Split")
    .Input("split_dim: int32")
    .Input("value: T")
    .Output("output: num_split * T")
    .Attr("num_split: int >= 1")
    .Attr("T: type")
    .SetShapeFn(SplitShape);

REGISTER_OP("SplitV")
    .Input("value: T")
    .Input("size_splits: Tlen")
    .Input("split_dim: int32")
    .Output("output: num_split * T")
    .Attr("num_split: int >= 1")
    .Attr("T: type")
    .Attr("Tlen: {int32, int64} = DT_INT64")
    .SetShapeFn(SplitVShape);

REGISTER_OP("Pack")
    .Input("values: N * T")
    .Output("output: T")
    .Attr("N: int >= 1")
    .Attr("T: type")
    .Attr("axis: int = 0")
    .SetShapeFn(PackShape);

REGISTER_OP("Unpack")
    .Input("value: T")
    .Output("output: num * T")
    .Attr("num: int >= 0")
    .Attr("T: type")
    .Attr("axis: int = 0")
    .SetShapeFn(UnpackShape);

namespace {

// Length of the 1-D input `i` (-1 if unknown); fails if it is not 1-D.
absl::StatusOr<int64_t> VectorLength(InferenceContext* c, int i,
                                     absl::string_view what) {
  PartialTensorShape s;
  RETURN_IF_ERROR(AnnotateStatus(c->WithRank(i, 1, &s), what));
  return s.dim_size(0);
}

absl::StatusOr<std::vector<int64_t>> KnownValues(InferenceContext* c, int i,
                                                 absl::string_view what) {
  const Tensor* t = c->input_tensor(i);
  if (t == nullptr) return std::vector<int64_t>();
  return CheckedIndexValues(*t, what);
}

// Checks known begin/size values against the dims that are known.
absl::Status SliceDims(const PartialTensorShape& in, int64_t n,
                       const std::vector<int64_t>& begin,
                       const std::vector<int64_t>& size,
                       PartialTensorShape* out) {
  *out = PartialTensorShape::UnknownOfRank(static_cast<int>(n));
  for (int i = 0; i < n; ++i) {
    const int64_t dim = in.unknown_rank() ? -1 : in.dim_size(i);
    const int64_t b = begin.empty() ? 0 : begin[i];
    if (!begin.empty() && (b < 0 || (dim >= 0 && b > dim))) {
      return absl::InvalidArgumentError(
          absl::StrCat("Expected begin[", i, "] in [0, ", dim, "], but got ", b,
                       " (input shape ", in.DebugString(), ")"));
    }
    if (size.empty()) continue;
    const int64_t s = size[i];
    const bool known_end = !begin.empty() && dim >= 0;
    if (s < -1 || (known_end && s > dim - b)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Expected size[", i, "] in [0, ", known_end ? dim - b : dim,
          "] or -1, but got ", s, " (input shape ", in.DebugString(), ")"));
    }
    if (s >= 0) out->set_dim(i, s);
    if (s == -1 && known_end) out->set_dim(i, dim - b);
  }
  return absl::OkStatus();
}

absl::Status SliceShape(InferenceContext* c) {
  const PartialTensorShape& in = c->input(0);
  ASSIGN_OR_RETURN(int64_t nb, VectorLength(c, 1, "begin"));
  ASSIGN_OR_RETURN(int64_t ns, VectorLength(c, 2, "size"));
  const int64_t n = in.unknown_rank() ? std::max(nb, ns) : in.dims();
  if ((nb >= 0 && nb != n) || (ns >= 0 && ns != n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Expected begin and size arguments to be 1-D tensors of size ", n,
        " (input shape ", in.DebugString(), "), but got shapes ",
        c->input(1).DebugString(), " and ", c->input(2).DebugString()));
  }
  if (n < 0) {
    c->set_output(0, PartialTensorShape());
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> begin, KnownValues(c, 1, "begin"));
  ASSIGN_OR_RETURN(std::vector<int64_t> size, KnownValues(c, 2, "size"));
  PartialTensorShape out;
  RETURN_IF_ERROR(SliceDims(in, n, begin, size, &out));
  c->set_output(0, out);
  return absl::OkStatus();
}

absl::Status StridedSliceShape(InferenceContext* c) {
  static const char* const kNames[] = {"begin", "end", "strides"};
  int64_t n = -1;
  for (int i = 1; i <= 3; ++i) {
    ASSIGN_OR_RETURN(int64_t len, VectorLength(c, i, kNames[i - 1]));
    if (len >= 0 && n >= 0 && len != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Expected begin, end, and strides to be 1-D tensors of the same "
          "length, but got shapes ",
          c->input(1).DebugString(), ", ", c->input(2).DebugString(), " and ",
          c->input(3).DebugString()));
    }
    if (len >= 0) n = len;
  }
  const PartialTensorShape& in = c->input(0);
  if (in.unknown_rank() || n < 0) {
    c->set_output(0, PartialTensorShape());
    return absl::OkStatus();
  }
  StridedSliceMasks m;
  RETURN_IF_ERROR(c->GetAttr("begin_mask", &m.begin));
  RETURN_IF_ERROR(c->GetAttr("end_mask", &m.end));
  RETURN_IF_ERROR(c->GetAttr("ellipsis_mask", &m.ellipsis));
  RETURN_IF_ERROR(c->GetAttr("new_axis_mask", &m.new_axis));
  RETURN_IF_ERROR(c->GetAttr("shrink_axis_mask", &m.shrink_axis));
  StridedSliceSpec spec;
  RETURN_IF_ERROR(ComputeStridedSlice(in, c->input_tensor(1),
                                      c->input_tensor(2), c->input_tensor(3), n,
                                      m, &spec));
  c->set_output(0, spec.final_shape);
  return absl::OkStatus();
}

// params[:axis] + indices[batch_dims:] + params[axis+1:], with the batch
// dims of params and indices merged.
absl::StatusOr<PartialTensorShape> GatherOutput(const PartialTensorShape& p,
                                                const PartialTensorShape& idx,
                                                int axis, int bd) {
  if (bd > axis) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_dims (", bd,
                     ") must be less than or equal to axis (", axis, ")"));
  }
  PartialTensorShape out = PartialTensorShape::UnknownOfRank(0);
  for (int d = 0; d < axis; ++d) {
    int64_t v = p.dim_size(d);
    if (d < bd) {
      int64_t w = idx.dim_size(d);
      if (v >= 0 && w >= 0 && v != w) {
        return absl::InvalidArgumentError(absl::StrCat(
            "params.shape[", d, "] = ", v, " should equal indices.shape[", d,
            "] = ", w, " (batch_dims = ", bd, "; shapes ", p.DebugString(),
            " and ", idx.DebugString(), ")"));
      }
      if (v < 0) v = w;
    }
    out.AddDim(v);
  }
  for (int d = bd; d < idx.dims(); ++d) out.AddDim(idx.dim_size(d));
  for (int d = axis + 1; d < p.dims(); ++d) out.AddDim(p.dim_size(d));
  return out;
}

absl::Status GatherV2Shape(InferenceContext* c) {
  const PartialTensorShape& params = c->input(0);
  const PartialTensorShape& indices = c->input(1);
  if (params.dims() == 0) {
    return absl::InvalidArgumentError(
        "params must be at least 1 dimensional, got shape []");
  }
  std::optional<int64_t> axis;
  RETURN_IF_ERROR(ScalarInput(c, 2, "axis", &axis));
  int64_t bd;
  RETURN_IF_ERROR(c->GetAttr("batch_dims", &bd));
  const int pr = params.dims(), ir = indices.dims();
  if (ir >= 0 && (bd < -ir || bd > ir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Expected batch_dims in the range [", -ir, ", ", ir,
                     "], but got ", bd));
  }
  if (bd < 0 && ir >= 0) bd += ir;
  if (pr < 0 || ir < 0 || bd < 0) {
    c->set_output(0, PartialTensorShape());
    return absl::OkStatus();
  }
  if (!axis.has_value()) {
    c->set_output(0, PartialTensorShape::UnknownOfRank(pr + ir - 1 -
                                                       static_cast<int>(bd)));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(int a, CanonicalAxis(*axis, pr, "axis"));
  ASSIGN_OR_RETURN(PartialTensorShape out,
                   GatherOutput(params, indices, a, static_cast<int>(bd)));
  c->set_output(0, out);
  return absl::OkStatus();
}

absl::Status OneHotShape(InferenceContext* c) {
  int64_t axis;
  RETURN_IF_ERROR(c->GetAttr("axis", &axis));
  if (axis < -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis must be >= -1, got ", axis));
  }
  std::optional<int64_t> depth;
  RETURN_IF_ERROR(ScalarInput(c, 1, "depth", &depth));
  if (depth.has_value() && *depth < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("depth must be non-negative, got: ", *depth));
  }
  PartialTensorShape unused;
  RETURN_IF_ERROR(AnnotateStatus(c->WithRank(2, 0, &unused), "on_value"));
  RETURN_IF_ERROR(AnnotateStatus(c->WithRank(3, 0, &unused), "off_value"));
  const PartialTensorShape& in = c->input(0);
  if (in.unknown_rank()) {
    c->set_output(0, in);
    return absl::OkStatus();
  }
  if (axis > in.dims()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Expected axis to be -1 or between [0, ", in.dims(),
        "], but received: ", axis, " (indices shape ", in.DebugString(), ")"));
  }
  const int pos = axis == -1 ? in.dims() : static_cast<int>(axis);
  PartialTensorShape out = PartialTensorShape::UnknownOfRank(0);
  for (int d = 0; d <= in.dims(); ++d) {
    if (d == pos) out.AddDim(depth.value_or(-1));
    if (d < in.dims()) out.AddDim(in.dim_size(d));
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("Slice")
    .Input("input: T")
    .Input("begin: Index")
    .Input("size: Index")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Index: {int32, int64}")
    .SetShapeFn(SliceShape);

REGISTER_OP("StridedSlice")
    .Input("input: T")
    .Input("begin: Index")
    .Input("end: Index")
    .Input("strides: Index")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Index: {int32, int64}")
    .Attr("begin_mask: int = 0")
    .Attr("end_mask: int = 0")
    .Attr("ellipsis_mask: int = 0")
    .Attr("new_axis_mask: int = 0")
    .Attr("shrink_axis_mask: int = 0")
    .SetShapeFn(StridedSliceShape);

REGISTER_OP("GatherV2")
    .Input("params: Tparams")
    .Input("indices: Tindices")
    .Input("axis: Taxis")
    .Attr("batch_dims: int = 0")
    .Output("output: Tparams")
    .Attr("Tparams: type")
    .Attr("Tindices: {int32, int64}")
    .Attr("Taxis: {int32, int64}")
    .SetShapeFn(GatherV2Shape);

REGISTER_OP("OneHot")
    .Input("indices: TI")
    .Input("depth: int32")
    .Input("on_value: T")
    .Input("off_value: T")
    .Attr("axis: int = -1")
    .Output("output: T")
    .Attr("T: type")
    .Attr("TI: {uint8, int32, int64} = DT_INT64")
    .SetShapeFn(OneHotShape);

// ---- Builders.

namespace ops {
namespace {

// The `n` outputs of `op`; invalid Outputs when the op failed.
std::vector<Output> Outputs(const Operation& op, int n) {
  std::vector<Output> outs(std::max(n, 0));
  if (op.valid()) {
    for (int i = 0; i < n; ++i) outs[i] = op.output(i);
  }
  return outs;
}

// What is known of `in`'s shape before the node exists.
PartialTensorShape StaticShape(const Input& in) {
  if (in.is_literal()) return in.literal().shape();
  if (in.output().valid()) return in.output().shape();
  return PartialTensorShape();
}

// Records a builder error in the scope (unless it already has one).
void BuilderError(const Scope& scope, absl::string_view op, SourceLocation loc,
                  absl::string_view what) {
  scope.UpdateStatus(absl::InvalidArgumentError(
      absl::StrCat(op, " at ", loc.ToString(), ": ", what)));
}

Output ConcatNamed(const Scope& scope, const InputList& values,
                   const Input& axis, const char* name, SourceLocation loc) {
  return NodeBuilder(scope, "ConcatV2", name, loc)
      .Input(values)
      .Input(axis)
      .Finalize()
      .output(0);
}

Output PackNamed(const Scope& scope, const InputList& values, int axis,
                 const char* name, SourceLocation loc) {
  return NodeBuilder(scope, "Pack", name, loc)
      .Input(values)
      .Attr("axis", axis)
      .Finalize()
      .output(0);
}

std::vector<Output> UnpackNamed(const Scope& scope, const Input& value, int num,
                                int axis, const char* name,
                                SourceLocation loc) {
  if (!scope.ok()) return {};
  if (num < 0) {
    PartialTensorShape s = StaticShape(value);
    int a = axis < 0 ? axis + s.dims() : axis;
    if (s.unknown_rank() || a < 0 || a >= s.dims() || s.dim_size(a) < 0) {
      BuilderError(scope, "Unpack", loc,
                   absl::StrCat("cannot infer num from shape ", s.DebugString(),
                                " and axis ", axis, "; pass num explicitly"));
      return {};
    }
    num = static_cast<int>(s.dim_size(a));
  }
  Operation op = NodeBuilder(scope, "Unpack", name, loc)
                     .Input(value)
                     .Attr("num", num)
                     .Attr("axis", axis)
                     .Finalize();
  return Outputs(op, num);
}

}  // namespace

Output ConcatV2(const Scope& scope, const InputList& values, const Input& axis,
                SourceLocation loc) {
  return ConcatNamed(scope, values, axis, "ConcatV2", loc);
}

Output Concat(const Scope& scope, const InputList& values, const Input& axis,
              SourceLocation loc) {
  return ConcatNamed(scope, values, axis, "concat", loc);
}

std::vector<Output> Split(const Scope& scope, const Input& axis,
                          const Input& value, int num_split,
                          SourceLocation loc) {
  Operation op = NodeBuilder(scope, "Split", "split", loc)
                     .Input(axis)
                     .Input(value)
                     .Attr("num_split", num_split)
                     .Finalize();
  return Outputs(op, num_split);
}

std::vector<Output> SplitV(const Scope& scope, const Input& value,
                           const Input& size_splits, const Input& axis,
                           int num_split, SourceLocation loc) {
  if (!scope.ok()) return {};
  if (num_split < 0) {
    PartialTensorShape s = StaticShape(size_splits);
    if (s.dims() != 1 || s.dim_size(0) < 0) {
      BuilderError(scope, "SplitV", loc,
                   absl::StrCat("cannot infer num_split from the shape ",
                                s.DebugString(), " of size_splits"));
      return {};
    }
    num_split = static_cast<int>(s.dim_size(0));
  }
  Operation op = NodeBuilder(scope, "SplitV", "split", loc)
                     .Input(value)
                     .Input(size_splits)
                     .Input(axis)
                     .Attr("num_split", num_split)
                     .Finalize();
  return Outputs(op, num_split);
}

Output Slice(const Scope& scope, const Input& input, const Input& begin,
             const Input& size, SourceLocation loc) {
  return NodeBuilder(scope, "Slice", "Slice", loc)
      .Input(input)
      .Input(begin)
      .Input(size)
      .Finalize()
      .output(0);
}

Output StridedSlice(const Scope& scope, const Input& input, const Input& begin,
                    const Input& end, const Input& strides, int begin_mask,
                    int end_mask, int ellipsis_mask, int new_axis_mask,
                    int shrink_axis_mask, SourceLocation loc) {
  return NodeBuilder(scope, "StridedSlice", "StridedSlice", loc)
      .Input(input)
      .Input(begin)
      .Input(end)
      .Input(strides)
      .Attr("begin_mask", begin_mask)
      .Attr("end_mask", end_mask)
      .Attr("ellipsis_mask", ellipsis_mask)
      .Attr("new_axis_mask", new_axis_mask)
      .Attr("shrink_axis_mask", shrink_axis_mask)
      .Finalize()
      .output(0);
}

Output Pack(const Scope& scope, const InputList& values, int axis,
            SourceLocation loc) {
  return PackNamed(scope, values, axis, "Pack", loc);
}

Output Stack(const Scope& scope, const InputList& values, int axis,
             SourceLocation loc) {
  return PackNamed(scope, values, axis, "stack", loc);
}

std::vector<Output> Unpack(const Scope& scope, const Input& value, int num,
                           int axis, SourceLocation loc) {
  return UnpackNamed(scope, value, num, axis, "Unpack", loc);
}

std::vector<Output> Unstack(const Scope& scope, const Input& value, int num,
                            int axis, SourceLocation loc) {
  return UnpackNamed(scope, value, num, axis, "unstack", loc);
}

Output GatherV2(const Scope& scope, const Input& params, const Input& indices,
                const Input& axis, int batch_dims, SourceLocation loc) {
  return NodeBuilder(scope, "GatherV2", "GatherV2", loc)
      .Input(params)
      .Input(indices)
      .Input(axis)
      .Attr("batch_dims", batch_dims)
      .Finalize()
      .output(0);
}

Output Gather(const Scope& scope, const Input& params, const Input& indices,
              const Input& axis, int batch_dims, SourceLocation loc) {
  return GatherV2(scope, params, indices, axis, batch_dims, loc);
}

Output OneHot(const Scope& scope, const Input& indices, const Input& depth,
              const Input& on_value, const Input& off_value, int axis,
              SourceLocation loc) {
  return NodeBuilder(scope, "OneHot", "one_hot", loc)
      .Input(indices)
      .Input(depth)
      .Input(on_value)
      .Input(off_value)
      .Attr("axis", axis)
      .Finalize()
      .output(0);
}

}  // namespace ops
}  // namespace tessera
