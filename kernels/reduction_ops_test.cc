// Tests for the Sum, Mean, Max, Min, Prod, ArgMax and ArgMin kernels, their
// shape functions and builders.
#include "ops/reduction_ops.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/kernel_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

template <typename T>
Tensor Make(std::initializer_list<double> values, const TensorShape& shape) {
  std::vector<T> v;
  for (double x : values) v.push_back(static_cast<T>(x));
  return Tensor::FromVector<T>(v, shape);
}

void ExpectTensorEq(const Tensor& got, const Tensor& want,
                    double tolerance = 0) {
  std::string why;
  EXPECT_TRUE(TensorsNear(got, want, tolerance, &why)) << why;
}

KernelTester Reduce(const std::string& op, const Tensor& input,
                    const Tensor& axes, bool keep_dims = false) {
  KernelTester t(op);
  t.Input(input).Input(axes).Attr("keep_dims", keep_dims);
  return t;
}

Tensor Axes(std::vector<int32_t> axes) {
  return Tensor::FromVector<int32_t>(axes);
}

Tensor RunOne(const KernelTester& tester) {
  absl::StatusOr<std::vector<Tensor>> out = tester.Run();
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok() || out->size() != 1) return Tensor();
  return (*out)[0];
}

// ---- Basic values for every registered real type.

template <typename T>
class ReductionTypedTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double, half, bfloat16, int8_t,
                                   int16_t, int32_t, int64_t, uint8_t>;
TYPED_TEST_SUITE(ReductionTypedTest, RealTypes);

TYPED_TEST(ReductionTypedTest, TwoByThree) {
  using T = TypeParam;
  const Tensor x = Make<T>({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({0}))), Make<T>({5, 7, 9}, {3}));
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({1}))), Make<T>({6, 15}, {2}));
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({0, 1}))), Make<T>({21}, {}));
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({-1}), true)),
                 Make<T>({6, 15}, {2, 1}));
  ExpectTensorEq(RunOne(Reduce("Prod", x, Axes({0}))),
                 Make<T>({4, 10, 18}, {3}));
  ExpectTensorEq(RunOne(Reduce("Prod", x, Axes({1}))), Make<T>({6, 120}, {2}));
  ExpectTensorEq(RunOne(Reduce("Max", x, Axes({0}))), Make<T>({4, 5, 6}, {3}));
  ExpectTensorEq(RunOne(Reduce("Max", x, Axes({-2, -1}))), Make<T>({6}, {}));
  ExpectTensorEq(RunOne(Reduce("Min", x, Axes({1}))), Make<T>({1, 4}, {2}));
  ExpectTensorEq(RunOne(Reduce("Mean", x, Axes({1}))), Make<T>({2, 5}, {2}));
  // Integer means divide with truncation, as TensorFlow does.
  const bool integral = std::numeric_limits<T>::is_integer;
  ExpectTensorEq(
      RunOne(Reduce("Mean", x, Axes({0}))),
      integral ? Make<T>({2, 3, 4}, {3}) : Make<T>({2.5, 3.5, 4.5}, {3}));
}

TYPED_TEST(ReductionTypedTest, ArgMaxArgMin) {
  using T = TypeParam;
  const Tensor x = Make<T>({1, 5, 3, 7, 2, 7}, {2, 3});
  auto arg = [&](const char* op, int32_t dim) {
    return RunOne(KernelTester(op).Input(x).Input(Tensor::Scalar(dim)));
  };
  // Ties keep the first index.
  ExpectTensorEq(arg("ArgMax", 1), Make<int64_t>({1, 0}, {2}));
  ExpectTensorEq(arg("ArgMax", 0), Make<int64_t>({1, 0, 1}, {3}));
  ExpectTensorEq(arg("ArgMin", -1), Make<int64_t>({0, 1}, {2}));
  ExpectTensorEq(arg("ArgMin", 0), Make<int64_t>({0, 1, 0}, {3}));
}

