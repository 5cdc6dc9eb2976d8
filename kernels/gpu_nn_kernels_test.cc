// GPU-vs-CPU tests of the cuDNN convolution kernels (conv_ops_gpu.cc):
// Conv2D and both gradients over SAME / VALID / EXPLICIT padding (odd
// totals included, which cuDNN cannot pad itself), strides, dilations and
// empty shapes; of the pooling kernels (pooling_ops_gpu.cc); and of the
// random kernels (random_ops_gpu.cc), which must reproduce the CPU stream. Skipped when no GPU is present; the registration test at
// the end runs everywhere.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/gpu_vs_cpu_test.h"

namespace tessera {
namespace {

struct ConvCase {
  TensorShape input, filter;
  std::vector<int32_t> strides, dilations;
  const char* padding;
  std::vector<int32_t> explicit_paddings = {};
};

std::vector<int32_t> Sizes(const TensorShape& s) {
  std::vector<int32_t> v;
  for (int64_t d : s.dim_sizes()) v.push_back(static_cast<int32_t>(d));
  return v;
}

TEST_F(GpuKernelsTest, Conv2DAndGradients) {
  const std::vector<int32_t> one = {1, 1, 1, 1}, two = {1, 2, 2, 1};
  const std::vector<ConvCase> cases = {
      {TensorShape({2, 9, 9, 3}), TensorShape({3, 3, 3, 8}), one, one, "SAME"},
      {TensorShape({2, 8, 8, 4}), TensorShape({3, 3, 4, 5}), two, one, "SAME"},
      {TensorShape({1, 10, 7, 2}), TensorShape({2, 2, 2, 3}), one, one,
       "SAME"},  // odd total padding: 1 extra row/col after
      {TensorShape({3, 11, 13, 5}), TensorShape({5, 3, 5, 7}), two, one,
       "VALID"},
      {TensorShape({1, 12, 12, 3}), TensorShape({3, 3, 3, 4}), one,
       {1, 2, 2, 1}, "SAME"},
      {TensorShape({2, 7, 9, 16}), TensorShape({1, 1, 16, 32}), one, one,
       "VALID"},
      {TensorShape({1, 6, 6, 2}), TensorShape({3, 3, 2, 2}), one, one,
       "EXPLICIT", {0, 0, 2, 0, 1, 3, 0, 0}},
      {TensorShape({0, 5, 5, 2}), TensorShape({3, 3, 2, 4}), one, one,
       "SAME"},  // empty batch
      {TensorShape({2, 5, 5, 2}), TensorShape({3, 3, 2, 0}), one, one,
       "SAME"},  // no output channels
      {TensorShape({1, 2, 2, 1}), TensorShape({3, 3, 1, 1}), one, one,
       "VALID"},  // window larger than the input: error on both
  };
  for (const ConvCase& c : cases) {
    AttrList attrs = {{"strides", MakeAttr(c.strides)},
                      {"dilations", MakeAttr(c.dilations)},
                      {"padding", MakeAttr(c.padding)},
                      {"data_format", MakeAttr("NHWC")}};
    if (!c.explicit_paddings.empty()) {
      attrs.push_back({"explicit_paddings", MakeAttr(c.explicit_paddings)});
    }
    const Tensor x = Random<float>(c.input, -1, 1, 1);
    const Tensor w = Random<float>(c.filter, -1, 1, 2);
    Check("Conv2D", {{x}, {w}}, attrs, 1e-4);
    // The output shape, from the CPU kernel, sizes out_backprop.
    AttrValueMap attr_map;
    for (const auto& [k, v] : attrs) attr_map[k] = v;
    auto y = RunKernel(TestCpuDevice(), "Conv2D", attr_map, {{x}, {w}});
    if (!y.ok()) continue;
    const Tensor dy = Random<float>((*y)[0].shape(), -1, 1, 3);
    Check("Conv2DBackpropInput",
          {{Tensor::FromVector<int32_t>(Sizes(c.input))}, {w}, {dy}}, attrs,
          1e-4);
    Check("Conv2DBackpropFilter",
          {{x}, {Tensor::FromVector<int32_t>(Sizes(c.filter))}, {dy}}, attrs,
          1e-3);
  }
}

TEST_F(GpuKernelsTest, Conv2DShapeErrorsMatchTheCpu) {
  const AttrList attrs = {
      {"strides", MakeAttr(std::vector<int32_t>{1, 1, 1, 1})},
      {"padding", MakeAttr("SAME")}};
  // Depth mismatch, and a 3-D input.
  Check("Conv2D", {{Random<float>(TensorShape({1, 4, 4, 3}), 0, 1)},
                   {Random<float>(TensorShape({2, 2, 2, 1}), 0, 1)}},
        attrs);
  Check("Conv2D", {{Random<float>(TensorShape({4, 4, 3}), 0, 1)},
                   {Random<float>(TensorShape({2, 2, 3, 1}), 0, 1)}},
        attrs);
  // out_backprop of the wrong shape.
  Check("Conv2DBackpropInput",
        {{Tensor::FromVector<int32_t>({1, 4, 4, 3})},
         {Random<float>(TensorShape({2, 2, 3, 2}), 0, 1)},
         {Random<float>(TensorShape({1, 3, 4, 2}), 0, 1)}},
        attrs);
}

template <typename T>
void CheckPooling(const TensorShape& in, const std::vector<int32_t>& ksize,
                  const std::vector<int32_t>& strides, const char* padding,
                  double tol) {
  const AttrList attrs = {{"ksize", MakeAttr(ksize)},
                          {"strides", MakeAttr(strides)},
                          {"padding", MakeAttr(padding)},
                          {"data_format", MakeAttr("NHWC")}};
  AttrValueMap attr_map;
  for (const auto& [k, v] : attrs) attr_map[k] = v;
  const Tensor x = Random<T>(in, -4, 4, 1);
  // Few distinct values: ties go to the first maximum on both devices.
  Tensor ties = Random<T>(in, 0, 3, 2);
  for (T& v : ties.flat<T>()) v = std::floor(v);
  for (const Tensor& input : {x, ties}) {
    SCOPED_TRACE(absl::StrCat(in.DebugString(), " ", padding));
    GpuKernelsTest::Check("MaxPool", {{input}}, attrs, tol);
    GpuKernelsTest::Check("AvgPool", {{input}}, attrs, tol);
    auto y = RunKernel(TestCpuDevice(), "MaxPool", attr_map, {{input}});
    if (!y.ok()) continue;
    const Tensor dy = Random<T>((*y)[0].shape(), -1, 1, 3);
    GpuKernelsTest::Check("MaxPoolGrad", {{input}, {(*y)[0]}, {dy}}, attrs,
                          tol);
    GpuKernelsTest::Check("AvgPoolGrad",
                          {{Tensor::FromVector<int32_t>(Sizes(in))}, {dy}},
                          attrs, tol);
  }
}

TEST_F(GpuKernelsTest, PoolingAndGradients) {
  const std::vector<int32_t> k2 = {1, 2, 2, 1}, k3 = {1, 3, 3, 1},
                             s1 = {1, 1, 1, 1}, s2 = {1, 2, 2, 1};
  for (const char* padding : {"SAME", "VALID"}) {
    for (const TensorShape& s :
         {TensorShape({2, 8, 8, 3}), TensorShape({1, 7, 9, 5}),
          TensorShape({3, 5, 4, 17}), TensorShape({0, 4, 4, 2}),
          TensorShape({1, 1, 1, 1})}) {
      CheckPooling<float>(s, k2, s2, padding, 1e-5);
      CheckPooling<float>(s, k3, s2, padding, 1e-5);  // overlapping
      CheckPooling<float>(s, k3, s1, padding, 1e-5);
      CheckPooling<double>(s, k3, s2, padding, 1e-12);
    }
  }
  // Window larger than the input with VALID padding: errors on both.
  CheckPooling<float>(TensorShape({1, 2, 2, 1}), k3, s1, "VALID", 0);
}

TEST_F(GpuKernelsTest, RandomOpsMatchTheCpuStream) {
  // Same seeds, same values: the GPU kernels draw the CPU kernels' words.
  for (const std::vector<int32_t>& dims : std::vector<std::vector<int32_t>>{
           {}, {0}, {7}, {256}, {1000}, {3, 300}, {70001}}) {
    const Tensor shape = Tensor::FromVector<int32_t>(dims);
    for (const auto& [seed, seed2] :
         std::vector<std::pair<int64_t, int64_t>>{{1, 0}, {0, 9}, {87, 87}}) {
      for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
        const AttrList attrs = {{"seed", MakeAttr(seed)},
                                {"seed2", MakeAttr(seed2)},
                                {"dtype", MakeAttr(dt)}};
        Check("RandomUniform", {{shape}}, attrs, 0);
        // Normals go through log/cos, whose last ulp differs by device.
        const double tol = dt == DT_FLOAT ? 1e-6 : 1e-13;
        Check("RandomStandardNormal", {{shape}}, attrs, tol);
        Check("TruncatedNormal", {{shape}}, attrs, tol);
      }
    }
  }
  Check("RandomUniform", {{Tensor::FromVector<int32_t>({2, -3})}},
        {{"seed", MakeAttr(int64_t{1})}, {"dtype", MakeAttr(DT_FLOAT)}});
}

TEST(GpuKernelRegistrationTest, RandomShapeIsHostMemory) {
  for (const char* op :
       {"RandomUniform", "RandomStandardNormal", "TruncatedNormal"}) {
    const KernelDef* k =
        FindGpuKernel(op, {{"dtype", DT_FLOAT}, {"T", DT_INT32}});
    ASSERT_NE(k, nullptr) << op;
    EXPECT_EQ(k->host_memory_args, std::vector<std::string>{"shape"}) << op;
  }
}

TEST(GpuKernelRegistrationTest, ConvolutionsOnCudnn) {
  const KernelDef* fwd = FindGpuKernel("Conv2D", {{"T", DT_FLOAT}});
  ASSERT_NE(fwd, nullptr);
  EXPECT_TRUE(fwd->host_memory_args.empty());
  const KernelDef* in = FindGpuKernel("Conv2DBackpropInput", {{"T", DT_FLOAT}});
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->host_memory_args, std::vector<std::string>{"input_sizes"});
  const KernelDef* f = FindGpuKernel("Conv2DBackpropFilter", {{"T", DT_FLOAT}});
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->host_memory_args, std::vector<std::string>{"filter_sizes"});
}

TEST(GpuKernelRegistrationTest, Pooling) {
  for (const char* op : {"MaxPool", "AvgPool", "MaxPoolGrad", "AvgPoolGrad"}) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      const KernelDef* k = FindGpuKernel(op, {{"T", dt}});
      ASSERT_NE(k, nullptr) << op;
      EXPECT_EQ(k->host_memory_args,
                std::string(op) == "AvgPoolGrad"
                    ? std::vector<std::string>{"orig_input_shape"}
                    : std::vector<std::string>{})
          << op;
    }
  }
}

}  // namespace
}  // namespace tessera
