// Builders for the matrix products MatMul and BatchMatMulV2.
#ifndef TESSERA_OPS_LINALG_OPS_H_
#define TESSERA_OPS_LINALG_OPS_H_

#include "core/source_location.h"
#include "graph/node_builder.h"

namespace tessera {
namespace ops {

// product = op(a) * op(b) for rank-2 a and b, op being an optional
// transpose.
Output MatMul(const Scope& scope, const Input& a, const Input& b,
              bool transpose_a = false, bool transpose_b = false,
              SourceLocation loc = SourceLocation::Current());

// Batched matrix product over the last two dims; the leading (batch) dims
// broadcast NumPy style. adj_x / adj_y transpose (adjoint) the matrices.
Output BatchMatMulV2(const Scope& scope, const Input& x, const Input& y,
                     bool adj_x = false, bool adj_y = false,
                     SourceLocation loc = SourceLocation::Current());

}  // namespace ops
}  // namespace tessera

#endif  // TESSERA_OPS_LINALG_OPS_H_