TEST(ReductionTest, ComplexSumProdMean) {
  const Tensor x =
      Tensor::FromVector<complex64>({{1, 1}, {2, -1}, {0, 2}, {1, 0}}, {2, 2});
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({0}))),
                 Tensor::FromVector<complex64>({{1, 3}, {3, -1}}, {2}));
  // (1+i)(2-i) = 3+i; (2i)(1) = 2i.
  ExpectTensorEq(RunOne(Reduce("Prod", x, Axes({1}))),
                 Tensor::FromVector<complex64>({{3, 1}, {0, 2}}, {2}));
  ExpectTensorEq(RunOne(Reduce("Mean", x, Axes({0, 1}))),
                 Tensor::FromVector<complex64>({{1, 0.5}}, {}));
}

TEST(ReductionTest, ScalarAndInt64Axes) {
  const Tensor x = Make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectTensorEq(RunOne(Reduce("Sum", x, Tensor::Scalar<int32_t>(1))),
                 Make<float>({6, 15}, {2}));
  ExpectTensorEq(
      RunOne(Reduce("Max", x, Tensor::FromVector<int64_t>({-2}), true)),
      Make<float>({4, 5, 6}, {1, 3}));
  // Repeating an axis reduces it once.
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({1, -1}))),
                 Make<float>({6, 15}, {2}));
}

TEST(ReductionTest, NoAxesOrOnlySizeOneAxesIsIdentity) {
  const Tensor x = Make<int32_t>({1, 2, 3, 4, 5, 6}, {2, 1, 3});
  for (const char* op : {"Sum", "Mean", "Max", "Min", "Prod"}) {
    SCOPED_TRACE(op);
    ExpectTensorEq(RunOne(Reduce(op, x, Axes({}))), x);
    ExpectTensorEq(RunOne(Reduce(op, x, Axes({1}))),
                   Make<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3}));
  }
  ExpectTensorEq(RunOne(Reduce("Sum", Make<float>({7}, {}), Axes({}))),
                 Make<float>({7}, {}));
}

TEST(ReductionTest, EmptyReductionGivesIdentity) {
  const Tensor x(DT_FLOAT, {0, 3});
  const float inf = std::numeric_limits<float>::infinity();
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({0}))),
                 Make<float>({0, 0, 0}, {3}));
  ExpectTensorEq(RunOne(Reduce("Prod", x, Axes({0}), true)),
                 Make<float>({1, 1, 1}, {1, 3}));
  ExpectTensorEq(RunOne(Reduce("Max", x, Axes({0}))),
                 Make<float>({-inf, -inf, -inf}, {3}));
  ExpectTensorEq(RunOne(Reduce("Min", x, Axes({0}))),
                 Make<float>({inf, inf, inf}, {3}));
  const Tensor mean = RunOne(Reduce("Mean", x, Axes({0})));
  ASSERT_EQ(mean.shape(), TensorShape({3}));
  for (float v : mean.flat<float>()) EXPECT_TRUE(std::isnan(v));
  // Integer identities: lowest for Max, 0 for an empty Mean.
  const Tensor xi(DT_INT32, {3, 0});
  ExpectTensorEq(RunOne(Reduce("Max", xi, Axes({1}))),
                 Tensor::FromVector<int32_t>(std::vector<int32_t>(
                     3, std::numeric_limits<int32_t>::lowest())));
  ExpectTensorEq(RunOne(Reduce("Mean", xi, Axes({1}))),
                 Make<int32_t>({0, 0, 0}, {3}));
  // Reducing the non-empty dim leaves an empty result.
  EXPECT_EQ(RunOne(Reduce("Sum", x, Axes({1}))).shape(), TensorShape({0}));
}

