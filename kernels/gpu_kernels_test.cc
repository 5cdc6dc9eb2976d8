// GPU-vs-CPU kernel tests: each GPU kernel gets random inputs (several
// shapes, broadcasting, empty and odd sizes), runs next to the CPU kernel
// of the same op, and must match it within a per-op tolerance, or fail
// with the same error code. Skipped when no GPU is present.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/gpu_vs_cpu_test.h"

namespace tessera {
namespace {

const std::vector<TensorShape>& Shapes() {
  static const auto* shapes = new std::vector<TensorShape>{
      TensorShape({}), TensorShape({0}), TensorShape({7}),
      TensorShape({3, 5, 17}), TensorShape({4099}), TensorShape({2, 0, 3})};
  return *shapes;
}

TEST_F(GpuKernelsTest, UnaryFloatingOps) {
  // Op, input range, tolerance (transcendental functions differ in ulps).
  struct Case {
    const char* op;
    double lo, hi;
  };
  const Case cases[] = {
      {"Neg", -5, 5},      {"Abs", -5, 5},        {"Square", -5, 5},
      {"Sign", -2, 2},     {"Round", -5, 5},      {"Exp", -10, 10},
      {"Log", 0.01, 50},   {"Sqrt", 0, 50},       {"Rsqrt", 0.01, 50},
      {"Tanh", -6, 6},     {"Sigmoid", -20, 20},  {"Sin", -6, 6},
      {"Cos", -6, 6},      {"Reciprocal", 0.1, 9}, {"Floor", -5, 5},
      {"Ceil", -5, 5},     {"Relu", -3, 3},       {"Relu6", -3, 9},
      {"LeakyRelu", -3, 3}, {"Elu", -5, 5},       {"Selu", -5, 5},
      {"Softplus", -30, 30},
  };
  for (const Case& c : cases) {
    for (const TensorShape& s : Shapes()) {
      Check(c.op, {{Random<float>(s, c.lo, c.hi)}}, {}, 2e-6);
      Check(c.op, {{Random<double>(s, c.lo, c.hi)}}, {}, 1e-12);
    }
  }
  Check("LeakyRelu", {{Random<float>(TensorShape({33}), -3, 3)}},
        {{"alpha", MakeAttr(0.05f)}});
}

TEST_F(GpuKernelsTest, UnaryInt64Ops) {
  for (const char* op : {"Neg", "Abs", "Square", "Sign", "Round"}) {
    for (const TensorShape& s : Shapes()) {
      Check(op, {{Random<int64_t>(s, -1e6, 1e6)}});
    }
  }
}

TEST_F(GpuKernelsTest, ActivationGradients) {
  const char* ops[] = {"ReluGrad", "Relu6Grad", "LeakyReluGrad",
                       "EluGrad",  "SeluGrad",  "SoftplusGrad"};
  for (const char* op : ops) {
    for (const TensorShape& s : Shapes()) {
      Check(op, {{Random<float>(s, -2, 2, 1)}, {Random<float>(s, -3, 8, 2)}},
            {}, 2e-6);
      Check(op, {{Random<double>(s, -2, 2, 1)}, {Random<double>(s, -3, 8, 2)}},
            {}, 1e-12);
    }
    // Mismatched shapes: the same InvalidArgument on both devices.
    Check(op, {{Random<float>(TensorShape({3}), -1, 1)},
               {Random<float>(TensorShape({4}), -1, 1)}});
  }
}

// Shape pairs: equal, scalar either side, two-sided broadcasting, trailing
// vector, empty, rank 6, and shapes that do not broadcast.
const std::vector<std::pair<TensorShape, TensorShape>>& ShapePairs() {
  static const auto* pairs = new std::vector<std::pair<TensorShape, TensorShape>>{
      {TensorShape({2, 3}), TensorShape({2, 3})},
      {TensorShape({}), TensorShape({4, 5})},
      {TensorShape({4, 5}), TensorShape({})},
      {TensorShape({3, 1, 5}), TensorShape({1, 4, 1})},
      {TensorShape({2, 3, 4}), TensorShape({4})},
      {TensorShape({65, 1}), TensorShape({1, 129})},
      {TensorShape({5, 0}), TensorShape({1})},
      {TensorShape({1}), TensorShape({0})},
      {TensorShape({2, 1, 3, 1, 2, 3}), TensorShape({1, 2, 1, 3, 2, 1})},
      {TensorShape({2, 3}), TensorShape({4})},
  };
  return *pairs;
}

TEST_F(GpuKernelsTest, BinaryOpsBroadcast) {
  const char* numeric[] = {"Add",     "AddV2",   "Sub",
                           "Mul",     "Maximum", "Minimum",
                           "SquaredDifference"};
  for (const auto& [a, b] : ShapePairs()) {
    for (const char* op : numeric) {
      Check(op, {{Random<float>(a, -9, 9, 1)}, {Random<float>(b, -9, 9, 2)}});
      Check(op, {{Random<double>(a, -9, 9, 1)}, {Random<double>(b, -9, 9, 2)}},
            {}, 1e-13);
      Check(op, {{Random<int64_t>(a, -1e9, 1e9, 1)},
                 {Random<int64_t>(b, -1e9, 1e9, 2)}});
    }
    for (const char* op : {"RealDiv", "Div"}) {
      Check(op, {{Random<float>(a, -9, 9, 1)}, {Random<float>(b, 0.5, 9, 2)}});
      Check(op, {{Random<double>(a, -9, 9, 1)}, {Random<double>(b, 0.5, 9, 2)}},
            {}, 1e-13);
    }
    Check("Pow", {{Random<float>(a, 0.1, 4, 1)}, {Random<float>(b, -3, 3, 2)}},
          {}, 4e-6);
    Check("Pow", {{Random<double>(a, 0.1, 4, 1)}, {Random<double>(b, -3, 3, 2)}},
          {}, 1e-12);
  }
}

TEST_F(GpuKernelsTest, BroadcastBeyondEightCollapsedDimsIsUnimplemented) {
  // Alternating broadcast patterns do not collapse: 9 dims.
  const TensorShape a({2, 1, 2, 1, 2, 1, 2, 1, 2});
  const TensorShape b({1, 2, 1, 2, 1, 2, 1, 2, 1});
  auto got = RunKernel(gpu_, "AddV2", {},
                       {{Random<float>(a, 0, 1)}, {Random<float>(b, 0, 1)}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnimplemented)
      << got.status();
}

TEST_F(GpuKernelsTest, Comparisons) {
  const char* ops[] = {"Equal", "NotEqual", "Less",
                       "LessEqual", "Greater", "GreaterEqual"};
  for (const auto& [a, b] : ShapePairs()) {
    for (const char* op : ops) {
      // Few distinct values, so that equal pairs occur.
      Tensor x = Random<float>(a, -3, 3, 1), y = Random<float>(b, -3, 3, 2);
      for (float& v : x.flat<float>()) v = std::floor(v);
      for (float& v : y.flat<float>()) v = std::floor(v);
      Check(op, {{x}, {y}});
      Check(op, {{Random<int64_t>(a, -3, 3, 1)}, {Random<int64_t>(b, -3, 3, 2)}});
      Check(op, {{Random<double>(a, -3, 3, 1)}, {Random<double>(b, -3, 3, 2)}});
    }
    Check("Equal", {{Random<bool>(a, 0, 1, 1)}, {Random<bool>(b, 0, 1, 2)}});
  }
  // Shapes that do not broadcast are "not equal" when asked not to fail.
  for (const char* op : {"Equal", "NotEqual"}) {
    Check(op, {{Random<float>(TensorShape({2, 3}), 0, 1)},
               {Random<float>(TensorShape({4}), 0, 1)}},
          {{"incompatible_shape_error", MakeAttr(false)}});
  }
}

template <typename T>
void CheckSelects(double lo, double hi) {
  const TensorShape s({4, 3, 5});
  const Tensor t = Random<T>(s, lo, hi, 1), e = Random<T>(s, lo, hi, 2);
  for (const TensorShape& cs :
       {TensorShape({}), TensorShape({4}), TensorShape({4, 3, 5})}) {
    GpuKernelsTest::Check("Select", {{Random<bool>(cs, 0, 1, 3)}, {t}, {e}});
  }
  // Row condition with a mismatched size fails on both devices.
  GpuKernelsTest::Check("Select",
                        {{Random<bool>(TensorShape({3}), 0, 1)}, {t}, {e}});
  GpuKernelsTest::Check("SelectV2", {{Random<bool>(TensorShape({3, 1}), 0, 1)},
                                     {Random<T>(TensorShape({5}), lo, hi)},
                                     {Random<T>(TensorShape({4, 1, 1}), lo, hi)}});
  GpuKernelsTest::Check("SelectV2", {{Random<bool>(TensorShape({}), 0, 1)},
                                     {Random<T>(TensorShape({0, 2}), lo, hi)},
                                     {Random<T>(TensorShape({2}), lo, hi)}});
}

TEST_F(GpuKernelsTest, SelectAndSelectV2) {
  CheckSelects<float>(-5, 5);
  CheckSelects<double>(-5, 5);
  CheckSelects<int32_t>(-100, 100);
  CheckSelects<int64_t>(-100, 100);
  CheckSelects<bool>(0, 1);
  CheckSelects<uint8_t>(0, 200);
}

template <typename S>
void CheckCastsFrom() {
  const Tensor x = Random<S>(TensorShape({3, 67}), 0, 100);
  for (DataType dst : {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8,
                       DT_BOOL}) {
    GpuKernelsTest::Check("Cast", {{x}}, {{"DstT", MakeAttr(dst)}});
  }
}

TEST_F(GpuKernelsTest, CastBetweenAllPairs) {
  CheckCastsFrom<float>();
  CheckCastsFrom<double>();
  CheckCastsFrom<int32_t>();
  CheckCastsFrom<int64_t>();
  CheckCastsFrom<uint8_t>();
  CheckCastsFrom<bool>();
  Check("Cast", {{Random<float>(TensorShape({0, 4}), -1, 1)}},
        {{"DstT", MakeAttr(DT_INT64)}});
}

TEST_F(GpuKernelsTest, AddN) {
  for (int n : {1, 2, 3, 8, 9, 17}) {
    for (const TensorShape& s : Shapes()) {
      std::vector<Tensor> f, d, i;
      for (int k = 0; k < n; ++k) {
        f.push_back(Random<float>(s, -1, 1, k));
        d.push_back(Random<double>(s, -1, 1, k));
        i.push_back(Random<int64_t>(s, -1e12, 1e12, k));
      }
      Check("AddN", {f});
      Check("AddN", {d}, {}, 1e-13);
      Check("AddN", {i});
    }
  }
  Check("AddN", {{Random<float>(TensorShape({2}), 0, 1),
                  Random<float>(TensorShape({3}), 0, 1)}});
}

TEST_F(GpuKernelsTest, BiasAdd) {
  for (const char* format : {"NHWC", "NCHW"}) {
    const AttrList attrs = {{"data_format", MakeAttr(format)}};
    for (const TensorShape& s :
         {TensorShape({5, 3}), TensorShape({2, 3, 4, 5}), TensorShape({0, 3, 2}),
          TensorShape({7, 3, 9})}) {
      const int64_t c = std::string(format) == "NCHW" ? s.dim_size(1)
                                                      : s.dim_size(s.dims() - 1);
      Check("BiasAdd", {{Random<float>(s, -1, 1)},
                        {Random<float>(TensorShape({c}), -1, 1)}}, attrs);
      Check("BiasAdd", {{Random<double>(s, -1, 1)},
                        {Random<double>(TensorShape({c}), -1, 1)}}, attrs);
    }
    // Wrong bias size.
    Check("BiasAdd", {{Random<float>(TensorShape({2, 3, 4}), -1, 1)},
                      {Random<float>(TensorShape({7}), -1, 1)}}, attrs);
  }
}

TEST_F(GpuKernelsTest, MatMul) {
  struct Case {
    int64_t m, k, n;
  };
  for (const Case& c : {Case{1, 1, 1}, Case{7, 13, 5}, Case{64, 128, 96},
                        Case{3, 0, 4}, Case{0, 5, 2}, Case{129, 257, 65}}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        const TensorShape sa = ta ? TensorShape({c.k, c.m})
                                  : TensorShape({c.m, c.k});
        const TensorShape sb = tb ? TensorShape({c.n, c.k})
                                  : TensorShape({c.k, c.n});
        const AttrList attrs = {{"transpose_a", MakeAttr(ta)},
                                {"transpose_b", MakeAttr(tb)}};
        // Sums of up to 257 products: float rounding differs by order.
        Check("MatMul", {{Random<float>(sa, -1, 1, 1)},
                         {Random<float>(sb, -1, 1, 2)}}, attrs, 2e-5);
        Check("MatMul", {{Random<double>(sa, -1, 1, 1)},
                         {Random<double>(sb, -1, 1, 2)}}, attrs, 1e-12);
      }
    }
  }
  Check("MatMul", {{Random<float>(TensorShape({2, 3}), -1, 1)},
                   {Random<float>(TensorShape({4, 2}), -1, 1)}});
}

TEST_F(GpuKernelsTest, BatchMatMulV2Broadcasting) {
  const std::pair<TensorShape, TensorShape> cases[] = {
      {TensorShape({3, 4, 5}), TensorShape({3, 5, 6})},     // same batch
      {TensorShape({3, 4, 5}), TensorShape({5, 6})},        // y broadcast
      {TensorShape({1, 4, 5}), TensorShape({2, 3, 5, 6})},  // x broadcast
      {TensorShape({2, 1, 4, 5}), TensorShape({1, 3, 5, 6})},  // both ways
      {TensorShape({0, 4, 5}), TensorShape({5, 6})},        // empty batch
      {TensorShape({2, 4, 0}), TensorShape({2, 0, 6})},     // empty sum
      {TensorShape({2, 4, 5}), TensorShape({3, 5, 6})},     // incompatible
  };
  for (const auto& [x, y] : cases) {
    for (bool adj_x : {false, true}) {
      for (bool adj_y : {false, true}) {
        TensorShape sx = x, sy = y;
        const int rx = x.dims(), ry = y.dims();
        if (adj_x) {
          sx.set_dim(rx - 1, x.dim_size(rx - 2));
          sx.set_dim(rx - 2, x.dim_size(rx - 1));
        }
        if (adj_y) {
          sy.set_dim(ry - 1, y.dim_size(ry - 2));
          sy.set_dim(ry - 2, y.dim_size(ry - 1));
        }
        const AttrList attrs = {{"adj_x", MakeAttr(adj_x)},
                                {"adj_y", MakeAttr(adj_y)}};
        Check("BatchMatMulV2", {{Random<float>(sx, -1, 1, 1)},
                                {Random<float>(sy, -1, 1, 2)}}, attrs, 1e-5);
        Check("BatchMatMulV2", {{Random<double>(sx, -1, 1, 1)},
                                {Random<double>(sy, -1, 1, 2)}}, attrs, 1e-12);
      }
    }
  }
}

TEST_F(GpuKernelsTest, ReductionsOverAnyAxes) {
  struct Case {
    TensorShape shape;
    std::vector<int32_t> axes;
  };
  const Case cases[] = {
      {TensorShape({}), {}},
      {TensorShape({4099}), {0}},
      {TensorShape({3, 5, 17}), {1}},
      {TensorShape({3, 5, 17}), {0, 2}},
      {TensorShape({3, 5, 17}), {-1}},
      {TensorShape({3, 5, 17}), {0, 1, 2}},
      {TensorShape({2, 1, 7}), {1}},          // only a size-1 dim
      {TensorShape({300, 40}), {0}},          // long strided groups
      {TensorShape({2, 3, 4, 5, 6}), {0, 2, 4}},
      {TensorShape({0, 3}), {0}},             // empty groups: identity
      {TensorShape({3, 0}), {0}},             // no groups
      {TensorShape({3, 5}), {2}},             // bad axis
  };
  const char* ops[] = {"Sum", "Mean", "Prod", "Max", "Min"};
  for (const Case& c : cases) {
    for (bool keep_dims : {false, true}) {
      const AttrList attrs = {{"keep_dims", MakeAttr(keep_dims)}};
      const Tensor axes = Tensor::FromVector<int32_t>(c.axes);
      Tensor axes64(DT_INT64, axes.shape());
      for (int64_t i = 0; i < axes.NumElements(); ++i) {
        axes64.flat<int64_t>()[i] = c.axes[i];
      }
      for (const char* op : ops) {
        // Prod stays near 1 so that long products neither vanish nor blow.
        const bool prod = std::string(op) == "Prod";
        Check(op, {{Random<float>(c.shape, prod ? 0.99 : -1, prod ? 1.01 : 1)},
                   {axes}}, attrs, 1e-4);
        Check(op, {{Random<double>(c.shape, -1, 1)}, {axes64}}, attrs, 1e-12);
        Check(op, {{Random<int64_t>(c.shape, prod ? -2 : -100, prod ? 3 : 100)},
                   {axes}}, attrs);
      }
    }
  }
}

TEST_F(GpuKernelsTest, ArgMaxArgMin) {
  for (const char* op : {"ArgMax", "ArgMin"}) {
    for (const TensorShape& s :
         {TensorShape({7}), TensorShape({3, 5, 17}), TensorShape({4099, 3})}) {
      for (int dim = -s.dims(); dim < s.dims(); ++dim) {
        for (DataType out : {DT_INT32, DT_INT64}) {
          const AttrList attrs = {{"output_type", MakeAttr(out)}};
          Check(op, {{Random<float>(s, -9, 9)}, {Tensor::Scalar<int32_t>(dim)}},
                attrs);
          // Few distinct values: ties go to the first index.
          Check(op, {{Random<int64_t>(s, 0, 3)}, {Tensor::Scalar<int64_t>(dim)}},
                attrs);
        }
      }
    }
    Check(op, {{Random<float>(TensorShape({3, 0}), 0, 1)},
               {Tensor::Scalar<int32_t>(1)}});  // empty axis: error
    Check(op, {{Random<double>(TensorShape({0, 4}), 0, 1)},
               {Tensor::Scalar<int32_t>(1)}});  // empty output
  }
}

TEST_F(GpuKernelsTest, BiasAddGrad) {
  for (const char* format : {"NHWC", "NCHW"}) {
    const AttrList attrs = {{"data_format", MakeAttr(format)}};
    for (const TensorShape& s :
         {TensorShape({5, 3}), TensorShape({2, 3, 4, 5}), TensorShape({0, 3, 2}),
          TensorShape({512, 3, 9}), TensorShape({4})}) {
      Check("BiasAddGrad", {{Random<float>(s, -1, 1)}}, attrs, 1e-4);
      Check("BiasAddGrad", {{Random<double>(s, -1, 1)}}, attrs, 1e-12);
    }
  }
}

TEST_F(GpuKernelsTest, SoftmaxFamily) {
  for (const TensorShape& s :
       {TensorShape({10}), TensorShape({3, 1}), TensorShape({7, 1000}),
        TensorShape({2, 3, 300}), TensorShape({4, 0}), TensorShape({0, 5})}) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      Check(op, {{Random<float>(s, -20, 20)}}, {}, 1e-5);
      Check(op, {{Random<double>(s, -20, 20)}}, {}, 1e-12);
    }
  }
  for (const TensorShape& s :
       {TensorShape({1, 1}), TensorShape({8, 10}), TensorShape({3, 1001}),
        TensorShape({0, 4})}) {
    // Labels: a probability distribution per row.
    Tensor labels = Random<float>(s, 0, 1, 5);
    for (int64_t r = 0; r < s.dim_size(0); ++r) {
      float total = 0;
      for (int64_t j = 0; j < s.dim_size(1); ++j) {
        total += labels.flat<float>()[r * s.dim_size(1) + j];
      }
      for (int64_t j = 0; j < s.dim_size(1); ++j) {
        labels.flat<float>()[r * s.dim_size(1) + j] /= total;
      }
    }
    Check("SoftmaxCrossEntropyWithLogits",
          {{Random<float>(s, -10, 10)}, {labels}}, {}, 2e-5);
    Tensor ids32(DT_INT32, TensorShape({s.dim_size(0)}));
    Tensor ids64(DT_INT64, TensorShape({s.dim_size(0)}));
    for (int64_t r = 0; r < s.dim_size(0); ++r) {
      ids32.flat<int32_t>()[r] = static_cast<int32_t>((r * 7) % s.dim_size(1));
      ids64.flat<int64_t>()[r] = (r * 5) % s.dim_size(1);
    }
    Check("SparseSoftmaxCrossEntropyWithLogits",
          {{Random<float>(s, -10, 10)}, {ids32}}, {}, 2e-5);
    Check("SparseSoftmaxCrossEntropyWithLogits",
          {{Random<double>(s, -10, 10)}, {ids64}}, {}, 1e-12);
  }
}

