// Builders for the basic array ops. Each returns an Output (or Operation);
// on error the scope records it and the result is invalid.
#ifndef TESSERA_OPS_ARRAY_OPS_H_
#define TESSERA_OPS_ARRAY_OPS_H_

#include "core/source_location.h"
#include "graph/node_builder.h"

namespace tessera {
namespace ops {

// A constant from a Tensor or a C++ literal: Const(s, {{1.f, 2.f}}).
Output Const(const Scope& scope, const Input& value,
             SourceLocation loc = SourceLocation::Current());
// A constant of `dtype` and `shape` filled with `value` (converted).
Output Const(const Scope& scope, DataType dtype, const TensorShape& shape,
             double value, SourceLocation loc = SourceLocation::Current());

// A value that must be fed; `shape` may be partially known ({-1, 784}).
Output Placeholder(const Scope& scope, DataType dtype,
                   const PartialTensorShape& shape = PartialTensorShape(),
                   SourceLocation loc = SourceLocation::Current());
Output PlaceholderWithDefault(const Scope& scope, const Input& input,
                              const PartialTensorShape& shape,
                              SourceLocation loc = SourceLocation::Current());
Output Identity(const Scope& scope, const Input& input,
                SourceLocation loc = SourceLocation::Current());
Operation NoOp(const Scope& scope,
               SourceLocation loc = SourceLocation::Current());
// A NoOp that depends on every op in `deps` (TF's tf.group).
Operation Group(const Scope& scope, const std::vector<Operation>& deps,
                SourceLocation loc = SourceLocation::Current());

}  // namespace ops
}  // namespace tessera

#endif  // TESSERA_OPS_ARRAY_OPS_H_
