// Gradients of the math, reduction and matrix ops (ops/math_ops.h,
// reduction_ops.h, linalg_ops.h), registered beside them. Binary ops sum
// their gradients over broadcast dims (grad::ReduceToShape).
#include <vector>

#include "core/status.h"
#include "graph/gradients.h"
#include "ops/array_ops.h"
#include "ops/grad_util.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"
#include "ops/reduction_ops.h"
#include "ops/shape_ops.h"

namespace tessera {
namespace {

using grad::ReduceToShape;
using Grads = std::vector<Output>;

Output X(const Operation& op) { return op.node->input(0); }
Output Y(const Operation& op) { return op.node->input(1); }
Output Z(const Operation& op) { return op.output(0); }

// Gradients of binary op: gx and gy before the broadcast reduction.
absl::Status Binary(const Scope& s, const Operation& op, const Output& gx,
                    const Output& gy, Grads* dx) {
  *dx = {ReduceToShape(s, gx, X(op)), ReduceToShape(s, gy, Y(op))};
  return absl::OkStatus();
}

absl::Status AddGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  return Binary(s, op, dy[0], dy[0], dx);
}
absl::Status SubGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  return Binary(s, op, dy[0], ops::Neg(s, dy[0]), dx);
}
absl::Status MulGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  return Binary(s, op, ops::Mul(s, dy[0], Y(op)), ops::Mul(s, X(op), dy[0]),
                dx);
}
absl::Status DivGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  // d(x/y)/dy = -x / y^2
  Output gy = ops::Mul(
      s, dy[0], ops::Neg(s, ops::RealDiv(s, ops::RealDiv(s, X(op), Y(op)), Y(op))));
  return Binary(s, op, ops::RealDiv(s, dy[0], Y(op)), gy, dx);
}
// As DivGrad with every division a DivNoNan (TF's _DivNoNanGrad): no
// gradient flows where y == 0.
absl::Status DivNoNanGrad(const Scope& s, const Operation& op, const Grads& dy,
                          Grads* dx) {
  Output gy = ops::Mul(
      s, dy[0],
      ops::DivNoNan(s, ops::DivNoNan(s, ops::Neg(s, X(op)), Y(op)), Y(op)));
  return Binary(s, op, ops::DivNoNan(s, dy[0], Y(op)), gy, dx);
}
// Maximum/Minimum: the gradient goes to the selected input (x on ties).
absl::Status MaximumGrad(const Scope& s, const Operation& op, const Grads& dy,
                         Grads* dx) {
  const bool max = op.node->type_string() == "Maximum";
  Output pick_x = max ? ops::GreaterEqual(s, X(op), Y(op))
                      : ops::LessEqual(s, X(op), Y(op));
  const DataType t = dy[0].dtype();
  Output mx = ops::Cast(s, pick_x, t);
  Output my = ops::Cast(s, ops::LogicalNot(s, pick_x), t);
  return Binary(s, op, ops::Mul(s, dy[0], mx), ops::Mul(s, dy[0], my), dx);
}
absl::Status PowGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  Output x = X(op), y = Y(op);
  Output gx = ops::Mul(
      s, dy[0], ops::Mul(s, y, ops::Pow(s, x, ops::Sub(s, y, 1))));
  // z * log(x), taken as 0 where x <= 0 (log undefined there).
  Output positive = ops::Greater(s, x, 0);
  Output safe_x = ops::Select(s, positive, x, ops::OnesLike(s, x));
  Output log_x = ops::Select(s, positive, ops::Log(s, safe_x),
                             ops::ZerosLike(s, x));
  Output gy = ops::Mul(s, dy[0], ops::Mul(s, Z(op), log_x));
  return Binary(s, op, gx, gy, dx);
}
absl::Status SquaredDifferenceGrad(const Scope& s, const Operation& op,
                                   const Grads& dy, Grads* dx) {
  Output d = ops::Mul(s, ops::Mul(s, dy[0], 2), ops::Sub(s, X(op), Y(op)));
  return Binary(s, op, d, ops::Neg(s, d), dx);
}

REGISTER_GRADIENT("Add", AddGrad);
REGISTER_GRADIENT("AddV2", AddGrad);
REGISTER_GRADIENT("Sub", SubGrad);
REGISTER_GRADIENT("Mul", MulGrad);
REGISTER_GRADIENT("Div", DivGrad);
REGISTER_GRADIENT("RealDiv", DivGrad);
REGISTER_GRADIENT("DivNoNan", DivNoNanGrad);
REGISTER_GRADIENT("Maximum", MaximumGrad);
REGISTER_GRADIENT("Minimum", MaximumGrad);
REGISTER_GRADIENT("Pow", PowGrad);
REGISTER_GRADIENT("SquaredDifference", SquaredDifferenceGrad);

// ---- Unary ops: dx = dy * f'(x), written with x or with z = f(x).

