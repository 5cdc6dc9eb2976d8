// Shape functions: run when a node is added to a graph, so that shape errors
// surface at construction time with the node's name.
#ifndef TESSERA_CORE_SHAPE_INFERENCE_H_
#define TESSERA_CORE_SHAPE_INFERENCE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/attr_value.h"
#include "core/tensor.h"
#include "core/tensor_shape.h"
#include "proto/node_def.pb.h"

namespace tessera {

// What a DT_RESOURCE tensor points at (a variable's dtype and shape), so
// that ReadVariableOp's output shape is known at construction time.
struct HandleData {
  DataType dtype = DT_INVALID;
  PartialTensorShape shape;
  bool known() const { return dtype != DT_INVALID; }
};

class InferenceContext {
 public:
  // `input_tensors[i]` is the value of input i when known at construction
  // time (a Const), else null. Not owned.
  InferenceContext(const ::tensorflow::NodeDef* node_def,
                   std::vector<PartialTensorShape> input_shapes,
                   std::vector<const Tensor*> input_tensors, int num_outputs);

  const ::tensorflow::NodeDef& node_def() const { return *node_def_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const PartialTensorShape& input(int i) const { return inputs_[i]; }
  const Tensor* input_tensor(int i) const { return input_tensors_[i]; }
  const PartialTensorShape& output(int i) const { return outputs_[i]; }
  void set_output(int i, PartialTensorShape shape) {
    outputs_[i] = std::move(shape);
  }
  const std::vector<PartialTensorShape>& outputs() const { return outputs_; }

  // Resource inputs: what the handle points at (unknown() if not known).
  void set_input_handle_data(std::vector<HandleData> data) {
    input_handle_data_ = std::move(data);
  }
  HandleData input_handle_data(int i) const {
    return i < static_cast<int>(input_handle_data_.size())
               ? input_handle_data_[i]
               : HandleData();
  }
  void set_output_handle_data(int i, HandleData data) {
    if (output_handle_data_.size() < outputs_.size()) {
      output_handle_data_.resize(outputs_.size());
    }
    output_handle_data_[i] = std::move(data);
  }
  const std::vector<HandleData>& output_handle_data() const {
    return output_handle_data_;
  }

  template <typename T>
  absl::Status GetAttr(absl::string_view name, T* value) const {
    return ::tessera::GetAttr(node_def_->attr(), name, value);
  }

  // Reads a 1-D int32/int64 input that describes a shape (e.g. Reshape's
  // `shape`, Fill's `dims`) as a partial shape: unknown when the value is
  // not known; -1 entries become unknown dims.
  absl::Status InputAsShape(int i, PartialTensorShape* shape) const;

  // Checks that `shape` has rank `rank` (or unknown rank), returning the
  // shape with the rank made known. Errors name the input.
  absl::Status WithRank(int input, int rank, PartialTensorShape* out) const;
  absl::Status WithRankAtLeast(int input, int rank,
                               PartialTensorShape* out) const;
  absl::Status WithRankAtMost(int input, int rank,
                              PartialTensorShape* out) const;

 private:
  const ::tensorflow::NodeDef* node_def_;
  std::vector<PartialTensorShape> inputs_;
  std::vector<const Tensor*> input_tensors_;
  std::vector<PartialTensorShape> outputs_;
  std::vector<HandleData> input_handle_data_;
  std::vector<HandleData> output_handle_data_;
};

using ShapeFn = std::function<absl::Status(InferenceContext*)>;

namespace shape_fn {
// Output 0 has input 0's shape (and, for resources, its handle data).
absl::Status UnchangedShape(InferenceContext* c);
// Every output is a scalar.
absl::Status ScalarShape(InferenceContext* c);
// Every output is of unknown shape.
absl::Status UnknownShape(InferenceContext* c);
// NumPy broadcasting of inputs 0 and 1 into output 0.
absl::Status BroadcastBinaryOpShape(InferenceContext* c);
}  // namespace shape_fn

// NumPy broadcasting of two partial shapes; fails naming both shapes.
absl::StatusOr<PartialTensorShape> BroadcastShapes(const PartialTensorShape& a,
                                                   const PartialTensorShape& b);

}  // namespace tessera

#endif  // TESSERA_CORE_SHAPE_INFERENCE_H_