// Reference reduction over any axes, written independently of the kernel.
template <typename T, typename F>
Tensor NaiveReduce(const Tensor& x, const std::vector<bool>& reduced, T init,
                   F combine) {
  TensorShape out_shape;
  for (int i = 0; i < x.dims(); ++i) {
    if (!reduced[i]) out_shape.AddDim(x.dim_size(i));
  }
  std::vector<T> out(out_shape.num_elements(), init);
  std::vector<int64_t> coord(x.dims(), 0);
  for (int64_t e = 0; e < x.NumElements(); ++e) {
    int64_t o = 0;
    for (int i = 0; i < x.dims(); ++i) {
      if (!reduced[i]) o = o * x.dim_size(i) + coord[i];
    }
    out[o] = combine(out[o], x.data<T>()[e]);
    for (int i = x.dims() - 1; i >= 0; --i) {
      if (++coord[i] < x.dim_size(i)) break;
      coord[i] = 0;
    }
  }
  return Tensor::FromVector<T>(out, out_shape);
}

template <typename T>
Tensor Pattern(const TensorShape& shape, int mod) {
  std::vector<T> v(shape.num_elements());
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<T>(static_cast<int64_t>((i * 7919) % mod) - mod / 2);
  }
  return Tensor::FromVector<T>(v, shape);
}

void CheckAgainstReference(const Tensor& x, const std::vector<int32_t>& axes) {
  std::vector<bool> reduced(x.dims(), false);
  for (int32_t a : axes) reduced[a < 0 ? a + x.dims() : a] = true;
  auto sum = [](int64_t a, int64_t b) { return a + b; };
  auto max = [](int64_t a, int64_t b) { return std::max(a, b); };
  auto min = [](int64_t a, int64_t b) { return std::min(a, b); };
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes(axes))),
                 NaiveReduce<int64_t>(x, reduced, 0, sum));
  ExpectTensorEq(RunOne(Reduce("Max", x, Axes(axes))),
                 NaiveReduce<int64_t>(
                     x, reduced, std::numeric_limits<int64_t>::min(), max));
  ExpectTensorEq(RunOne(Reduce("Min", x, Axes(axes))),
                 NaiveReduce<int64_t>(
                     x, reduced, std::numeric_limits<int64_t>::max(), min));
}

TEST(ReductionTest, InterleavedAxesMatchReference) {
  const Tensor x = Pattern<int64_t>({2, 3, 4, 5}, 101);
  for (const auto& axes : std::vector<std::vector<int32_t>>{{0},
                                                            {1},
                                                            {2},
                                                            {3},
                                                            {0, 2},
                                                            {1, 3},
                                                            {0, 3},
                                                            {1, 2},
                                                            {0, 1, 2, 3},
                                                            {0, 2, 3},
                                                            {-1, -3}}) {
    SCOPED_TRACE(testing::PrintToString(axes));
    CheckAgainstReference(x, axes);
  }
  // Size-1 dims between reduced dims merge away.
  CheckAgainstReference(Pattern<int64_t>({3, 1, 4, 1, 2}, 31), {0, 2, 4});
  CheckAgainstReference(Pattern<int64_t>({3, 1, 4, 1, 2}, 31), {1, 2});
}

TEST(ReductionTest, LargeReductionsUseThePool) {
  // Rows, columns with few outputs (the reduced dim is chunked), and tiles.
  CheckAgainstReference(Pattern<int64_t>({3, 100000}, 1009), {1});
  CheckAgainstReference(Pattern<int64_t>({100000, 3}, 1009), {0});
  CheckAgainstReference(Pattern<int64_t>({200, 300, 5}, 97), {1});
  CheckAgainstReference(Pattern<int64_t>({40, 50, 60}, 97), {0, 2});
  CheckAgainstReference(Pattern<int64_t>({1 << 18}, 1013), {0});
  // Many short rows, reduced along and across.
  CheckAgainstReference(Pattern<int64_t>({100000, 3}, 1009), {1});
  CheckAgainstReference(Pattern<int64_t>({1001, 3}, 101), {0});
  CheckAgainstReference(Pattern<int64_t>({1001, 3}, 101), {1});

  // Float sums of integers stay exact below 2^24.
  Tensor ones = Tensor::FromVector<float>(std::vector<float>(1 << 20, 1.f));
  ExpectTensorEq(RunOne(Reduce("Sum", ones, Axes({0}))),
                 Make<float>({1 << 20}, {}));
  Tensor ones_2d = *ones.Reshaped({4, 1 << 18});
  ExpectTensorEq(RunOne(Reduce("Mean", ones_2d, Axes({1}))),
                 Make<float>({1, 1, 1, 1}, {4}));
  ExpectTensorEq(RunOne(Reduce("Mean", ones_2d, Axes({0}), true)),
                 Tensor::FromVector<float>(std::vector<float>(1 << 18, 1.f),
                                           {1, 1 << 18}));
}

