// The op registry: every op is declared once, TensorFlow style:
//
//   REGISTER_OP("AddV2")
//       .Input("x: T").Input("y: T").Output("z: T")
//       .Attr("T: {float, double, int32, int64}")
//       .SetIsCommutative()
//       .SetShapeFn(shape_fn::BroadcastBinaryOpShape);
//
// The specs are parsed into a TensorFlow OpDef proto, so exported graphs
// carry the same op definitions TensorFlow would.
#ifndef TESSERA_CORE_OP_REGISTRY_H_
#define TESSERA_CORE_OP_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/shape_inference.h"
#include "core/types.h"
#include "proto/node_def.pb.h"
#include "proto/op_def.pb.h"

namespace tessera {

using OpDef = ::tensorflow::OpDef;
using NodeDef = ::tensorflow::NodeDef;

struct OpRegistration {
  OpDef op_def;
  ShapeFn shape_fn;
};

class OpDefBuilder {
 public:
  explicit OpDefBuilder(std::string op_name);
  // "name: T", "name: float", "name: N * T", "name: list_attr",
  // "name: Ref(T)".
  OpDefBuilder& Input(std::string spec);
  OpDefBuilder& Output(std::string spec);
  // "T: type", "T: {float, int32} = DT_FLOAT", "N: int >= 1",
  // "padding: {'SAME', 'VALID'}", "strides: list(int)", "x: float = 0.5".
  OpDefBuilder& Attr(std::string spec);
  OpDefBuilder& SetIsCommutative();
  OpDefBuilder& SetIsAggregate();
  OpDefBuilder& SetIsStateful();
  OpDefBuilder& SetAllowsUninitializedInput();
  OpDefBuilder& SetShapeFn(ShapeFn fn);
  OpDefBuilder& Doc(std::string summary);

  // Parses every spec; the first error names the op and the spec.
  absl::StatusOr<OpRegistration> Finalize() const;

 private:
  OpDef op_def_;
  std::vector<std::string> inputs_, outputs_, attrs_;
  ShapeFn shape_fn_;
};

class OpRegistry {
 public:
  static OpRegistry* Global();

  // Registration errors are kept and reported when the op is looked up (or
  // by CheckAllRegistrations), never by aborting at start-up.
  void Register(const OpDefBuilder& builder);
  absl::StatusOr<const OpRegistration*> LookUp(const std::string& op) const;
  std::vector<std::string> ListOps() const;
  // Every registration error so far, joined; OK when none.
  absl::Status CheckAllRegistrations() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<OpRegistration>> ops_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Status> errors_ ABSL_GUARDED_BY(mu_);
};

// Registers into the global registry from a static initializer.
struct OpDefBuilderReceiver {
  OpDefBuilderReceiver(const OpDefBuilder& builder) {  // NOLINT
    OpRegistry::Global()->Register(builder);
  }
};

#define TS_REGISTER_OP_UNIQ(ctr, name)                                  \
  static ::tessera::OpDefBuilderReceiver ts_register_op_##ctr           \
      __attribute__((unused)) = ::tessera::OpDefBuilder(name)
#define TS_REGISTER_OP_UNIQ_HELPER(ctr, name) TS_REGISTER_OP_UNIQ(ctr, name)
#define REGISTER_OP(name) TS_REGISTER_OP_UNIQ_HELPER(__COUNTER__, name)

// ---- Node typing against an OpDef (used by the graph and kernels).

// Adds the op's default attr values that `node_def` lacks.
void AddDefaultAttrs(const OpDef& op_def, NodeDef* node_def);
// Checks that every attr is declared, present, of the right kind and within
// allowed values / minimums. Errors name the attr.
absl::Status ValidateAttrs(const OpDef& op_def, const NodeDef& node_def);
// The dtypes of each input and output, expanding N * T and type lists.
absl::Status InOutTypesForNode(const NodeDef& node_def, const OpDef& op_def,
                               std::vector<DataType>* inputs,
                               std::vector<DataType>* outputs);
// Sets the type attrs (T, N, type lists) that the input dtypes determine and
// `node_def` lacks, then the defaults. `arg_types[i]` holds the dtypes fed to
// input arg i (one entry, or several for a list arg).
absl::Status InferAttrsFromInputs(
    const OpDef& op_def, const std::vector<std::vector<DataType>>& arg_types,
    NodeDef* node_def);
// Number of tensors that input/output arg `arg` stands for.
absl::StatusOr<int> ArgCount(const OpDef::ArgDef& arg,
                             const NodeDef& node_def);

}  // namespace tessera

#endif  // TESSERA_CORE_OP_REGISTRY_H_
