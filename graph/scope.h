// Scope: a cheap value naming where new ops go — the graph, the name scope,
// control dependencies and device — plus a sticky error status shared by
// every scope derived from the same root (as in TensorFlow's C++ API).
//
//   Scope root = Scope::NewRootScope();
//   Scope layer = root.NewSubScope("dense");      // names "dense/..."
//   auto y = ops::MatMul(layer.WithOpName("y"), x, w);
//   if (!root.ok()) ... root.status() names the failing node
#ifndef TESSERA_GRAPH_SCOPE_H_
#define TESSERA_GRAPH_SCOPE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"

namespace tessera {

// TF1's variable-scope reuse modes. Reuse is inherited: once a scope
// reuses, its children do too.
enum class VariableReuse {
  kNone,       // GetVariable creates; an existing name is an error
  kReuse,      // GetVariable finds; a missing name is an error
  kAutoReuse,  // GetVariable finds or creates
};

class Scope {
 public:
  // A root scope over a new graph that the scopes share ownership of.
  static Scope NewRootScope();
  // A root scope over `graph`, which must outlive every derived scope.
  static Scope ForGraph(Graph* graph);

  // Ops built in the child get the prefix "<this prefix>/<child>/", with the
  // child name made unique ("child_1") as TF1's name_scope does.
  Scope NewSubScope(const std::string& child) const;
  // The next op built gets this name (made unique) instead of its default.
  Scope WithOpName(const std::string& op_name) const;
  // Adds control dependencies to every op built in the returned scope.
  Scope WithControlDependencies(const std::vector<Operation>& deps) const;
  Scope WithNoControlDependencies() const;
  // The root name scope, without pending op name or control dependencies
  // (TF1's name_scope(None) inside init_scope: where variables are built).
  Scope AtRootNameScope() const;
  // The root variable scope, reuse off (for graph-wide variables such as
  // the global step).
  Scope AtRootVariableScope() const;
  // Uses `prefix` as the name scope exactly, without making it unique (TF's
  // name_scope("prefix/")): for re-entering a scope already made.
  Scope ReenterNameScope(const std::string& prefix) const;
  // Enters a variable scope (TF1's tf.variable_scope): GetVariable names
  // become "<outer vars>/<name>/var"; op names get a name scope as with
  // NewSubScope (re-entering "model" gives ops "model_1/..." while variables
  // stay "model/..."). `reuse` can only strengthen the inherited mode.
  Scope WithVariableScope(const std::string& name,
                          VariableReuse reuse = VariableReuse::kNone) const;
  // Same variable scope with another reuse mode (inheritance still holds).
  Scope WithReuse(VariableReuse reuse) const;
  // Requests a device ("/cpu:0", "/device:GPU:0") for the ops built here.
  Scope WithDevice(const std::string& device) const;

  Graph* graph() const { return graph_; }
  std::shared_ptr<Graph> graph_as_shared_ptr() const { return owned_graph_; }
  // "outer/inner", "" at the root.
  const std::string& name_prefix() const { return prefix_; }
  const std::string& device() const { return device_; }
  const std::vector<Node*>& control_deps() const { return control_deps_; }
  // "model/dense", "" at the root.
  const std::string& variable_scope_name() const { return var_prefix_; }
  VariableReuse reuse() const { return reuse_; }

  absl::Status status() const;
  bool ok() const { return status().ok(); }
  // Records the first error; later ops built from any related scope no-op.
  void UpdateStatus(const absl::Status& s) const;

  // Full unique name for a new op: the WithOpName name or `default_name`,
  // under the prefix.
  std::string GetUniqueNameForOp(const std::string& default_name) const;
  absl::Status ToGraphDef(::tensorflow::GraphDef* graph_def) const;

 private:
  struct SharedStatus;
  Scope() = default;

  Graph* graph_ = nullptr;
  std::shared_ptr<Graph> owned_graph_;
  std::shared_ptr<SharedStatus> status_;
  std::string prefix_;
  std::string op_name_;
  std::string device_;
  std::vector<Node*> control_deps_;
  std::string var_prefix_;
  VariableReuse reuse_ = VariableReuse::kNone;
};

}  // namespace tessera

#endif  // TESSERA_GRAPH_SCOPE_H_