TEST(ReductionTest, HalfAccumulatesInFloat) {
  // In half precision 2048 + 1 rounds back to 2048.
  const Tensor x =
      Tensor::FromVector<half>(std::vector<half>(4096, half(1.f)), {4096});
  ExpectTensorEq(RunOne(Reduce("Sum", x, Axes({0}))), Make<half>({4096}, {}));
  ExpectTensorEq(RunOne(Reduce("Mean", *x.Reshaped({64, 64}), Axes({0}))),
                 Tensor::FromVector<half>(std::vector<half>(64, half(1.f))));
}

TEST(ReductionTest, Errors) {
  const Tensor x = Make<float>({1, 2, 3, 4}, {2, 2});
  for (int32_t bad : {2, -3}) {
    auto out = Reduce("Sum", x, Axes({bad})).Run();
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(out.status().message(),
                HasSubstr("Invalid reduction dimension"));
    EXPECT_THAT(out.status().message(), HasSubstr(absl::StrCat(bad)));
  }
  auto out = Reduce("Max", x, Make<int32_t>({0, 1}, {1, 2})).Run();
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("scalar or vector"));
  out = Reduce("Min", Make<float>({1}, {}), Axes({0})).Run();
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("0 dimension(s)"));
}

// ---- ArgMax / ArgMin beyond the typed basics.

KernelTester Arg(const char* op, const Tensor& x, const Tensor& dim) {
  KernelTester t(op);
  t.Input(x).Input(dim);
  return t;
}

TEST(ArgOpTest, InnerDimsOutputTypeAndBool) {
  // x[i][j][k], shape [2, 3, 2]; argmax over j.
  const Tensor x =
      Make<float>({1, 9, 4, 2, 4, 8, 0, 0, 3, -1, 3, 5}, {2, 3, 2});
  ExpectTensorEq(RunOne(Arg("ArgMax", x, Tensor::Scalar<int64_t>(1))),
                 Make<int64_t>({1, 0, 1, 2}, {2, 2}));
  ExpectTensorEq(RunOne(Arg("ArgMin", x, Tensor::Scalar<int32_t>(1))
                            .Attr("output_type", DT_INT32)),
                 Make<int32_t>({0, 1, 0, 1}, {2, 2}));
  const Tensor b = Tensor::FromVector<bool>({false, true, true, false});
  ExpectTensorEq(RunOne(Arg("ArgMax", b, Tensor::Scalar<int32_t>(0))),
                 Make<int64_t>({1}, {}));
  ExpectTensorEq(RunOne(Arg("ArgMin", b, Tensor::Scalar<int32_t>(0))),
                 Make<int64_t>({0}, {}));
}

TEST(ArgOpTest, LongRowsKeepFirstOfTies) {
  // 45 values: long enough for the lane-parallel scan plus a tail.
  std::vector<float> v(45, 0.f);
  v[13] = v[20] = v[44] = 5.f;
  v[9] = v[40] = -1.f;
  const Tensor x = Tensor::FromVector<float>(v);
  ExpectTensorEq(RunOne(Arg("ArgMax", x, Tensor::Scalar<int32_t>(0))),
                 Make<int64_t>({13}, {}));
  ExpectTensorEq(RunOne(Arg("ArgMin", x, Tensor::Scalar<int32_t>(0))),
                 Make<int64_t>({9}, {}));
  v[44] = 6.f;  // a new best in the tail
  ExpectTensorEq(RunOne(Arg("ArgMax", Tensor::FromVector<float>(v),
                            Tensor::Scalar<int32_t>(0))),
                 Make<int64_t>({44}, {}));
}

