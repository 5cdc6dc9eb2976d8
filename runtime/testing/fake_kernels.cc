// FAKE_GPU kernels: the CPU kernel of the op, run on the fake device, with
// checks that every input is in the memory the executor owes it.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "core/types.h"
#include "runtime/testing/fake_device.h"

namespace tessera {
namespace testing {

absl::StatusOr<Tensor> ToFakeDeviceMemory(const Tensor& t);  // fake_device.cc

namespace {

// Host-memory flags for the tensors of `args`, expanded per node.
std::vector<char> HostFlags(
    const google::protobuf::RepeatedPtrField<OpDef::ArgDef>& args,
    const NodeDef& def, const std::vector<std::string>& host_args,
    const std::vector<DataType>& types) {
  std::vector<char> host;
  for (const auto& arg : args) {
    int n = 1;
    if (!arg.type_list_attr().empty()) {
      std::vector<DataType> list;
      if (GetAttr(def.attr(), arg.type_list_attr(), &list).ok()) {
        n = static_cast<int>(list.size());
      }
    } else if (auto count = ArgCount(arg, def); count.ok()) {
      n = *count;
    }
    bool named = std::find(host_args.begin(), host_args.end(), arg.name()) !=
                 host_args.end();
    for (int k = 0; k < n; ++k) host.push_back(named);
  }
  host.resize(types.size(), 0);
  for (size_t k = 0; k < types.size(); ++k) {
    if (IsRefType(types[k]) || BaseType(types[k]) == DT_RESOURCE) host[k] = 1;
  }
  return host;
}

Device* HostDevice() {
  static Device* device = new CpuDevice(0, 1);
  return device;
}

class FakeGpuKernel : public OpKernel {
 public:
  FakeGpuKernel(OpKernelConstruction* c, std::vector<std::string> host_args)
      : OpKernel(c) {
    auto inner = KernelRegistry::Global()->CreateKernel(
        HostDevice(), c->def(), c->op_def(), c->function_library());
    if (!inner.ok()) {
      c->SetStatus(inner.status());
      return;
    }
    inner_ = *std::move(inner);
    host_in_ = HostFlags(c->op_def().input_arg(), c->def(), host_args,
                         c->input_types());
    host_out_ = HostFlags(c->op_def().output_arg(), c->def(), host_args,
                          c->output_types());
  }

  void Compute(OpKernelContext* ctx) override {
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      OP_REQUIRES_OK(ctx, Check("input", i, ctx->input(i), host_in_[i]));
    }
    inner_->Compute(ctx);
    if (!ctx->status().ok()) return;
    for (int k = 0; k < num_outputs(); ++k) {
      Tensor* out = ctx->mutable_output(k);
      if (!host_out_[k] && out->TotalBytes() > 0 &&
          !InFakeDeviceMemory(*out)) {
        // What a GPU kernel writes lands in device memory.
        auto moved = ToFakeDeviceMemory(*out);
        OP_REQUIRES_OK(ctx, moved.status());
        *out = *std::move(moved);
      }
      OP_REQUIRES_OK(ctx, Check("output", k, *out, host_out_[k]));
    }
  }

 private:
  absl::Status Check(const char* what, int i, const Tensor& t,
                     bool host) const {
    if (t.TotalBytes() == 0 || InFakeDeviceMemory(t) != host) {
      return absl::OkStatus();
    }
    return absl::InternalError(absl::StrCat(
        "FAKE_GPU kernel for node '", name(), "' (", type_string(), "): ",
        what, " ", i, " is in ", host ? "device" : "host",
        " memory but belongs in ", host ? "host" : "device", " memory"));
  }

  std::unique_ptr<OpKernel> inner_;
  std::vector<char> host_in_, host_out_;
};

void Register(const std::string& op, const std::string& type_attr,
              std::vector<std::string> host_args = {}) {
  KernelDefBuilder b(op);
  b.Device(kFakeGpu);
  if (!type_attr.empty()) {
    b.TypeConstraint(type_attr, {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64});
  }
  for (const auto& a : host_args) b.HostMemory(a);
  KernelRegistry::Global()->Register(
      b.Build(), [host_args](OpKernelConstruction* c) {
        return std::make_unique<FakeGpuKernel>(c, host_args);
      });
}

// The ops the fake device runs; everything else lands on the CPU.
struct FakeKernelsRegistrar {
  FakeKernelsRegistrar() {
    for (const char* op : {"Identity", "Add", "AddV2", "Sub", "Mul", "MatMul",
                           "Relu", "Square", "Assign", "AssignAdd"}) {
      Register(op, "T");
    }
    Register("Const", "dtype");
    Register("NoOp", "");
    Register("Reshape", "T", {"shape"});
    Register("VariableV2", "dtype");
    Register("VarHandleOp", "dtype");
    for (const char* op :
         {"ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp"}) {
      Register(op, "dtype");
    }
    Register("ResourceApplyGradientDescent", "T");
  }
} fake_kernels_registrar;

}  // namespace
}  // namespace testing
}  // namespace tessera
