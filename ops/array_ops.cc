// Const, Placeholder, PlaceholderWithDefault, Identity, NoOp: declarations
// (TensorFlow's names and attrs) and builders.
#include "ops/array_ops.h"

#include "core/op_registry.h"
#include "core/status.h"

namespace tessera {

REGISTER_OP("Const")
    .Output("output: dtype")
    .Attr("value: tensor")
    .Attr("dtype: type")
    .SetShapeFn([](InferenceContext* c) {
      Tensor value;
      RETURN_IF_ERROR(c->GetAttr("value", &value));
      DataType dtype;
      RETURN_IF_ERROR(c->GetAttr("dtype", &dtype));
      if (value.dtype() != dtype) {
        return absl::InvalidArgumentError(absl::StrCat(
            "value has dtype ", DataTypeString(value.dtype()),
            " but attr dtype is ", DataTypeString(dtype)));
      }
      c->set_output(0, value.shape());
      return absl::OkStatus();
    });

REGISTER_OP("Placeholder")
    .Output("output: dtype")
    .Attr("dtype: type")
    .Attr("shape: shape = { unknown_rank: true }")
    .SetShapeFn([](InferenceContext* c) {
      PartialTensorShape shape;
      RETURN_IF_ERROR(c->GetAttr("shape", &shape));
      c->set_output(0, shape);
      return absl::OkStatus();
    });

REGISTER_OP("PlaceholderWithDefault")
    .Input("input: dtype")
    .Output("output: dtype")
    .Attr("dtype: type")
    .Attr("shape: shape")
    .SetShapeFn([](InferenceContext* c) {
      PartialTensorShape shape;
      RETURN_IF_ERROR(c->GetAttr("shape", &shape));
      if (!shape.IsCompatibleWith(c->input(0))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "default value of shape ", c->input(0).DebugString(),
            " does not match the shape ", shape.DebugString()));
      }
      c->set_output(0, shape);
      return absl::OkStatus();
    });

REGISTER_OP("Identity")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("NoOp").SetShapeFn(shape_fn::UnknownShape);

namespace ops {

Output Const(const Scope& scope, const Input& value, SourceLocation loc) {
  if (!value.is_literal()) {
    scope.UpdateStatus(absl::InvalidArgumentError(absl::StrCat(
        "Const at ", loc.ToString(), " needs a literal or Tensor value")));
    return Output();
  }
  if (!value.status().ok()) {
    scope.UpdateStatus(AnnotateStatus(value.status(),
                                      absl::StrCat("Const at ", loc.ToString())));
    return Output();
  }
  return MakeConst(scope, value.literal(), loc);
}

Output Const(const Scope& scope, DataType dtype, const TensorShape& shape,
             double value, SourceLocation loc) {
  Tensor t(DT_DOUBLE, shape);
  std::fill_n(t.data<double>(), t.NumElements(), value);
  auto converted = ConvertLiteral(t, dtype);
  if (!converted.ok()) {
    scope.UpdateStatus(converted.status());
    return Output();
  }
  return MakeConst(scope, *converted, loc);
}

Output Placeholder(const Scope& scope, DataType dtype,
                   const PartialTensorShape& shape, SourceLocation loc) {
  return NodeBuilder(scope, "Placeholder", "Placeholder", loc)
      .Attr("dtype", dtype)
      .Attr("shape", shape)
      .Finalize()
      .output(0);
}

Output PlaceholderWithDefault(const Scope& scope, const Input& input,
                              const PartialTensorShape& shape,
                              SourceLocation loc) {
  return NodeBuilder(scope, "PlaceholderWithDefault", "PlaceholderWithDefault",
                     loc)
      .Input(input)
      .Attr("shape", shape)
      .Finalize()
      .output(0);
}

Output Identity(const Scope& scope, const Input& input, SourceLocation loc) {
  return NodeBuilder(scope, "Identity", "Identity", loc)
      .Input(input)
      .Finalize()
      .output(0);
}

Operation NoOp(const Scope& scope, SourceLocation loc) {
  return NodeBuilder(scope, "NoOp", "NoOp", loc).Finalize();
}

Operation Group(const Scope& scope, const std::vector<Operation>& deps,
                SourceLocation loc) {
  NodeBuilder b(scope, "NoOp", "group_deps", loc);
  for (const Operation& d : deps) b.ControlInput(d);
  return b.Finalize();
}

}  // namespace ops
}  // namespace tessera