template <Output (*Deriv)(const Scope&, const Output& x, const Output& z)>
absl::Status UnaryGrad(const Scope& s, const Operation& op, const Grads& dy,
                       Grads* dx) {
  *dx = {ops::Mul(s, dy[0], Deriv(s, X(op), Z(op)))};
  return absl::OkStatus();
}

Output AbsD(const Scope& s, const Output& x, const Output&) {
  return ops::Sign(s, x);
}
Output ExpD(const Scope&, const Output&, const Output& z) { return z; }
Output LogD(const Scope& s, const Output& x, const Output&) {
  return ops::Reciprocal(s, x);
}
Output SqrtD(const Scope& s, const Output&, const Output& z) {
  return ops::RealDiv(s, ops::Const(s, z.dtype(), {}, 0.5), z);
}
Output RsqrtD(const Scope& s, const Output&, const Output& z) {
  return ops::Mul(s, ops::Mul(s, ops::Square(s, z), z), -0.5);
}
Output SquareD(const Scope& s, const Output& x, const Output&) {
  return ops::Mul(s, x, 2);
}
Output TanhD(const Scope& s, const Output&, const Output& z) {
  return ops::Sub(s, 1, ops::Square(s, z));
}
Output SigmoidD(const Scope& s, const Output&, const Output& z) {
  return ops::Mul(s, z, ops::Sub(s, 1, z));
}
Output SinD(const Scope& s, const Output& x, const Output&) {
  return ops::Cos(s, x);
}
Output CosD(const Scope& s, const Output& x, const Output&) {
  return ops::Neg(s, ops::Sin(s, x));
}
Output ReciprocalD(const Scope& s, const Output&, const Output& z) {
  return ops::Neg(s, ops::Square(s, z));
}

absl::Status NegGrad(const Scope& s, const Operation&, const Grads& dy,
                     Grads* dx) {
  *dx = {ops::Neg(s, dy[0])};
  return absl::OkStatus();
}

REGISTER_GRADIENT("Neg", NegGrad);
REGISTER_GRADIENT("Abs", UnaryGrad<AbsD>);
REGISTER_GRADIENT("Exp", UnaryGrad<ExpD>);
REGISTER_GRADIENT("Log", UnaryGrad<LogD>);
REGISTER_GRADIENT("Sqrt", UnaryGrad<SqrtD>);
REGISTER_GRADIENT("Rsqrt", UnaryGrad<RsqrtD>);
REGISTER_GRADIENT("Square", UnaryGrad<SquareD>);
REGISTER_GRADIENT("Tanh", UnaryGrad<TanhD>);
REGISTER_GRADIENT("Sigmoid", UnaryGrad<SigmoidD>);
REGISTER_GRADIENT("Reciprocal", UnaryGrad<ReciprocalD>);
REGISTER_GRADIENT("Sin", UnaryGrad<SinD>);
REGISTER_GRADIENT("Cos", UnaryGrad<CosD>);
// Piecewise constant: zero gradient almost everywhere, none by TF's rules.
REGISTER_NO_GRADIENT("Sign");
REGISTER_NO_GRADIENT("Floor");
REGISTER_NO_GRADIENT("Ceil");
REGISTER_NO_GRADIENT("Round");
REGISTER_NO_GRADIENT("FloorDiv");
REGISTER_NO_GRADIENT("FloorMod");
REGISTER_NO_GRADIENT("Less");
REGISTER_NO_GRADIENT("LessEqual");
REGISTER_NO_GRADIENT("Greater");
REGISTER_NO_GRADIENT("GreaterEqual");
REGISTER_NO_GRADIENT("Equal");
REGISTER_NO_GRADIENT("NotEqual");
REGISTER_NO_GRADIENT("LogicalNot");
REGISTER_NO_GRADIENT("LogicalAnd");
REGISTER_NO_GRADIENT("LogicalOr");

// ---- Cast, Select, AddN.

absl::Status CastGrad(const Scope& s, const Operation& op, const Grads& dy,
                      Grads* dx) {
  const DataType src = op.node->input_type(0);
  const bool real = DataTypeIsFloating(src) &&
                    DataTypeIsFloating(op.node->output_type(0));
  *dx = {real ? ops::Cast(s, dy[0], src) : Output()};
  return absl::OkStatus();
}
absl::Status SelectGrad(const Scope& s, const Operation& op, const Grads& dy,
                        Grads* dx) {
  Output zeros = ops::ZerosLike(s, dy[0]);
  Output cond = X(op);
  if (op.node->type_string() == "Select") {
    *dx = {Output(), ops::Select(s, cond, dy[0], zeros),
           ops::Select(s, cond, zeros, dy[0])};
    return absl::OkStatus();
  }
  *dx = {Output(),
         ReduceToShape(s, ops::SelectV2(s, cond, dy[0], zeros), Y(op)),
         ReduceToShape(s, ops::SelectV2(s, cond, zeros, dy[0]),
                       op.node->input(2))};
  return absl::OkStatus();
}
absl::Status AddNGrad(const Scope&, const Operation& op, const Grads& dy,
                      Grads* dx) {
  dx->assign(op.node->num_inputs(), dy[0]);
  return absl::OkStatus();
}

