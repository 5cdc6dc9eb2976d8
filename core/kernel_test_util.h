// Runs one kernel directly, without a graph or session: for kernel unit
// tests and for checking one device's kernel against another's.
//
//   auto out = KernelTester("AddV2").Input(a).Input(b).Run();
#ifndef TESSERA_CORE_KERNEL_TEST_UTIL_H_
#define TESSERA_CORE_KERNEL_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/op_registry.h"
#include "core/tensor.h"

namespace tessera {

class KernelTester {
 public:
  explicit KernelTester(std::string op, Device* device = nullptr);

  KernelTester& Attr(const std::string& name, AttrValue value);
  template <typename T>
  KernelTester& Attr(const std::string& name, const T& value) {
    return Attr(name, MakeAttr(value));
  }
  // One tensor for a single-tensor input arg.
  KernelTester& Input(Tensor t);
  // Several tensors for a list input arg (N * T or a type list).
  KernelTester& InputList(std::vector<Tensor> ts);
  // An input known only by dtype and (partial) shape: for InferShapes()
  // with unknown dims or values. Run() rejects it.
  KernelTester& InputShape(DataType dtype, PartialTensorShape shape);

  // Infers type attrs from the inputs, validates, builds and runs the kernel.
  absl::StatusOr<std::vector<Tensor>> Run() const;
  // Runs the op's shape function on the inputs' shapes (inputs' values are
  // passed as known constants when `with_values`).
  absl::StatusOr<std::vector<PartialTensorShape>> InferShapes(
      bool with_values = true) const;

 private:
  absl::StatusOr<NodeDef> MakeNodeDef() const;
  std::string op_;
  Device* device_;
  AttrValueMap attrs_;
  struct Arg {
    Tensor value;
    bool has_value = true;
    DataType dtype = DT_INVALID;
    PartialTensorShape shape;
  };
  std::vector<std::vector<Arg>> args_;
};

// The shared CPU device used by tests (2 intra-op threads).
Device* TestCpuDevice();

// Element-wise comparison for tests; tolerance is relative to max(1, |b|).
bool TensorsNear(const Tensor& a, const Tensor& b, double tolerance,
                 std::string* why);

}  // namespace tessera

#endif  // TESSERA_CORE_KERNEL_TEST_UTIL_H_
