// Element-wise math ops: declarations (TensorFlow's names, args, attrs and
// type lists) with their shape functions, and the builders.
#include "ops/math_ops.h"

#include <algorithm>

#include "core/op_registry.h"
#include "core/status.h"

namespace tessera {
namespace {

// ---- Shape functions.

// Equal / NotEqual: with incompatible_shape_error = false, shapes that may
// not broadcast make the output unknown (the kernel then returns a scalar).
absl::Status EqualityShape(InferenceContext* c) {
  bool incompatible_shape_error = true;
  RETURN_IF_ERROR(
      c->GetAttr("incompatible_shape_error", &incompatible_shape_error));
  if (incompatible_shape_error) return shape_fn::BroadcastBinaryOpShape(c);
  const PartialTensorShape& x = c->input(0);
  const PartialTensorShape& y = c->input(1);
  if (x.unknown_rank() || y.unknown_rank()) {
    c->set_output(0, PartialTensorShape());
    return absl::OkStatus();
  }
  const int rank = std::max(x.dims(), y.dims());
  for (int i = 0; i < rank; ++i) {
    const int ix = x.dims() - rank + i, iy = y.dims() - rank + i;
    const int64_t dx = ix >= 0 ? x.dim_size(ix) : 1;
    const int64_t dy = iy >= 0 ? y.dim_size(iy) : 1;
    const bool surely_ok = dx == 1 || dy == 1 || (dx >= 0 && dx == dy);
    if (!surely_ok) {
      c->set_output(0, PartialTensorShape());
      return absl::OkStatus();
    }
  }
  return shape_fn::BroadcastBinaryOpShape(c);
}

// AddN: every input has the same shape.
absl::Status AddNShape(InferenceContext* c) {
  PartialTensorShape merged = c->input(c->num_inputs() - 1);
  for (int i = c->num_inputs() - 2; i >= 0; --i) {
    auto m = c->input(i).MergeWith(merged);
    if (!m.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AddN inputs must all have the same shape, but input ", i,
          " has shape ", c->input(i).DebugString(),
          " while the inputs after it have shape ", merged.DebugString()));
    }
    merged = *std::move(m);
  }
  c->set_output(0, std::move(merged));
  return absl::OkStatus();
}

// Select (TF1): t and e match; condition is a scalar, a vector over t's
// first dim, or has t's shape.
absl::Status SelectShape(InferenceContext* c) {
  const PartialTensorShape& cond = c->input(0);
  auto data_or = c->input(1).MergeWith(c->input(2));
  if (!data_or.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'then' and 'else' must have the same shape, but got ",
        c->input(1).DebugString(), " and ", c->input(2).DebugString()));
  }
  PartialTensorShape data = *std::move(data_or);
  const auto bad_cond = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "'condition' must be a scalar, a vector matching the first "
        "dimension of 'then', or have the shape of 'then'; got condition ",
        cond.DebugString(), " and then ", data.DebugString()));
  };
  if (cond.unknown_rank() || data.unknown_rank() || cond.dims() == 0) {
    c->set_output(0, std::move(data));
    return absl::OkStatus();
  }
  if (cond.dims() == 1 && data.dims() >= 1) {
    const int64_t dc = cond.dim_size(0), dd = data.dim_size(0);
    if (dc >= 0 && dd >= 0 && dc != dd) return bad_cond();
    if (dd < 0) data.set_dim(0, dc);
    c->set_output(0, std::move(data));
    return absl::OkStatus();
  }
  auto merged = data.MergeWith(cond);
  if (!merged.ok()) return bad_cond();
  c->set_output(0, *std::move(merged));
  return absl::OkStatus();
}