REGISTER_GRADIENT("Cast", CastGrad);
REGISTER_GRADIENT("Select", SelectGrad);
REGISTER_GRADIENT("SelectV2", SelectGrad);
REGISTER_GRADIENT("AddN", AddNGrad);

// ---- MatMul and BatchMatMulV2.

// d(op(a) op(b)): for each transpose combination, the products that give
// da and db in their stored layouts.
absl::Status MatMulGrad(const Scope& s, const Operation& op, const Grads& dy,
                        Grads* dx) {
  const bool batch = op.node->type_string() == "BatchMatMulV2";
  bool ta = false, tb = false;
  RETURN_IF_ERROR(GetAttr(op.node->attrs(), batch ? "adj_x" : "transpose_a", &ta));
  RETURN_IF_ERROR(GetAttr(op.node->attrs(), batch ? "adj_y" : "transpose_b", &tb));
  auto mm = [&](const Output& a, const Output& b, bool t1, bool t2) {
    return batch ? ops::BatchMatMulV2(s, a, b, t1, t2)
                 : ops::MatMul(s, a, b, t1, t2);
  };
  const Output a = X(op), b = Y(op), g = dy[0];
  Output da, db;
  if (!ta && !tb) {
    da = mm(g, b, false, true);
    db = mm(a, g, true, false);
  } else if (!ta && tb) {
    da = mm(g, b, false, false);
    db = mm(g, a, true, false);
  } else if (ta && !tb) {
    da = mm(b, g, false, true);
    db = mm(a, g, false, false);
  } else {
    da = mm(b, g, true, true);
    db = mm(g, a, true, true);
  }
  if (batch) {
    da = ReduceToShape(s, da, a);
    db = ReduceToShape(s, db, b);
  }
  *dx = {da, db};
  return absl::OkStatus();
}

REGISTER_GRADIENT("MatMul", MatMulGrad);
REGISTER_GRADIENT("BatchMatMulV2", MatMulGrad);

// ---- Reductions.

bool KeepDimsAttr(const Operation& op) {
  bool keep = false;
  GetAttr(op.node->attrs(), "keep_dims", &keep).IgnoreError();
  return keep;
}

absl::Status SumGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  *dx = {grad::BroadcastReduced(s, dy[0], X(op), Y(op), KeepDimsAttr(op)),
         Output()};
  return absl::OkStatus();
}
absl::Status MeanGrad(const Scope& s, const Operation& op, const Grads& dy,
                      Grads* dx) {
  const Output x = X(op), z = Z(op);
  Output count;
  if (x.shape().IsFullyDefined() && z.shape().IsFullyDefined()) {
    const int64_t n = z.shape().num_elements();
    count = ops::Const(s, dy[0].dtype(), {},
                       n == 0 ? 1.0 : double(x.shape().num_elements()) / n);
  } else {
    count = ops::Cast(s,
                      ops::FloorDiv(s, ops::Size(s, x),
                                    ops::Maximum(s, ops::Size(s, z), 1)),
                      dy[0].dtype());
  }
  Output g = grad::BroadcastReduced(s, dy[0], x, Y(op), KeepDimsAttr(op));
  *dx = {ops::RealDiv(s, g, count), Output()};
  return absl::OkStatus();
}
// Max/Min: split the gradient evenly between the tied extreme elements.
absl::Status MaxGrad(const Scope& s, const Operation& op, const Grads& dy,
                     Grads* dx) {
  const Output x = X(op), axes = Y(op);
  const bool keep = KeepDimsAttr(op);
  Output z = keep ? Z(op) : grad::KeepDims(s, Z(op), x, axes);
  Output g = keep ? dy[0] : grad::KeepDims(s, dy[0], x, axes);
  Output hit = ops::Cast(s, ops::Equal(s, x, z), dy[0].dtype());
  Output ties = ops::Sum(s, hit, axes, /*keep_dims=*/true);
  *dx = {ops::Mul(s, ops::RealDiv(s, hit, ties), g), Output()};
  return absl::OkStatus();
}

REGISTER_GRADIENT("Sum", SumGrad);
REGISTER_GRADIENT("Mean", MeanGrad);
REGISTER_GRADIENT("Max", MaxGrad);
REGISTER_GRADIENT("Min", MaxGrad);
REGISTER_NO_GRADIENT("ArgMax");
REGISTER_NO_GRADIENT("ArgMin");

}  // namespace
}  // namespace tessera