TEST(ArgOpTest, LargeMatchesReference) {
  const Tensor x = Pattern<int32_t>({300, 1000}, 997);
  for (int axis = 0; axis < 2; ++axis) {
    const Tensor got = RunOne(Arg("ArgMax", x, Tensor::Scalar<int32_t>(axis)));
    const int64_t outer = axis == 0 ? 1000 : 300, n = x.dim_size(axis);
    ASSERT_EQ(got.NumElements(), outer);
    for (int64_t o = 0; o < outer; ++o) {
      int64_t best = 0;
      auto at = [&](int64_t r) {
        return axis == 0 ? x.data<int32_t>()[r * 1000 + o]
                         : x.data<int32_t>()[o * 1000 + r];
      };
      for (int64_t r = 1; r < n; ++r) {
        if (at(r) > at(best)) best = r;
      }
      ASSERT_EQ(got.data<int64_t>()[o], best) << "axis " << axis << " o " << o;
    }
  }
}

TEST(ArgOpTest, Errors) {
  const Tensor x = Make<float>({1, 2, 3, 4}, {2, 2});
  auto out = Arg("ArgMax", x, Tensor::Scalar<int32_t>(2)).Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("[-2, 2), but got 2"));
  out = Arg("ArgMax", x, Axes({0})).Run();
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("must be a scalar"));
  out =
      Arg("ArgMin", Tensor(DT_FLOAT, {0, 3}), Tensor::Scalar<int32_t>(0)).Run();
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("Reduction axis 0 is empty"));
  EXPECT_THAT(out.status().message(), HasSubstr("[0,3]"));
  out = Arg("ArgMin", Make<float>({1}, {}), Tensor::Scalar<int32_t>(0)).Run();
  ASSERT_FALSE(out.ok());
  // An empty non-reduced dim is fine: the result is empty.
  EXPECT_EQ(RunOne(Arg("ArgMax", Tensor(DT_FLOAT, {0, 3}),
                       Tensor::Scalar<int32_t>(1)))
                .shape(),
            TensorShape({0}));
}

// ---- Shape functions.

absl::StatusOr<PartialTensorShape> Infer(KernelTester& t) {
  auto shapes = t.InferShapes();
  if (!shapes.ok()) return shapes.status();
  return (*shapes)[0];
}

void ExpectShape(const absl::StatusOr<PartialTensorShape>& got,
                 const PartialTensorShape& want) {
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->IsIdenticalTo(want))
      << "got " << got->DebugString() << ", want " << want.DebugString();
}

absl::StatusOr<PartialTensorShape> ReduceShape(
    const PartialTensorShape& in, const Tensor* axes, bool keep_dims,
    PartialTensorShape axes_shape = PartialTensorShape({1})) {
  KernelTester t("Sum");
  t.InputShape(DT_FLOAT, in);
  if (axes != nullptr) {
    t.Input(*axes);
  } else {
    t.InputShape(DT_INT32, axes_shape);
  }
  t.Attr("keep_dims", keep_dims);
  return Infer(t);
}

TEST(ReductionShapeTest, KnownPartialAndUnknown) {
  const Tensor a1 = Axes({1}), a02 = Axes({0, -1});
  ExpectShape(ReduceShape({2, 3, 4}, &a1, false), {2, 4});
  ExpectShape(ReduceShape({2, 3, 4}, &a1, true), {2, 1, 4});
  ExpectShape(ReduceShape({2, 3, 4}, &a02, false), {3});
  ExpectShape(ReduceShape({-1, 3, -1}, &a1, false), {-1, -1});
  ExpectShape(ReduceShape({-1, 3, -1}, &a02, true), {1, 3, 1});
  // Axes known only by shape.
  ExpectShape(ReduceShape({2, 3, 4}, nullptr, true), {-1, -1, -1});
  ExpectShape(ReduceShape({2, 3, 4}, nullptr, false), PartialTensorShape());
  ExpectShape(ReduceShape({2, -1}, nullptr, false, {0}), {2, -1});
  ExpectShape(ReduceShape({2, 3, 4}, nullptr, false,
                          PartialTensorShape::UnknownOfRank(0)),
              {-1, -1});
  ExpectShape(ReduceShape(PartialTensorShape(), &a1, true),
              PartialTensorShape());
}

