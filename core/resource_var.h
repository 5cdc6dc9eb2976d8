// Var: the state of one variable in a session's ResourceMgr. Both resource
// variables (VarHandleOp) and TF1 reference variables (VariableV2) keep
// their value here. Writers replace `tensor` under `mu` (copy-on-write), so
// a reader that took the tensor keeps a consistent value.
#ifndef TESSERA_CORE_RESOURCE_VAR_H_
#define TESSERA_CORE_RESOURCE_VAR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/resource_mgr.h"
#include "core/tensor.h"

namespace tessera {

class Var : public ResourceBase {
 public:
  explicit Var(DataType dtype) : dtype_(dtype) {}
  DataType dtype() const { return dtype_; }
  absl::Mutex* mu() const { return &mu_; }
  // Callers hold mu().
  Tensor* tensor() { return &tensor_; }
  bool is_initialized() const { return initialized_; }
  void set_initialized(bool v) { initialized_ = v; }
  std::string DebugString() const override {
    return absl::StrCat("Var<", DataTypeString(dtype_), " ",
                        tensor_.shape().DebugString(), ">");
  }

 private:
  const DataType dtype_;
  mutable absl::Mutex mu_;
  Tensor tensor_;
  bool initialized_ = false;
};

// The container used when a handle names none.
inline constexpr char kDefaultContainer[] = "localhost";

inline std::string ContainerOf(const ResourceHandle& h) {
  return h.container.empty() ? kDefaultContainer : h.container;
}

// The variable a handle names; NotFound (naming it) if it was never created.
inline absl::StatusOr<std::shared_ptr<Var>> LookupVar(
    ResourceMgr* rm, const ResourceHandle& handle) {
  if (rm == nullptr) return absl::InternalError("no resource manager");
  auto var = rm->Lookup<Var>(ContainerOf(handle), handle.name);
  if (!var.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Attempting to use uninitialized value ", handle.name,
        ": the variable has not been created in this session yet. Run an "
        "initializer such as GlobalVariablesInitializer() first"));
  }
  return var;
}

// The current value of the variable; FailedPrecondition with the variable's
// name and a hint when it has not been initialized.
inline absl::StatusOr<Tensor> ReadVar(ResourceMgr* rm,
                                      const ResourceHandle& handle) {
  auto var = LookupVar(rm, handle);
  if (!var.ok()) return var.status();
  absl::MutexLock lock((*var)->mu());
  if (!(*var)->is_initialized()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Attempting to use uninitialized value ", handle.name,
        ": run its initializer (e.g. GlobalVariablesInitializer()) or restore "
        "it from a checkpoint before reading it"));
  }
  return *(*var)->tensor();
}

}  // namespace tessera

#endif  // TESSERA_CORE_RESOURCE_VAR_H_
