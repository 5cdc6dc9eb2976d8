// MatMul and BatchMatMulV2: declarations (TensorFlow's names and attrs),
// shape functions and builders.
#include "ops/linalg_ops.h"

#include "core/op_registry.h"
#include "core/status.h"

namespace tessera {
namespace {

const char* BoolStr(bool b) { return b ? "true" : "false"; }

// Combines two possibly unknown (-1) dims that must be equal.
absl::Status MergeDim(int64_t a, int64_t b, int64_t* out) {
  if (a >= 0 && b >= 0 && a != b) {
    return absl::InvalidArgumentError(
        absl::StrCat("Dimensions must be equal, but are ", a, " and ", b));
  }
  *out = a >= 0 ? a : b;
  return absl::OkStatus();
}

absl::Status MatMulShape(InferenceContext* c) {
  PartialTensorShape a, b;
  RETURN_IF_ERROR(c->WithRank(0, 2, &a));
  RETURN_IF_ERROR(c->WithRank(1, 2, &b));
  bool transpose_a, transpose_b;
  RETURN_IF_ERROR(c->GetAttr("transpose_a", &transpose_a));
  RETURN_IF_ERROR(c->GetAttr("transpose_b", &transpose_b));
  int64_t inner;
  absl::Status s = MergeDim(a.dim_size(transpose_a ? 0 : 1),
                            b.dim_size(transpose_b ? 1 : 0), &inner);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        s.message(), " for MatMul with input shapes: ", a.DebugString(), ", ",
        b.DebugString(), " (transpose_a=", BoolStr(transpose_a),
        ", transpose_b=", BoolStr(transpose_b), ")"));
  }
  c->set_output(0, PartialTensorShape({a.dim_size(transpose_a ? 1 : 0),
                                       b.dim_size(transpose_b ? 0 : 1)}));
  return absl::OkStatus();
}

absl::Status BatchMatMulV2Shape(InferenceContext* c) {
  PartialTensorShape x, y;
  RETURN_IF_ERROR(c->WithRankAtLeast(0, 2, &x));
  RETURN_IF_ERROR(c->WithRankAtLeast(1, 2, &y));
  if (x.unknown_rank() || y.unknown_rank()) {
    // The batch rank is unknown, so nothing about the output is.
    c->set_output(0, PartialTensorShape::Unknown());
    return absl::OkStatus();
  }
  bool adj_x, adj_y;
  RETURN_IF_ERROR(c->GetAttr("adj_x", &adj_x));
  RETURN_IF_ERROR(c->GetAttr("adj_y", &adj_y));
  const int rx = x.dims(), ry = y.dims();
  auto with_shapes = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " for BatchMatMulV2 with input shapes: ", x.DebugString(), ", ",
        y.DebugString(), " (adj_x=", BoolStr(adj_x), ", adj_y=", BoolStr(adj_y),
        ")"));
  };
  int64_t inner;
  absl::Status s = MergeDim(x.dim_size(adj_x ? rx - 2 : rx - 1),
                            y.dim_size(adj_y ? ry - 1 : ry - 2), &inner);
  if (!s.ok()) return with_shapes(s.message());
  PartialTensorShape x_batch(x.dim_sizes().subspan(0, rx - 2));
  PartialTensorShape y_batch(y.dim_sizes().subspan(0, ry - 2));
  absl::StatusOr<PartialTensorShape> batch = BroadcastShapes(x_batch, y_batch);
  if (!batch.ok()) return with_shapes(batch.status().message());
  PartialTensorShape out = *batch;
  out.AddDim(x.dim_size(adj_x ? rx - 1 : rx - 2));
  out.AddDim(y.dim_size(adj_y ? ry - 2 : ry - 1));
  c->set_output(0, out);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("MatMul")
    .Input("a: T")
    .Input("b: T")
    .Output("product: T")
    .Attr("transpose_a: bool = false")
    .Attr("transpose_b: bool = false")
    .Attr(
        "T: {bfloat16, half, float, double, int32, int64, complex64, "
        "complex128}")
    .SetShapeFn(MatMulShape);

REGISTER_OP("BatchMatMulV2")
    .Input("x: T")
    .Input("y: T")
    .Output("output: T")
    .Attr(
        "T: {bfloat16, half, float, double, int16, int32, int64, "
        "complex64, complex128}")
    .Attr("adj_x: bool = false")
    .Attr("adj_y: bool = false")
    .SetShapeFn(BatchMatMulV2Shape);

namespace ops {

Output MatMul(const Scope& scope, const Input& a, const Input& b,
              bool transpose_a, bool transpose_b, SourceLocation loc) {
  return NodeBuilder(scope, "MatMul", "MatMul", loc)
      .Input(a)
      .Input(b)
      .Attr("transpose_a", transpose_a)
      .Attr("transpose_b", transpose_b)
      .Finalize()
      .output(0);
}

Output BatchMatMulV2(const Scope& scope, const Input& x, const Input& y,
                     bool adj_x, bool adj_y, SourceLocation loc) {
  return NodeBuilder(scope, "BatchMatMulV2", "BatchMatMulV2", loc)
      .Input(x)
      .Input(y)
      .Attr("adj_x", adj_x)
      .Attr("adj_y", adj_y)
      .Finalize()
      .output(0);
}

}  // namespace ops
}  // namespace tessera