TEST_F(GpuKernelsTest, SparseXentOutOfRangeLabelGivesNan) {
  // The CPU kernel fails; the GPU kernel cannot read labels without a
  // sync and marks the row instead, as TensorFlow's GPU kernel does.
  const Tensor logits = Random<float>(TensorShape({2, 3}), -1, 1);
  const Tensor ids = Tensor::FromVector<int32_t>({1, 7});
  auto got = RunKernel(gpu_, "SparseSoftmaxCrossEntropyWithLogits", {},
                       {{logits}, {ids}});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(std::isnan((*got)[0].flat<float>()[0]));
  EXPECT_TRUE(std::isnan((*got)[0].flat<float>()[1]));
  for (int j = 0; j < 3; ++j) {
    EXPECT_FALSE(std::isnan((*got)[1].flat<float>()[j]));
    EXPECT_TRUE(std::isnan((*got)[1].flat<float>()[3 + j]));
  }
}

TEST(GpuKernelRegistrationTest, OpsAndTypesMatchTheCpuKernels) {
  for (const char* op :
       {"Neg", "Exp", "Tanh", "Sigmoid", "Relu", "ReluGrad", "Softplus",
        "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Pow", "Less", "AddN",
        "BiasAdd", "BiasAddGrad", "MatMul", "BatchMatMulV2", "Softmax",
        "LogSoftmax", "SoftmaxCrossEntropyWithLogits", "Sum", "Mean", "Max",
        "ArgMax"}) {
    EXPECT_NE(FindGpuKernel(op, {{"T", DT_FLOAT}}), nullptr) << op;
    EXPECT_NE(FindGpuKernel(op, {{"T", DT_DOUBLE}}), nullptr) << op;
  }
  EXPECT_NE(FindGpuKernel("Cast", {{"SrcT", DT_INT32}, {"DstT", DT_FLOAT}}),
            nullptr);
  EXPECT_NE(FindGpuKernel("SparseSoftmaxCrossEntropyWithLogits",
                          {{"T", DT_FLOAT}, {"Tlabels", DT_INT64}}),
            nullptr);
  EXPECT_NE(FindGpuKernel("Select", {{"T", DT_INT32}}), nullptr);
}

TEST(GpuKernelRegistrationTest, AxesAreHostMemory) {
  const KernelDef* sum = FindGpuKernel("Sum", {{"T", DT_FLOAT}});
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->host_memory_args,
            std::vector<std::string>{"reduction_indices"});
  const KernelDef* arg = FindGpuKernel("ArgMin", {{"T", DT_INT64}});
  ASSERT_NE(arg, nullptr);
  EXPECT_EQ(arg->host_memory_args, std::vector<std::string>{"dimension"});
}

}  // namespace
}  // namespace tessera
