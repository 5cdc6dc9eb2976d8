// Builders for the element-wise math ops: arithmetic with NumPy
// broadcasting, unary math, comparisons, logical ops, Cast, Select and AddN.
// Default node names are the op names, as TensorFlow's Python gives them.
#ifndef TESSERA_OPS_MATH_OPS_H_
#define TESSERA_OPS_MATH_OPS_H_

#include "core/source_location.h"
#include "graph/node_builder.h"

namespace tessera {
namespace ops {

// ---- Binary arithmetic (broadcasting).
Output Add(const Scope& scope, const Input& x, const Input& y,
           SourceLocation loc = SourceLocation::Current());
Output AddV2(const Scope& scope, const Input& x, const Input& y,
             SourceLocation loc = SourceLocation::Current());
Output Sub(const Scope& scope, const Input& x, const Input& y,
           SourceLocation loc = SourceLocation::Current());
Output Mul(const Scope& scope, const Input& x, const Input& y,
           SourceLocation loc = SourceLocation::Current());
// Integers: truncates toward zero (C semantics); floats: x / y.
Output Div(const Scope& scope, const Input& x, const Input& y,
           SourceLocation loc = SourceLocation::Current());
Output RealDiv(const Scope& scope, const Input& x, const Input& y,
               SourceLocation loc = SourceLocation::Current());
// x / y, or 0 where y == 0 (tf.math.divide_no_nan; floats).
Output DivNoNan(const Scope& scope, const Input& x, const Input& y,
                SourceLocation loc = SourceLocation::Current());
// floor(x / y), for integers and floats.
Output FloorDiv(const Scope& scope, const Input& x, const Input& y,
                SourceLocation loc = SourceLocation::Current());
// x - floor(x / y) * y: the result has the sign of y.
Output FloorMod(const Scope& scope, const Input& x, const Input& y,
                SourceLocation loc = SourceLocation::Current());
Output Maximum(const Scope& scope, const Input& x, const Input& y,
               SourceLocation loc = SourceLocation::Current());
Output Minimum(const Scope& scope, const Input& x, const Input& y,
               SourceLocation loc = SourceLocation::Current());
Output Pow(const Scope& scope, const Input& x, const Input& y,
           SourceLocation loc = SourceLocation::Current());
Output SquaredDifference(const Scope& scope, const Input& x, const Input& y,
                         SourceLocation loc = SourceLocation::Current());

// ---- Unary math.
Output Neg(const Scope& scope, const Input& x,
           SourceLocation loc = SourceLocation::Current());
Output Abs(const Scope& scope, const Input& x,
           SourceLocation loc = SourceLocation::Current());
Output Exp(const Scope& scope, const Input& x,
           SourceLocation loc = SourceLocation::Current());
Output Log(const Scope& scope, const Input& x,
           SourceLocation loc = SourceLocation::Current());
Output Sqrt(const Scope& scope, const Input& x,
            SourceLocation loc = SourceLocation::Current());
Output Rsqrt(const Scope& scope, const Input& x,
             SourceLocation loc = SourceLocation::Current());
Output Square(const Scope& scope, const Input& x,
              SourceLocation loc = SourceLocation::Current());
Output Tanh(const Scope& scope, const Input& x,
            SourceLocation loc = SourceLocation::Current());
Output Sigmoid(const Scope& scope, const Input& x,
               SourceLocation loc = SourceLocation::Current());
Output Sin(const Scope& scope, const Input& x,
           SourceLocation loc = SourceLocation::Current());
Output Cos(const Scope& scope, const Input& x,
           SourceLocation loc = SourceLocation::Current());
Output Reciprocal(const Scope& scope, const Input& x,
                  SourceLocation loc = SourceLocation::Current());
Output Sign(const Scope& scope, const Input& x,
            SourceLocation loc = SourceLocation::Current());
Output Floor(const Scope& scope, const Input& x,
             SourceLocation loc = SourceLocation::Current());
Output Ceil(const Scope& scope, const Input& x,
            SourceLocation loc = SourceLocation::Current());
// Rounds halves to even.
Output Round(const Scope& scope, const Input& x,
             SourceLocation loc = SourceLocation::Current());

// ---- Comparisons (bool output, broadcasting).
// With incompatible_shape_error = false, shapes that do not broadcast give
// a scalar false (Equal) or true (NotEqual) instead of an error.
Output Equal(const Scope& scope, const Input& x, const Input& y,
             bool incompatible_shape_error = true,
             SourceLocation loc = SourceLocation::Current());
Output NotEqual(const Scope& scope, const Input& x, const Input& y,
                bool incompatible_shape_error = true,
                SourceLocation loc = SourceLocation::Current());
Output Less(const Scope& scope, const Input& x, const Input& y,
            SourceLocation loc = SourceLocation::Current());
Output LessEqual(const Scope& scope, const Input& x, const Input& y,
                 SourceLocation loc = SourceLocation::Current());
Output Greater(const Scope& scope, const Input& x, const Input& y,
               SourceLocation loc = SourceLocation::Current());
Output GreaterEqual(const Scope& scope, const Input& x, const Input& y,
                    SourceLocation loc = SourceLocation::Current());

// ---- Logical (bool).
Output LogicalAnd(const Scope& scope, const Input& x, const Input& y,
                  SourceLocation loc = SourceLocation::Current());
Output LogicalOr(const Scope& scope, const Input& x, const Input& y,
                 SourceLocation loc = SourceLocation::Current());
Output LogicalNot(const Scope& scope, const Input& x,
                  SourceLocation loc = SourceLocation::Current());

// ---- Cast, Select, AddN.
Output Cast(const Scope& scope, const Input& x, DataType dst,
            bool truncate = false,
            SourceLocation loc = SourceLocation::Current());
// TF1 select: `condition` is a scalar, has the shape of `t`, or is a vector
// choosing rows of `t` / `e`.
Output Select(const Scope& scope, const Input& condition, const Input& t,
              const Input& e, SourceLocation loc = SourceLocation::Current());
// TensorFlow's C++ name for the Select op.
Output Where3(const Scope& scope, const Input& condition, const Input& t,
              const Input& e, SourceLocation loc = SourceLocation::Current());
// condition, t and e broadcast together.
Output SelectV2(const Scope& scope, const Input& condition, const Input& t,
                const Input& e, SourceLocation loc = SourceLocation::Current());
// The sum of same-shape tensors.
Output AddN(const Scope& scope, const InputList& inputs,
            SourceLocation loc = SourceLocation::Current());

}  // namespace ops
}  // namespace tessera

#endif  // TESSERA_OPS_MATH_OPS_H_
