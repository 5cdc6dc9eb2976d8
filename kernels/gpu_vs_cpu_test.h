// The GPU-vs-CPU test fixture shared by the GPU kernel tests: random
// inputs, Check (run an op on the CPU and the GPU and compare), and
// FindGpuKernel for registration tests that run without a GPU.
#ifndef TESSERA_KERNELS_GPU_VS_CPU_TEST_H_
#define TESSERA_KERNELS_GPU_VS_CPU_TEST_H_

#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/kernel_test_util.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "kernels/gpu_test_util.h"

namespace tessera {

using Args = std::vector<std::vector<Tensor>>;
using AttrList = std::vector<std::pair<std::string, AttrValue>>;

// Uniform values in [lo, hi); integers and bools are drawn the same way
// and truncated.
template <typename T>
inline Tensor Random(const TensorShape& shape, double lo, double hi,
              uint32_t seed = 1) {
  std::mt19937 gen(seed * 7919u + static_cast<uint32_t>(shape.num_elements()));
  std::uniform_real_distribution<double> dist(lo, hi);
  Tensor t(DataTypeToEnum<T>::value, shape);
  for (T& v : t.flat<T>()) {
    if constexpr (std::is_same_v<T, bool>) {
      v = dist(gen) > 0.5 * (lo + hi);
    } else {
      v = static_cast<T>(dist(gen));
    }
  }
  return t;
}

class GpuKernelsTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    if (!GpuAvailable()) return;
    auto d = TestGpuDevice::Create();
    ASSERT_TRUE(d.ok()) << d.status();
    gpu_ = d->release();
  }
  static void TearDownTestSuite() {
    delete gpu_;
    gpu_ = nullptr;
  }
  void SetUp() override {
    if (gpu_ == nullptr) GTEST_SKIP() << "no CUDA GPU on this machine";
  }

  // Runs `op` on the CPU and the GPU; the outputs must agree within `tol`
  // (relative to max(1, |cpu|)), or both runs fail with the same code.
  static void Check(const std::string& op, const Args& args,
                    const AttrList& attr_list = {}, double tol = 1e-5) {
    AttrValueMap attrs;
    for (const auto& [name, value] : attr_list) attrs[name] = value;
    std::string where = absl::StrCat(op, " with inputs");
    for (const auto& arg : args) {
      for (const Tensor& t : arg) {
        absl::StrAppend(&where, " ", DataTypeString(t.dtype()),
                        t.shape().DebugString());
      }
    }
    SCOPED_TRACE(where);
    auto want = RunKernel(TestCpuDevice(), op, attrs, args);
    auto got = RunKernel(gpu_, op, attrs, args);
    if (!want.ok()) {
      ASSERT_FALSE(got.ok()) << "CPU failed with " << want.status()
                             << " but the GPU succeeded";
      EXPECT_EQ(got.status().code(), want.status().code())
          << "GPU: " << got.status() << "\nCPU: " << want.status();
      return;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      std::string why;
      EXPECT_TRUE(TensorsNear((*got)[i], (*want)[i], tol, &why))
          << "output " << i << ": " << why;
    }
  }

  inline static Device* gpu_ = nullptr;
};

// Runs without a GPU: the GPU registrations exist with the CPU kernels'
// op names and type attrs, and declare the host-memory args the executor
// must honour.
inline const KernelDef* FindGpuKernel(const std::string& op,
                               const std::vector<std::pair<std::string,
                                                           DataType>>& types) {
  NodeDef def;
  def.set_name("n");
  def.set_op(op);
  for (const auto& [attr, dt] : types) (*def.mutable_attr())[attr] = MakeAttr(dt);
  auto reg = OpRegistry::Global()->LookUp(op);
  EXPECT_TRUE(reg.ok()) << reg.status();
  if (!reg.ok()) return nullptr;
  AddDefaultAttrs((*reg)->op_def, &def);
  auto k = KernelRegistry::Global()->Find(kDeviceGpu, def);
  EXPECT_TRUE(k.ok()) << op << ": " << k.status();
  return k.ok() ? *k : nullptr;
}

}  // namespace tessera

#endif  // TESSERA_KERNELS_GPU_VS_CPU_TEST_H_