TEST(ReductionShapeTest, Errors) {
  const Tensor bad = Axes({3});
  auto s = ReduceShape({2, 3, 4}, &bad, false);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("Invalid reduction dimension 3"));
  EXPECT_THAT(s.status().message(), HasSubstr("[2,3,4]"));
  s = ReduceShape({2, 3}, nullptr, false, {1, 2});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("at most rank 1"));
}

TEST(ArgOpShapeTest, KnownPartialAndUnknown) {
  auto arg_shape = [](const PartialTensorShape& in, const Tensor* dim) {
    KernelTester t("ArgMax");
    t.InputShape(DT_FLOAT, in);
    if (dim != nullptr) {
      t.Input(*dim);
    } else {
      t.InputShape(DT_INT32, PartialTensorShape::UnknownOfRank(0));
    }
    return Infer(t);
  };
  const Tensor d1 = Tensor::Scalar<int32_t>(1);
  const Tensor dm1 = Tensor::Scalar<int64_t>(-1);
  ExpectShape(arg_shape({2, 3, 4}, &d1), {2, 4});
  ExpectShape(arg_shape({-1, 3, 4}, &dm1), {-1, 3});
  ExpectShape(arg_shape({2, 3, 4}, nullptr), {-1, -1});
  ExpectShape(arg_shape({5}, nullptr), PartialTensorShape::UnknownOfRank(0));
  ExpectShape(arg_shape(PartialTensorShape(), &d1), PartialTensorShape());
  const Tensor d5 = Tensor::Scalar<int32_t>(5);
  auto s = arg_shape({2, 3}, &d5);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("[-2, 2)"));

  KernelTester vec_dim("ArgMin");
  vec_dim.InputShape(DT_FLOAT, {2, 3}).InputShape(DT_INT32, {2});
  s = Infer(vec_dim);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("rank 0"));
}

// ---- Builders.

TEST(ReductionBuildersTest, NodesCarryAttrsAndShapes) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Const(root, {{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Output sum = ops::Sum(root, x, {0, 1}, true);
  Output mean = ops::Mean(root, x, 1);
  Output max = ops::Max(root, x, {-1});
  Output min = ops::Min(root, x, 0);
  Output prod = ops::Prod(root, x, Axes({}));
  Output argmax = ops::ArgMax(root, x, 0, DT_INT32);
  Output argmin = ops::ArgMin(root, x, 1);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(sum.node->name(), "Sum");
  EXPECT_TRUE(sum.node->attrs().at("keep_dims").b());
  EXPECT_EQ(sum.node->attrs().at("Tidx").type(), DT_INT32);
  EXPECT_TRUE(sum.shape().IsIdenticalTo(PartialTensorShape({1, 1})));
  EXPECT_TRUE(mean.shape().IsIdenticalTo(PartialTensorShape({2})));
  EXPECT_TRUE(max.shape().IsIdenticalTo(PartialTensorShape({2})));
  EXPECT_TRUE(min.shape().IsIdenticalTo(PartialTensorShape({3})));
  EXPECT_TRUE(prod.shape().IsIdenticalTo(PartialTensorShape({2, 3})));
  EXPECT_EQ(min.node->type_string(), "Min");
  EXPECT_EQ(prod.node->type_string(), "Prod");
  EXPECT_EQ(argmax.node->name(), "ArgMax");
  EXPECT_EQ(argmax.dtype(), DT_INT32);
  EXPECT_TRUE(argmax.shape().IsIdenticalTo(PartialTensorShape({3})));
  EXPECT_EQ(argmin.dtype(), DT_INT64);
  EXPECT_TRUE(argmin.shape().IsIdenticalTo(PartialTensorShape({2})));

  ops::Sum(root.WithOpName("bad_sum"), x, 2);
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("bad_sum"));
}

}  // namespace
}  // namespace tessera
