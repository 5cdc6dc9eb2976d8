// Builders for the shape-manipulation ops: Reshape, Shape, Size, Rank,
// ExpandDims, Squeeze, Transpose, Fill, ZerosLike, OnesLike, Range, Tile,
// Pad, PadV2 and MirrorPad. Node names default to what TF's Python API
// would give them ("Reshape", "transpose", "zeros_like", "range"...).
#ifndef TESSERA_OPS_SHAPE_OPS_H_
#define TESSERA_OPS_SHAPE_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/source_location.h"
#include "graph/node_builder.h"

namespace tessera {
namespace ops {

// `shape` may hold one -1, inferred from the element count.
Output Reshape(const Scope& scope, const Input& tensor, const Input& shape,
               SourceLocation loc = SourceLocation::Current());
// The shape of `input` as a 1-D int32 (or int64) tensor.
Output Shape(const Scope& scope, const Input& input,
             DataType out_type = DT_INT32,
             SourceLocation loc = SourceLocation::Current());
// The number of elements of `input`, as a scalar.
Output Size(const Scope& scope, const Input& input,
            DataType out_type = DT_INT32,
            SourceLocation loc = SourceLocation::Current());
// The rank of `input` as an int32 scalar.
Output Rank(const Scope& scope, const Input& input,
            SourceLocation loc = SourceLocation::Current());
// Inserts a size-1 dim at `axis` (in [-rank-1, rank]).
Output ExpandDims(const Scope& scope, const Input& input, const Input& axis,
                  SourceLocation loc = SourceLocation::Current());
// Removes the size-1 dims listed in `axis`, or every size-1 dim if empty.
Output Squeeze(const Scope& scope, const Input& input,
               std::vector<int64_t> axis = {},
               SourceLocation loc = SourceLocation::Current());
// Output dim i is input dim perm[i].
Output Transpose(const Scope& scope, const Input& x, const Input& perm,
                 SourceLocation loc = SourceLocation::Current());
// A tensor of shape `dims` filled with the scalar `value`.
Output Fill(const Scope& scope, const Input& dims, const Input& value,
            SourceLocation loc = SourceLocation::Current());
Output ZerosLike(const Scope& scope, const Input& x,
                 SourceLocation loc = SourceLocation::Current());
Output OnesLike(const Scope& scope, const Input& x,
                SourceLocation loc = SourceLocation::Current());
// [start, start + delta, ...) up to but excluding `limit`.
Output Range(const Scope& scope, const Input& start, const Input& limit,
             const Input& delta, SourceLocation loc = SourceLocation::Current());
// Repeats `input` multiples[i] times along dim i.
Output Tile(const Scope& scope, const Input& input, const Input& multiples,
            SourceLocation loc = SourceLocation::Current());
// Pads with zeros; `paddings` is [rank, 2] (before, after) per dim.
Output Pad(const Scope& scope, const Input& input, const Input& paddings,
           SourceLocation loc = SourceLocation::Current());
// Pads with the scalar `constant_values`.
Output PadV2(const Scope& scope, const Input& input, const Input& paddings,
             const Input& constant_values,
             SourceLocation loc = SourceLocation::Current());
// Pads by mirroring; `mode` is "REFLECT" or "SYMMETRIC".
Output MirrorPad(const Scope& scope, const Input& input, const Input& paddings,
                 const std::string& mode,
                 SourceLocation loc = SourceLocation::Current());

}  // namespace ops
}  // namespace tessera

#endif  // TESSERA_OPS_SHAPE_OPS_H_
