// Graph collections (TF1's tf.add_to_collection / tf.get_collection) and the
// Variable record that the variable collections hold.
#ifndef TESSERA_GRAPH_COLLECTIONS_H_
#define TESSERA_GRAPH_COLLECTIONS_H_

#include <cstdint>
#include <string>
#include <variant>

#include "core/source_location.h"
#include "core/tensor_shape.h"
#include "core/types.h"

namespace tessera {

class Node;

// The standard keys, spelled as TensorFlow spells them (they appear in
// exported MetaGraphDefs).
namespace GraphKeys {
inline constexpr char kGlobalVariables[] = "variables";
inline constexpr char kLocalVariables[] = "local_variables";
inline constexpr char kTrainableVariables[] = "trainable_variables";
inline constexpr char kModelVariables[] = "model_variables";
inline constexpr char kMetricVariables[] = "metric_variables";
inline constexpr char kUpdateOps[] = "update_ops";
inline constexpr char kSummaries[] = "summaries";
inline constexpr char kLosses[] = "losses";
inline constexpr char kRegularizationLosses[] = "regularization_losses";
inline constexpr char kGlobalStep[] = "global_step";
inline constexpr char kTrainOp[] = "train_op";
inline constexpr char kInitOp[] = "init_op";
inline constexpr char kLocalInitOp[] = "local_init_op";
inline constexpr char kReadyOp[] = "ready_op";
inline constexpr char kSavers[] = "savers";
inline constexpr char kAssetFilepaths[] = "asset_filepaths";
}  // namespace GraphKeys

// Output and Operation are defined in graph.h; collections store them by
// value, so this header only forward-declares what it can.
struct Output;
struct Operation;

// A variable as the graph knows it (TF1's Variable object). Owned by the
// Graph; collections and users hold pointers.
struct Variable {
  std::string name;         // op name, e.g. "model/dense/kernel"
  Node* handle = nullptr;   // VarHandleOp (resource) or VariableV2 (ref)
  Node* read = nullptr;     // ReadVariableOp / Identity: the value to use
  Node* initializer = nullptr;  // the assign op that initializes it
  Node* initial_value = nullptr;
  int initial_value_index = 0;
  DataType dtype = DT_INVALID;
  PartialTensorShape shape;
  bool trainable = true;
  bool is_resource = true;
  SourceLocation created_at;
};

}  // namespace tessera

#endif  // TESSERA_GRAPH_COLLECTIONS_H_
