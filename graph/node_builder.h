// Input: anything that can feed an op — an Output, a Tensor, or a C++
// literal (1.0f, {1, 2}, {{1.f, 2.f}, {3.f, 4.f}}) that becomes a Const.
// NodeBuilder: adds one node through a Scope; the typed op wrappers in ops/
// are thin layers over it.
#ifndef TESSERA_GRAPH_NODE_BUILDER_H_
#define TESSERA_GRAPH_NODE_BUILDER_H_

#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "core/attr_value.h"
#include "core/source_location.h"
#include "core/tensor.h"
#include "graph/scope.h"

namespace tessera {

class Input {
 public:
  Input(const Output& output) : output_(output) {}  // NOLINT
  Input(const Operation& op) : output_(Output{op.node, 0}) {}  // NOLINT
  Input(const Tensor& value) : literal_(value), is_literal_(true) {}  // NOLINT
  // A variable's value (its shared read op).
  Input(const Variable* v)  // NOLINT
      : output_(v != nullptr ? Output{v->read, 0} : Output{}) {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  Input(T value)  // NOLINT
      : literal_(Tensor::Scalar<Promoted<T>>(value)), is_literal_(true) {}
  Input(const char* value)  // NOLINT
      : literal_(Tensor::Scalar<tstring>(value)), is_literal_(true) {}
  Input(const std::string& value)  // NOLINT
      : literal_(Tensor::Scalar<tstring>(value)), is_literal_(true) {}
  template <typename T>
  Input(std::initializer_list<T> values)  // NOLINT
      : literal_(Tensor::FromVector(std::vector<Promoted<T>>(
            values.begin(), values.end()))),
        is_literal_(true) {}
  template <typename T>
  Input(std::initializer_list<std::initializer_list<T>> rows);  // NOLINT

  bool is_literal() const { return is_literal_; }
  const Output& output() const { return output_; }
  const Tensor& literal() const { return literal_; }
  const absl::Status& status() const { return status_; }

 private:
  // int literals become int32 tensors, as in TensorFlow.
  template <typename T>
  using Promoted = std::conditional_t<std::is_same_v<T, int>, int32_t, T>;

  Output output_;
  Tensor literal_;
  bool is_literal_ = false;
  absl::Status status_;
};

template <typename T>
Input::Input(std::initializer_list<std::initializer_list<T>> rows)
    : is_literal_(true) {
  std::vector<Promoted<T>> flat;
  size_t cols = rows.size() == 0 ? 0 : rows.begin()->size();
  for (const auto& row : rows) {
    if (row.size() != cols) {
      status_ = absl::InvalidArgumentError(
          "ragged initializer list: every row needs the same length");
      return;
    }
    flat.insert(flat.end(), row.begin(), row.end());
  }
  literal_ = Tensor::FromVector(
      flat, TensorShape({static_cast<int64_t>(rows.size()),
                         static_cast<int64_t>(cols)}));
}

// Several inputs for a list arg (ConcatV2's values, Pack's values...).
using InputList = std::vector<Input>;

class NodeBuilder {
 public:
  // `default_name` is used (under the scope's prefix) unless the scope
  // carries a WithOpName name.
  NodeBuilder(const Scope& scope, std::string op, std::string default_name,
              SourceLocation created_at);

  NodeBuilder& Input(const ::tessera::Input& input);
  NodeBuilder& Input(const InputList& inputs);
  NodeBuilder& ControlInput(Operation op);
  NodeBuilder& Attr(const std::string& name, AttrValue value);
  template <typename T>
  NodeBuilder& Attr(const std::string& name, const T& value) {
    return Attr(name, MakeAttr(value));
  }

  // Adds the node. Literal inputs become Consts, converted to the dtype
  // that the op's other inputs fix (so `Add(x_float, 2)` adds 2.0f). On
  // error records it in the scope and returns an invalid Operation.
  Operation Finalize();
  absl::StatusOr<Node*> TryFinalize();

 private:
  absl::StatusOr<Output> MaterializeLiteral(const ::tessera::Input& in,
                                            DataType want);
  Scope scope_;
  std::string op_, default_name_;
  SourceLocation created_at_;
  std::vector<std::vector<::tessera::Input>> args_;
  std::vector<Node*> control_inputs_;
  AttrValueMap attrs_;
};

// Adds a Const holding `value` (used for literal inputs).
Output MakeConst(const Scope& scope, const Tensor& value,
                 SourceLocation created_at = SourceLocation::Current());

// Converts a numeric tensor to `dtype` (for literals); fails for strings or
// values that do not fit.
absl::StatusOr<Tensor> ConvertLiteral(const Tensor& value, DataType dtype);

}  // namespace tessera

#endif  // TESSERA_GRAPH_NODE_BUILDER_H_
