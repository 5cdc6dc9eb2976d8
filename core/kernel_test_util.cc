#include "core/kernel_test_util.h"

#include <cmath>
#include <complex>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_registry.h"
#include "core/shape_inference.h"
#include "core/status.h"

namespace tessera {

Device* TestCpuDevice() {
  static Device* device = new CpuDevice(0, 2);
  return device;
}

KernelTester::KernelTester(std::string op, Device* device)
    : op_(std::move(op)), device_(device ? device : TestCpuDevice()) {}

KernelTester& KernelTester::Attr(const std::string& name, AttrValue value) {
  attrs_[name] = std::move(value);
  return *this;
}

KernelTester& KernelTester::Input(Tensor t) {
  return InputList({std::move(t)});
}

KernelTester& KernelTester::InputList(std::vector<Tensor> ts) {
  args_.emplace_back();
  for (Tensor& t : ts) {
    Arg a;
    a.dtype = t.dtype();
    a.shape = t.shape();
    a.value = std::move(t);
    args_.back().push_back(std::move(a));
  }
  return *this;
}

KernelTester& KernelTester::InputShape(DataType dtype,
                                       PartialTensorShape shape) {
  Arg a;
  a.has_value = false;
  a.dtype = dtype;
  a.shape = std::move(shape);
  args_.push_back({std::move(a)});
  return *this;
}

absl::StatusOr<NodeDef> KernelTester::MakeNodeDef() const {
  ASSIGN_OR_RETURN(const OpRegistration* reg, OpRegistry::Global()->LookUp(op_));
  NodeDef def;
  def.set_name(absl::StrCat("test_", op_));
  def.set_op(op_);
  *def.mutable_attr() = attrs_;
  std::vector<std::vector<DataType>> arg_types;
  for (const auto& arg : args_) {
    arg_types.emplace_back();
    for (const Arg& a : arg) arg_types.back().push_back(a.dtype);
  }
  RETURN_IF_ERROR(InferAttrsFromInputs(reg->op_def, arg_types, &def));
  RETURN_IF_ERROR(ValidateAttrs(reg->op_def, def));
  return def;
}

absl::StatusOr<std::vector<Tensor>> KernelTester::Run() const {
  ASSIGN_OR_RETURN(NodeDef def, MakeNodeDef());
  ASSIGN_OR_RETURN(const OpRegistration* reg, OpRegistry::Global()->LookUp(op_));
  ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel,
                   KernelRegistry::Global()->CreateKernel(device_, def,
                                                          reg->op_def));
  std::vector<const Tensor*> inputs;
  for (const auto& arg : args_) {
    for (const Arg& a : arg) {
      if (!a.has_value) {
        return absl::InvalidArgumentError(
            "Run() needs values for every input; InputShape() gives none");
      }
      inputs.push_back(&a.value);
    }
  }
  if (static_cast<int>(inputs.size()) != kernel->num_inputs()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op_, " expects ", kernel->num_inputs(), " inputs, got ",
                     inputs.size()));
  }
  for (int i = 0; i < kernel->num_inputs(); ++i) {
    if (inputs[i]->dtype() != BaseType(kernel->input_type(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          op_, " input ", i, " has dtype ", DataTypeString(inputs[i]->dtype()),
          " but the op expects ", DataTypeString(kernel->input_type(i))));
    }
  }
  OpKernelContext::Params params;
  params.device = device_;
  params.op_kernel = kernel.get();
  params.inputs = inputs.data();
  params.num_inputs = static_cast<int>(inputs.size());
  std::vector<Tensor> outputs(kernel->num_outputs());
  OpKernelContext ctx(&params, outputs.data());
  kernel->Compute(&ctx);
  RETURN_IF_ERROR(ctx.status());
  RETURN_IF_ERROR(device_->Sync());
  for (int i = 0; i < kernel->num_outputs(); ++i) {
    if (outputs[i].dtype() != BaseType(kernel->output_type(i))) {
      return absl::InternalError(absl::StrCat(
          op_, " output ", i, " has dtype ", DataTypeString(outputs[i].dtype()),
          ", expected ", DataTypeString(kernel->output_type(i))));
    }
  }
  return outputs;
}

absl::StatusOr<std::vector<PartialTensorShape>> KernelTester::InferShapes(
    bool with_values) const {
  ASSIGN_OR_RETURN(NodeDef def, MakeNodeDef());
  ASSIGN_OR_RETURN(const OpRegistration* reg, OpRegistry::Global()->LookUp(op_));
  std::vector<DataType> in, out;
  RETURN_IF_ERROR(InOutTypesForNode(def, reg->op_def, &in, &out));
  std::vector<PartialTensorShape> shapes;
  std::vector<const Tensor*> values;
  for (const auto& arg : args_) {
    for (const Arg& a : arg) {
      shapes.push_back(a.shape);
      values.push_back(with_values && a.has_value ? &a.value : nullptr);
    }
  }
  InferenceContext c(&def, shapes, values, static_cast<int>(out.size()));
  RETURN_IF_ERROR(reg->shape_fn(&c));
  return c.outputs();
}

namespace {

template <typename T>
double AsDouble(const T& v) {
  if constexpr (std::is_same_v<T, complex64> || std::is_same_v<T, complex128>) {
    return std::abs(v);
  } else {
    return static_cast<double>(v);
  }
}

}  // namespace

bool TensorsNear(const Tensor& a, const Tensor& b, double tolerance,
                 std::string* why) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) {
    *why = absl::StrCat("got ", a.DebugString(), ", want ", b.DebugString());
    return false;
  }
  bool ok = true;
  VisitDataType(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.data<T>();
    const T* y = b.data<T>();
    for (int64_t i = 0; i < a.NumElements() && ok; ++i) {
      if constexpr (std::is_same_v<T, tstring> || std::is_same_v<T, bool>) {
        ok = x[i] == y[i];
      } else if constexpr (std::is_same_v<T, complex64> ||
                           std::is_same_v<T, complex128>) {
        ok = std::abs(x[i] - y[i]) <= tolerance * std::max(1.0, AsDouble(y[i]));
      } else {
        double dx = AsDouble(x[i]), dy = AsDouble(y[i]);
        ok = (std::isnan(dx) && std::isnan(dy)) || dx == dy ||
             std::abs(dx - dy) <= tolerance * std::max(1.0, std::abs(dy));
      }
      if (!ok) {
        *why = absl::StrCat("element ", i, " differs: got ", a.DebugString(20),
                            ", want ", b.DebugString(20));
      }
    }
  });
  return ok;
}

}  // namespace tessera