// SelectV2: condition, t and e broadcast together.
absl::Status SelectV2Shape(InferenceContext* c) {
  ASSIGN_OR_RETURN(PartialTensorShape values,
                   BroadcastShapes(c->input(1), c->input(2)));
  ASSIGN_OR_RETURN(PartialTensorShape out,
                   BroadcastShapes(c->input(0), values));
  c->set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace

// ---- Declarations. Type lists are TensorFlow 1.15's; kernels exist for a
// subset (see kernels/cwise_*.cc).

#define BINARY(TYPES)                          \
  Input("x: T").Input("y: T").Output("z: T").Attr(TYPES).SetShapeFn( \
      shape_fn::BroadcastBinaryOpShape)

#define UNARY(TYPES) \
  Input("x: T").Output("y: T").Attr(TYPES).SetShapeFn(shape_fn::UnchangedShape)

constexpr char kBinaryMore[] =
    "T: {bfloat16, half, float, double, uint8, int8, uint16, int16, int32, "
    "int64, complex64, complex128}";
constexpr char kBinaryFewer[] =
    "T: {bfloat16, half, float, double, int32, int64, complex64, complex128}";
constexpr char kAddTypes[] =
    "T: {bfloat16, half, float, double, uint8, int8, int16, int32, int64, "
    "complex64, complex128}";
constexpr char kMinMaxTypes[] = "T: {bfloat16, half, float, double, int32, int64}";
constexpr char kUnaryTypes[] =
    "T: {bfloat16, half, float, double, int32, int64, complex64, complex128}";
constexpr char kUnaryComplexTypes[] =
    "T: {bfloat16, half, float, double, complex64, complex128}";
constexpr char kFloatTypes[] = "T: {bfloat16, half, float, double}";

REGISTER_OP("Add").BINARY(
    "T: {bfloat16, half, float, double, uint8, int8, int16, int32, int64, "
    "complex64, complex128, string}");
REGISTER_OP("AddV2").BINARY(kAddTypes).SetIsAggregate().SetIsCommutative();
REGISTER_OP("Sub").BINARY(kBinaryMore);
REGISTER_OP("Mul").BINARY(kBinaryMore).SetIsCommutative();
REGISTER_OP("Div").BINARY(kBinaryMore);
REGISTER_OP("RealDiv").BINARY(kBinaryMore);
REGISTER_OP("DivNoNan").BINARY(
    "T: {half, float, bfloat16, double, complex64, complex128}");
REGISTER_OP("FloorDiv").BINARY(kBinaryMore);
REGISTER_OP("FloorMod").BINARY(
    "T: {int32, int64, bfloat16, half, float, double}");
REGISTER_OP("Maximum").BINARY(kMinMaxTypes);
REGISTER_OP("Minimum").BINARY(kMinMaxTypes);
REGISTER_OP("Pow").BINARY(
    "T: {bfloat16, float, half, double, int32, int64, complex64, "
    "complex128}");
REGISTER_OP("SquaredDifference").BINARY(kBinaryFewer).SetIsCommutative();

REGISTER_OP("Neg").UNARY(kUnaryTypes);
REGISTER_OP("Abs").UNARY(
    "T: {bfloat16, half, float, double, int8, int16, int32, int64}");
REGISTER_OP("Exp").UNARY(kUnaryComplexTypes);
REGISTER_OP("Log").UNARY(kUnaryComplexTypes);
REGISTER_OP("Sqrt").UNARY(kUnaryComplexTypes);
REGISTER_OP("Rsqrt").UNARY(kUnaryComplexTypes);
REGISTER_OP("Square").UNARY(kUnaryTypes);
REGISTER_OP("Tanh").UNARY(kUnaryComplexTypes);
REGISTER_OP("Sigmoid").UNARY(kUnaryComplexTypes);
REGISTER_OP("Sin").UNARY(kUnaryComplexTypes);
REGISTER_OP("Cos").UNARY(kUnaryComplexTypes);
REGISTER_OP("Reciprocal").UNARY(kUnaryTypes);
REGISTER_OP("Sign").UNARY(kUnaryTypes);
REGISTER_OP("Floor").UNARY(kFloatTypes);
REGISTER_OP("Ceil").UNARY(kFloatTypes);
REGISTER_OP("Round").UNARY(kUnaryTypes);

#define COMPARISON()                                                \
  Input("x: T").Input("y: T").Output("z: bool").Attr(              \
      "T: realnumbertype").SetShapeFn(shape_fn::BroadcastBinaryOpShape)

REGISTER_OP("Less").COMPARISON();
REGISTER_OP("LessEqual").COMPARISON();
REGISTER_OP("Greater").COMPARISON();
REGISTER_OP("GreaterEqual").COMPARISON();

#define EQUALITY()                                                        \
  Input("x: T")                                                          \
      .Input("y: T")                                                     \
      .Output("z: bool")                                                 \
      .SetIsCommutative()                                                \
      .Attr("T: {bfloat16, half, float, double, uint8, int8, int16, int32, " \
            "int64, complex64, quint8, qint8, qint32, string, bool, "    \
            "complex128}")                                               \
      .Attr("incompatible_shape_error: bool = true")                     \
      .SetShapeFn(EqualityShape)

REGISTER_OP("Equal").EQUALITY();
REGISTER_OP("NotEqual").EQUALITY();

REGISTER_OP("LogicalNot")
    .Input("x: bool")
    .Output("y: bool")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("LogicalAnd")
    .Input("x: bool")
    .Input("y: bool")
    .Output("z: bool")
    .SetIsCommutative()
    .SetShapeFn(shape_fn::BroadcastBinaryOpShape);
REGISTER_OP("LogicalOr")
    .Input("x: bool")
    .Input("y: bool")
    .Output("z: bool")
    .SetIsCommutative()
    .SetShapeFn(shape_fn::BroadcastBinaryOpShape);

REGISTER_OP("Cast")
    .Input("x: SrcT")
    .Output("y: DstT")
    .Attr("SrcT: type")
    .Attr("DstT: type")
    .Attr("Truncate: bool = false")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("Select")
    .Input("condition: bool")
    .Input("t: T")
    .Input("e: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(SelectShape);

REGISTER_OP("SelectV2")
    .Input("condition: bool")
    .Input("t: T")
    .Input("e: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(SelectV2Shape);

REGISTER_OP("AddN")
    .Input("inputs: N * T")
    .Output("sum: T")
    .Attr("N: int >= 1")
    .Attr("T: numbertype")
    .SetIsCommutative()
    .SetIsAggregate()
    .SetShapeFn(AddNShape);

#undef BINARY
#undef UNARY
#undef COMPARISON
#undef EQUALITY

// ---- Builders.

namespace ops {
namespace {

Output Unary(const Scope& scope, const char* op, const Input& x,
             SourceLocation loc) {
  return NodeBuilder(scope, op, op, loc).Input(x).Finalize().output(0);
}

Output Binary(const Scope& scope, const char* op, const Input& x,
              const Input& y, SourceLocation loc) {
  return NodeBuilder(scope, op, op, loc).Input(x).Input(y).Finalize().output(0);
}

Output Ternary(const Scope& scope, const char* op, const Input& a,
               const Input& b, const Input& c, SourceLocation loc) {
  return NodeBuilder(scope, op, op, loc)
      .Input(a)
      .Input(b)
      .Input(c)
      .Finalize()
      .output(0);
}

Output Equality(const Scope& scope, const char* op, const Input& x,
                const Input& y, bool incompatible_shape_error,
                SourceLocation loc) {
  return NodeBuilder(scope, op, op, loc)
      .Input(x)
      .Input(y)
      .Attr("incompatible_shape_error", incompatible_shape_error)
      .Finalize()
      .output(0);
}

}  // namespace

#define DEFINE_BINARY(NAME)                                               \
  Output NAME(const Scope& scope, const Input& x, const Input& y,         \
              SourceLocation loc) {                                       \
    return Binary(scope, #NAME, x, y, loc);                               \
  }
#define DEFINE_UNARY(NAME)                                                \
  Output NAME(const Scope& scope, const Input& x, SourceLocation loc) {   \
    return Unary(scope, #NAME, x, loc);                                   \
  }

DEFINE_BINARY(Add)
DEFINE_BINARY(AddV2)
DEFINE_BINARY(Sub)
DEFINE_BINARY(Mul)
DEFINE_BINARY(Div)
DEFINE_BINARY(RealDiv)
DEFINE_BINARY(DivNoNan)
DEFINE_BINARY(FloorDiv)
DEFINE_BINARY(FloorMod)
DEFINE_BINARY(Maximum)
DEFINE_BINARY(Minimum)
DEFINE_BINARY(Pow)
DEFINE_BINARY(SquaredDifference)
DEFINE_BINARY(Less)
DEFINE_BINARY(LessEqual)
DEFINE_BINARY(Greater)
DEFINE_BINARY(GreaterEqual)
DEFINE_BINARY(LogicalAnd)
DEFINE_BINARY(LogicalOr)

DEFINE_UNARY(Neg)
DEFINE_UNARY(Abs)
DEFINE_UNARY(Exp)
DEFINE_UNARY(Log)
DEFINE_UNARY(Sqrt)
DEFINE_UNARY(Rsqrt)
DEFINE_UNARY(Square)
DEFINE_UNARY(Tanh)
DEFINE_UNARY(Sigmoid)
DEFINE_UNARY(Sin)
DEFINE_UNARY(Cos)
DEFINE_UNARY(Reciprocal)
DEFINE_UNARY(Sign)
DEFINE_UNARY(Floor)
DEFINE_UNARY(Ceil)
DEFINE_UNARY(Round)
DEFINE_UNARY(LogicalNot)

#undef DEFINE_BINARY
#undef DEFINE_UNARY

Output Equal(const Scope& scope, const Input& x, const Input& y,
             bool incompatible_shape_error, SourceLocation loc) {
  return Equality(scope, "Equal", x, y, incompatible_shape_error, loc);
}

Output NotEqual(const Scope& scope, const Input& x, const Input& y,
                bool incompatible_shape_error, SourceLocation loc) {
  return Equality(scope, "NotEqual", x, y, incompatible_shape_error, loc);
}

Output Cast(const Scope& scope, const Input& x, DataType dst, bool truncate,
            SourceLocation loc) {
  return NodeBuilder(scope, "Cast", "Cast", loc)
      .Input(x)
      .Attr("DstT", dst)
      .Attr("Truncate", truncate)
      .Finalize()
      .output(0);
}

Output Select(const Scope& scope, const Input& condition, const Input& t,
              const Input& e, SourceLocation loc) {
  return Ternary(scope, "Select", condition, t, e, loc);
}

Output Where3(const Scope& scope, const Input& condition, const Input& t,
              const Input& e, SourceLocation loc) {
  return Ternary(scope, "Select", condition, t, e, loc);
}

Output SelectV2(const Scope& scope, const Input& condition, const Input& t,
                const Input& e, SourceLocation loc) {
  return Ternary(scope, "SelectV2", condition, t, e, loc);
}

Output AddN(const Scope& scope, const InputList& inputs, SourceLocation loc) {
  return NodeBuilder(scope, "AddN", "AddN", loc)
      .Input(inputs)
      .Finalize()
      .output(0);
}

}  // namespace ops
}  // namespace tessera
