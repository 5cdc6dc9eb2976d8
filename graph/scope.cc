#include "graph/scope.h"

#include "absl/synchronization/mutex.h"

namespace tessera {

struct Scope::SharedStatus {
  absl::Mutex mu;
  absl::Status status ABSL_GUARDED_BY(mu);
};

Scope Scope::NewRootScope() {
  auto graph = std::make_shared<Graph>();
  Scope s = ForGraph(graph.get());
  s.owned_graph_ = std::move(graph);
  return s;
}

Scope Scope::ForGraph(Graph* graph) {
  Scope s;
  s.graph_ = graph;
  s.status_ = std::make_shared<SharedStatus>();
  return s;
}

Scope Scope::NewSubScope(const std::string& child) const {
  Scope s = *this;
  s.op_name_.clear();
  if (child.empty()) return s;
  std::string full = prefix_.empty() ? child : prefix_ + "/" + child;
  s.prefix_ = graph_->NewName(full);
  return s;
}

Scope Scope::WithOpName(const std::string& op_name) const {
  Scope s = *this;
  s.op_name_ = op_name;
  return s;
}

Scope Scope::WithControlDependencies(
    const std::vector<Operation>& deps) const {
  Scope s = *this;
  for (const Operation& op : deps) {
    if (op.valid()) s.control_deps_.push_back(op.node);
  }
  return s;
}

Scope Scope::WithNoControlDependencies() const {
  Scope s = *this;
  s.control_deps_.clear();
  return s;
}

Scope Scope::AtRootNameScope() const {
  Scope s = *this;
  s.prefix_.clear();
  s.op_name_.clear();
  s.control_deps_.clear();
  return s;
}

Scope Scope::AtRootVariableScope() const {
  Scope s = *this;
  s.var_prefix_.clear();
  s.reuse_ = VariableReuse::kNone;
  return s;
}

Scope Scope::ReenterNameScope(const std::string& prefix) const {
  Scope s = *this;
  s.prefix_ = prefix;
  s.op_name_.clear();
  return s;
}

Scope Scope::WithVariableScope(const std::string& name,
                               VariableReuse reuse) const {
  Scope s = NewSubScope(name);
  s.var_prefix_ = var_prefix_.empty() ? name : var_prefix_ + "/" + name;
  return s.WithReuse(reuse);
}

Scope Scope::WithReuse(VariableReuse reuse) const {
  Scope s = *this;
  // kReuse beats kAutoReuse beats kNone, and children never weaken it.
  auto rank = [](VariableReuse r) {
    return r == VariableReuse::kReuse ? 2 : r == VariableReuse::kAutoReuse ? 1 : 0;
  };
  if (rank(reuse) > rank(s.reuse_)) s.reuse_ = reuse;
  return s;
}

Scope Scope::WithDevice(const std::string& device) const {
  Scope s = *this;
  s.device_ = device;
  return s;
}

absl::Status Scope::status() const {
  absl::MutexLock lock(&status_->mu);
  return status_->status;
}

void Scope::UpdateStatus(const absl::Status& s) const {
  absl::MutexLock lock(&status_->mu);
  if (status_->status.ok()) status_->status = s;
}

std::string Scope::GetUniqueNameForOp(const std::string& default_name) const {
  const std::string& base = op_name_.empty() ? default_name : op_name_;
  return graph_->NewName(prefix_.empty() ? base : prefix_ + "/" + base);
}

absl::Status Scope::ToGraphDef(::tensorflow::GraphDef* graph_def) const {
  absl::Status s = status();
  if (!s.ok()) return s;
  graph_->ToGraphDef(graph_def);
  return absl::OkStatus();
}

}  // namespace tessera
