// Tests for the element-wise math kernels, their shape functions and
// builders. Expected values are worked out by hand.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/kernel_test_util.h"
#include "core/op_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

template <typename T>
Tensor V(const std::vector<T>& v, const TensorShape& shape) {
  return Tensor::FromVector(v, shape);
}
template <typename T>
Tensor V(const std::vector<T>& v) {
  return Tensor::FromVector(v);
}
template <typename T>
Tensor S(T v) {
  return Tensor::Scalar(v);
}
std::vector<half> H(const std::vector<float>& v) {
  return std::vector<half>(v.begin(), v.end());
}

Tensor Run1(const KernelTester& t) {
  auto r = t.Run();
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? (*r)[0] : Tensor();
}
Tensor Binary(const std::string& op, Tensor x, Tensor y) {
  return Run1(KernelTester(op).Input(std::move(x)).Input(std::move(y)));
}
Tensor Unary(const std::string& op, Tensor x) {
  return Run1(KernelTester(op).Input(std::move(x)));
}
void ExpectNear(const Tensor& got, const Tensor& want, double tol = 0) {
  std::string why;
  EXPECT_TRUE(TensorsNear(got, want, tol, &why)) << why;
}
// Checks the code and that the message mentions every part of `parts`.
void ExpectError(const absl::Status& s, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  EXPECT_EQ(s.code(), code) << s;
  for (const std::string& p : parts) {
    EXPECT_THAT(std::string(s.message()), HasSubstr(p));
  }
}
absl::Status BinaryStatus(const std::string& op, Tensor x, Tensor y) {
  return KernelTester(op).Input(std::move(x)).Input(std::move(y)).Run()
      .status();
}
PartialTensorShape Infer(const KernelTester& t) {
  auto r = t.InferShapes();
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? (*r)[0] : PartialTensorShape({-99});
}
void ExpectShape(const PartialTensorShape& got, const PartialTensorShape& want) {
  EXPECT_TRUE(got.IsIdenticalTo(want))
      << "got " << got.DebugString() << ", want " << want.DebugString();
}

// ---- Binary arithmetic.

TEST(CwiseBinaryTest, FloatArithmeticSameShape) {
  Tensor x = V<float>({1, -2, 3.5f, 8}, {2, 2});
  Tensor y = V<float>({4, 0.5f, -2, 8}, {2, 2});
  ExpectNear(Binary("Add", x, y), V<float>({5, -1.5f, 1.5f, 16}, {2, 2}));
  ExpectNear(Binary("AddV2", x, y), V<float>({5, -1.5f, 1.5f, 16}, {2, 2}));
  ExpectNear(Binary("Sub", x, y), V<float>({-3, -2.5f, 5.5f, 0}, {2, 2}));
  ExpectNear(Binary("Mul", x, y), V<float>({4, -1, -7, 64}, {2, 2}));
  ExpectNear(Binary("Div", x, y), V<float>({0.25f, -4, -1.75f, 1}, {2, 2}));
  ExpectNear(Binary("RealDiv", x, y), V<float>({0.25f, -4, -1.75f, 1}, {2, 2}));
  ExpectNear(Binary("DivNoNan", V<float>({1, -2, 3, 0}, {2, 2}),
                    V<float>({0, 4, 0, 0}, {2, 2})),
             V<float>({0, -0.5f, 0, 0}, {2, 2}));
  ExpectNear(Binary("Maximum", x, y), V<float>({4, 0.5f, 3.5f, 8}, {2, 2}));
  ExpectNear(Binary("Minimum", x, y), V<float>({1, -2, -2, 8}, {2, 2}));
  ExpectNear(Binary("SquaredDifference", x, y),
             V<float>({9, 6.25f, 30.25f, 0}, {2, 2}));
  ExpectNear(Binary("Pow", V<float>({2, 9, 2, -3}), V<float>({10, 0.5f, -1, 3})),
             V<float>({1024, 3, 0.5f, -27}));
}

TEST(CwiseBinaryTest, FloorDivAndFloorModFloat) {
  Tensor x = V<double>({7.5, -7.5, 7.5, -7.5});
  Tensor y = V<double>({2, 2, -2, -2});
  ExpectNear(Binary("FloorDiv", x, y), V<double>({3, -4, -4, 3}));
  ExpectNear(Binary("FloorMod", x, y), V<double>({1.5, 0.5, -0.5, -1.5}));
}

TEST(CwiseBinaryTest, IntegerDivisionSemantics) {
  Tensor x = V<int32_t>({7, -7, 7, -7, 6});
  Tensor y = V<int32_t>({2, 2, -2, -2, 3});
  // Div truncates toward zero (C), FloorDiv rounds toward -inf.
  ExpectNear(Binary("Div", x, y), V<int32_t>({3, -3, -3, 3, 2}));
  ExpectNear(Binary("FloorDiv", x, y), V<int32_t>({3, -4, -4, 3, 2}));
  ExpectNear(Binary("FloorMod", x, y), V<int32_t>({1, 1, -1, -1, 0}));
  Tensor x64 = V<int64_t>({-7, 9});
  ExpectNear(Binary("FloorDiv", x64, S<int64_t>(4)), V<int64_t>({-2, 2}));
  ExpectNear(Binary("FloorMod", x64, S<int64_t>(4)), V<int64_t>({1, 1}));
  ExpectNear(Binary("Div", V<uint8_t>({200, 9}), S<uint8_t>(4)),
             V<uint8_t>({50, 2}));
}

TEST(CwiseBinaryTest, IntegerOverflowCasesDoNotTrap) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  Tensor x = V<int32_t>({kMin, 5});
  Tensor m1 = V<int32_t>({-1, -1});
  ExpectNear(Binary("Div", x, m1), V<int32_t>({kMin, -5}));
  ExpectNear(Binary("FloorDiv", x, m1), V<int32_t>({kMin, -5}));
  ExpectNear(Binary("FloorMod", x, m1), V<int32_t>({0, 0}));
  ExpectNear(Binary("Add", S<int32_t>(std::numeric_limits<int32_t>::max()),
                    S<int32_t>(1)),
             S<int32_t>(kMin));
}

TEST(CwiseBinaryTest, IntegerDivisionByZeroFails) {
  for (const char* op : {"Div", "FloorDiv", "FloorMod"}) {
    ExpectError(BinaryStatus(op, V<int32_t>({1, 2}), V<int32_t>({1, 0})),
                absl::StatusCode::kInvalidArgument, {"division by zero"});
  }
  ExpectError(BinaryStatus("Div", V<int64_t>({1}), S<int64_t>(0)),
              absl::StatusCode::kInvalidArgument, {"division by zero"});
  // Floats divide by zero to inf, as IEEE says.
  Tensor inf = Binary("Div", S<float>(1), S<float>(0));
  EXPECT_TRUE(std::isinf(inf.scalar<float>()));
}

TEST(CwiseBinaryTest, IntegerPow) {
  ExpectNear(Binary("Pow", V<int32_t>({2, 3, -2, 7}), V<int32_t>({10, 0, 3, 1})),
             V<int32_t>({1024, 1, -8, 7}));
  ExpectNear(Binary("Pow", S<int64_t>(3), S<int64_t>(20)),
             S<int64_t>(3486784401LL));
  ExpectError(BinaryStatus("Pow", V<int32_t>({2, 2}), V<int32_t>({1, -1})),
              absl::StatusCode::kInvalidArgument, {"negative integer powers"});
}

TEST(CwiseBinaryTest, MaximumMinimumPropagateNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = V<float>({nan, 1});
  Tensor y = V<float>({1, nan});
  Tensor mx = Binary("Maximum", x, y);
  Tensor mn = Binary("Minimum", x, y);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(std::isnan(mx.data<float>()[i]));
    EXPECT_TRUE(std::isnan(mn.data<float>()[i]));
  }
  ExpectNear(Binary("Maximum", V<int64_t>({-3, 4}), S<int64_t>(0)),
             V<int64_t>({0, 4}));
}

TEST(CwiseBinaryTest, RegisteredTypes) {
  ExpectNear(Binary("Add", V<half>(H({1.5f, 2})), V<half>(H({0.25f, -4}))),
             V<half>(H({1.75f, -2})));
  ExpectNear(Binary("Add", V<int8_t>({100, -3}), V<int8_t>({27, 1})),
             V<int8_t>({127, -2}));
  ExpectNear(Binary("Add", V<int16_t>({1000}), V<int16_t>({-3000})),
             V<int16_t>({-2000}));
  ExpectNear(Binary("Add", V<uint8_t>({250}), V<uint8_t>({10})),
             V<uint8_t>({4}));  // wraps modulo 256
  ExpectNear(Binary("Add", V<tstring>({"ab", "c"}), S<tstring>("!")),
             V<tstring>({"ab!", "c!"}));
  ExpectNear(Binary("Sub", V<int64_t>({5}), V<int64_t>({7})), V<int64_t>({-2}));
  ExpectNear(Binary("Mul", V<double>({1.5}), V<double>({-2})), V<double>({-3}));
  ExpectNear(Binary("Mul", V<int16_t>({-3}), V<int16_t>({7})),
             V<int16_t>({-21}));
  ExpectNear(Binary("RealDiv", V<half>(H({3})), V<half>(H({4}))),
             V<half>(H({0.75f})));
  ExpectNear(Binary("SquaredDifference", V<int32_t>({1, 5}), S<int32_t>(3)),
             V<int32_t>({4, 4}));
  ExpectNear(Binary("Minimum", V<half>(H({1, -1})), S<half>(half(0.f))),
             V<half>(H({0, -1})));
  EXPECT_FALSE(BinaryStatus("RealDiv", V<int32_t>({1}), V<int32_t>({1})).ok());
}

// ---- Broadcasting.

TEST(CwiseBroadcastTest, Shapes) {
  // Row vector against a matrix.
  ExpectNear(Binary("Add", V<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                    V<float>({10, 20, 30})),
             V<float>({11, 22, 33, 14, 25, 36}, {2, 3}));
  // Column against row: outer sum.
  ExpectNear(Binary("Sub", V<int32_t>({100, 200}, {2, 1}),
                    V<int32_t>({1, 2, 3}, {1, 3})),
             V<int32_t>({99, 98, 97, 199, 198, 197}, {2, 3}));
  // Different ranks with size-1 dims in the middle: [3,1,2] * [4,1].
  Tensor a = V<float>({1, 2, 3, 4, 5, 6}, {3, 1, 2});
  Tensor b = V<float>({1, 10, 100, 1000}, {4, 1});
  Tensor out = Binary("Mul", a, b);
  ASSERT_EQ(out.shape(), TensorShape({3, 4, 2}));
  // out[i][j][k] = a[i][0][k] * b[j][0]
  EXPECT_EQ(out.data<float>()[0], 1);         // [0][0][0] = 1 * 1
  EXPECT_EQ(out.data<float>()[3], 20);        // [0][1][1] = 2 * 10
  EXPECT_EQ(out.data<float>()[13], 400);      // [1][2][1] = 4 * 100
  EXPECT_EQ(out.data<float>()[23], 6000);     // [2][3][1] = 6 * 1000
}

TEST(CwiseBroadcastTest, ScalarsAndSizeOne) {
  ExpectNear(Binary("Add", S<float>(1), S<float>(2)), S<float>(3));
  ExpectNear(Binary("Mul", S<float>(2), V<float>({1, 2, 3, 4}, {2, 2})),
             V<float>({2, 4, 6, 8}, {2, 2}));
  ExpectNear(Binary("Sub", V<float>({1, 2, 3, 4}, {2, 2}), S<float>(1)),
             V<float>({0, 1, 2, 3}, {2, 2}));
  // A one-element tensor of higher rank still decides the output rank.
  ExpectNear(Binary("Add", V<float>({1}, {1, 1}), S<float>(2)),
             V<float>({3}, {1, 1}));
  ExpectNear(Binary("Add", S<float>(2), V<float>({1}, {1, 1, 1})),
             V<float>({3}, {1, 1, 1}));
  ExpectNear(Binary("Add", V<float>({1}, {1}), V<float>({5, 6}, {2, 1})),
             V<float>({6, 7}, {2, 1}));
}

TEST(CwiseBroadcastTest, EmptyTensors) {
  Tensor out = Binary("Add", Tensor(DT_FLOAT, TensorShape({0, 3})),
                      V<float>({1, 2, 3}));
  EXPECT_EQ(out.shape(), TensorShape({0, 3}));
  out = Binary("Mul", Tensor(DT_FLOAT, TensorShape({0})), S<float>(2));
  EXPECT_EQ(out.shape(), TensorShape({0}));
  out = Binary("Add", Tensor(DT_FLOAT, TensorShape({2, 0})),
               Tensor(DT_FLOAT, TensorShape({1, 0})));
  EXPECT_EQ(out.shape(), TensorShape({2, 0}));
  // Empty outputs never divide, so a zero divisor is not reached.
  out = Binary("Div", Tensor(DT_INT32, TensorShape({0})), S<int32_t>(0));
  EXPECT_EQ(out.shape(), TensorShape({0}));
  EXPECT_EQ(Unary("Exp", Tensor(DT_FLOAT, TensorShape({0, 2}))).shape(),
            TensorShape({0, 2}));
}

TEST(CwiseBroadcastTest, IncompatibleShapesFail) {
  ExpectError(BinaryStatus("Add", V<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                           V<float>({1, 2, 3, 4})),
              absl::StatusCode::kInvalidArgument,
              {"Incompatible shapes", "[2,3]", "[4]"});
  ExpectError(BinaryStatus("Less", V<float>({1, 2}), V<float>({1, 2, 3})),
              absl::StatusCode::kInvalidArgument, {"[2]", "[3]"});
  ExpectError(BinaryStatus("Add", Tensor(DT_FLOAT, TensorShape({0})),
                           V<float>({1, 2})),
              absl::StatusCode::kInvalidArgument, {"[0]", "[2]"});
}

// Big enough to be split over the intra-op pool.
TEST(CwiseBroadcastTest, LargeInputsSplitAcrossThreads) {
  const int64_t rows = 300, cols = 250;
  std::vector<float> xv(rows * cols), yv(cols), want(rows * cols);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) xv[i * cols + j] = static_cast<float>(i);
  }
  for (int64_t j = 0; j < cols; ++j) yv[j] = static_cast<float>(1000 * j);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) want[i * cols + j] = i + 1000.f * j;
  }
  Tensor x = V(xv, {rows, cols});
  ExpectNear(Binary("Add", x, V(yv, {cols})), V(want, {rows, cols}));
  // Column broadcast: y of shape [rows, 1].
  std::vector<float> col(rows), want2(rows * cols);
  for (int64_t i = 0; i < rows; ++i) col[i] = 0.5f * i;
  for (int64_t k = 0; k < rows * cols; ++k) want2[k] = 1.5f * (k / cols);
  ExpectNear(Binary("Add", x, V(col, {rows, 1})), V(want2, {rows, cols}));
  // Same shape.
  std::vector<float> twice(rows * cols);
  for (int64_t k = 0; k < rows * cols; ++k) twice[k] = 2.f * (k / cols);
  ExpectNear(Binary("Add", x, x), V(twice, {rows, cols}));
}

// ---- Unary.

TEST(CwiseUnaryTest, FloatOps) {
  Tensor x = V<float>({-1.5f, 0, 2});
  ExpectNear(Unary("Neg", x), V<float>({1.5f, 0, -2}));
  ExpectNear(Unary("Abs", x), V<float>({1.5f, 0, 2}));
  ExpectNear(Unary("Square", x), V<float>({2.25f, 0, 4}));
  ExpectNear(Unary("Sign", x), V<float>({-1, 0, 1}));
  ExpectNear(Unary("Floor", x), V<float>({-2, 0, 2}));
  ExpectNear(Unary("Ceil", x), V<float>({-1, 0, 2}));
  ExpectNear(Unary("Exp", V<float>({0, 1, -1})),
             V<float>({1, 2.7182818f, 0.36787944f}), 1e-6);
  ExpectNear(Unary("Log", V<float>({1, 2.7182818f, 0.5f})),
             V<float>({0, 1, -0.69314718f}), 1e-6);
  ExpectNear(Unary("Sqrt", V<float>({4, 2, 0})),
             V<float>({2, 1.4142135f, 0}), 1e-6);
  ExpectNear(Unary("Rsqrt", V<float>({4, 0.25f})), V<float>({0.5f, 2}), 1e-6);
  ExpectNear(Unary("Tanh", V<float>({0, 0.5f, -20})),
             V<float>({0, 0.46211716f, -1}), 1e-6);
  ExpectNear(Unary("Sigmoid", V<float>({0, 2, -200, 200})),
             V<float>({0.5f, 0.88079708f, 0, 1}), 1e-6);
  ExpectNear(Unary("Reciprocal", V<float>({4, -0.5f})), V<float>({0.25f, -2}));
  // Round: halves go to the even neighbour.
  ExpectNear(Unary("Round", V<double>({0.5, 1.5, 2.5, -0.5, -1.5, 2.6, -2.4})),
             V<double>({0, 2, 2, -0.0, -2, 3, -2}));
  EXPECT_TRUE(std::isnan(
      Unary("Log", S<float>(-1)).scalar<float>()));  // no error, NaN
  EXPECT_TRUE(std::isnan(
      Unary("Sign", S<float>(std::nanf(""))).scalar<float>()));
}

TEST(CwiseUnaryTest, IntegerAndHalfOps) {
  Tensor x = V<int32_t>({-3, 0, 4});
  ExpectNear(Unary("Neg", x), V<int32_t>({3, 0, -4}));
  ExpectNear(Unary("Abs", x), V<int32_t>({3, 0, 4}));
  ExpectNear(Unary("Square", x), V<int32_t>({9, 0, 16}));
  ExpectNear(Unary("Sign", x), V<int32_t>({-1, 0, 1}));
  ExpectNear(Unary("Round", x), x);
  ExpectNear(Unary("Abs", V<int8_t>({-128 + 1, 5})), V<int8_t>({127, 5}));
  ExpectNear(Unary("Abs", V<int16_t>({-300})), V<int16_t>({300}));
  ExpectNear(Unary("Sign", V<int64_t>({-9, 9})), V<int64_t>({-1, 1}));
  ExpectNear(Unary("Reciprocal", V<int64_t>({1, -1, 2})),
             V<int64_t>({1, -1, 0}));
  ExpectError(KernelTester("Reciprocal").Input(V<int32_t>({2, 0})).Run()
                  .status(),
              absl::StatusCode::kInvalidArgument, {"division by zero"});
  ExpectNear(Unary("Exp", V<half>(H({0, 1}))), V<half>(H({1, 2.71875f})),
             1e-3);
  ExpectNear(Unary("Neg", V<half>(H({1.5f}))), V<half>(H({-1.5f})));
  // Not registered: Exp on integers.
  EXPECT_FALSE(KernelTester("Exp").Input(V<int32_t>({1})).Run().ok());
}

// ---- Comparisons and logical ops.

TEST(CwiseCompareTest, OrderAndEquality) {
  Tensor x = V<float>({1, 2, 3});
  Tensor y = S<float>(2);
  ExpectNear(Binary("Less", x, y), V<bool>({true, false, false}));
  ExpectNear(Binary("LessEqual", x, y), V<bool>({true, true, false}));
  ExpectNear(Binary("Greater", x, y), V<bool>({false, false, true}));
  ExpectNear(Binary("GreaterEqual", x, y), V<bool>({false, true, true}));
  ExpectNear(Binary("Equal", x, y), V<bool>({false, true, false}));
  ExpectNear(Binary("NotEqual", x, y), V<bool>({true, false, true}));
  ExpectNear(Binary("Less", V<int64_t>({1, 5}, {2, 1}), V<int64_t>({2, 6})),
             V<bool>({true, true, false, true}, {2, 2}));
  ExpectNear(Binary("Greater", V<uint8_t>({200}), V<uint8_t>({100})),
             V<bool>({true}));
  ExpectNear(Binary("Less", V<half>(H({0.5f})), V<half>(H({0.75f}))),
             V<bool>({true}));
  ExpectNear(Binary("Equal", V<bool>({true, false}), S<bool>(false)),
             V<bool>({false, true}));
  ExpectNear(Binary("NotEqual", V<tstring>({"a", "b"}), S<tstring>("a")),
             V<bool>({false, true}));
  const float nan = std::nanf("");
  ExpectNear(Binary("Equal", S<float>(nan), S<float>(nan)), S<bool>(false));
}

TEST(CwiseCompareTest, IncompatibleShapeErrorAttr) {
  auto run = [](const char* op, bool error) {
    return KernelTester(op)
        .Input(V<int32_t>({1, 2, 3}))
        .Input(V<int32_t>({1, 2}))
        .Attr("incompatible_shape_error", error)
        .Run();
  };
  auto eq = run("Equal", false);
  ASSERT_TRUE(eq.ok()) << eq.status();
  ExpectNear((*eq)[0], S<bool>(false));
  auto ne = run("NotEqual", false);
  ASSERT_TRUE(ne.ok()) << ne.status();
  ExpectNear((*ne)[0], S<bool>(true));
  ExpectError(run("Equal", true).status(), absl::StatusCode::kInvalidArgument,
              {"[3]", "[2]"});
}

TEST(CwiseLogicalTest, AndOrNot) {
  Tensor x = V<bool>({true, true, false, false});
  Tensor y = V<bool>({true, false, true, false});
  ExpectNear(Binary("LogicalAnd", x, y), V<bool>({true, false, false, false}));
  ExpectNear(Binary("LogicalOr", x, y), V<bool>({true, true, true, false}));
  ExpectNear(Unary("LogicalNot", x), V<bool>({false, false, true, true}));
  ExpectNear(Binary("LogicalAnd", V<bool>({true, false}, {2, 1}),
                    V<bool>({true, false}, {1, 2})),
             V<bool>({true, false, false, false}, {2, 2}));
  EXPECT_FALSE(KernelTester("LogicalAnd").Input(V<float>({1})).Input(
      V<float>({1})).Run().ok());
}

// ---- Cast.

Tensor CastTo(Tensor x, DataType dst) {
  return Run1(KernelTester("Cast").Input(std::move(x)).Attr("DstT", dst));
}

TEST(CastTest, NumericPairs) {
  ExpectNear(CastTo(V<float>({1.7f, -1.7f, 0}), DT_INT32),
             V<int32_t>({1, -1, 0}));
  ExpectNear(CastTo(V<int32_t>({3, -4}), DT_FLOAT), V<float>({3, -4}));
  ExpectNear(CastTo(V<int32_t>({300, -1}), DT_UINT8), V<uint8_t>({44, 255}));
  ExpectNear(CastTo(V<int64_t>({1LL << 40}), DT_DOUBLE),
             V<double>({1099511627776.0}));
  ExpectNear(CastTo(V<double>({0.1}), DT_FLOAT), V<float>({0.1f}));
  ExpectNear(CastTo(V<int64_t>({2048}), DT_HALF), V<half>(H({2048})));
  ExpectNear(CastTo(V<half>(H({-2.5f})), DT_DOUBLE), V<double>({-2.5}));
  ExpectNear(CastTo(V<float>({1.5f}), DT_BFLOAT16),
             V<bfloat16>({bfloat16(1.5f)}));
  ExpectNear(CastTo(V<int16_t>({-7}), DT_INT64), V<int64_t>({-7}));
  ExpectNear(CastTo(V<float>({2.5f}), DT_COMPLEX64),
             V<complex64>({complex64(2.5f, 0)}));
  ExpectNear(CastTo(V<complex128>({complex128(3, 4)}), DT_FLOAT),
             V<float>({3}));
}

TEST(CastTest, BoolAndIdentity) {
  ExpectNear(CastTo(V<float>({0, 0.5f, -2}), DT_BOOL),
             V<bool>({false, true, true}));
  ExpectNear(CastTo(V<bool>({true, false}), DT_FLOAT), V<float>({1, 0}));
  ExpectNear(CastTo(V<bool>({true, false}), DT_INT64), V<int64_t>({1, 0}));
  ExpectNear(CastTo(V<half>(H({0, 3})), DT_BOOL), V<bool>({false, true}));
  // Same type: the input itself is returned, even for strings.
  Tensor s = V<tstring>({"x"});
  Tensor out = CastTo(s, DT_STRING);
  EXPECT_TRUE(out.SharesBufferWith(s));
  Tensor e = CastTo(Tensor(DT_FLOAT, TensorShape({0, 4})), DT_INT32);
  EXPECT_EQ(e.shape(), TensorShape({0, 4}));
  EXPECT_EQ(e.dtype(), DT_INT32);
}

TEST(CastTest, UnsupportedFails) {
  ExpectError(KernelTester("Cast").Input(S<tstring>("1")).Attr("DstT", DT_FLOAT)
                  .Run().status(),
              absl::StatusCode::kUnimplemented, {"string", "float"});
}

// ---- Select / SelectV2.

absl::StatusOr<std::vector<Tensor>> Select3(const char* op, Tensor c, Tensor t,
                                            Tensor e) {
  return KernelTester(op).Input(c).Input(t).Input(e).Run();
}

TEST(SelectTest, ScalarSameShapeAndRows) {
  Tensor t = V<float>({1, 2, 3, 4}, {2, 2});
  Tensor e = V<float>({-1, -2, -3, -4}, {2, 2});
  auto r = Select3("Select", S<bool>(false), t, e);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], e);
  r = Select3("Select", V<bool>({true, false, false, true}, {2, 2}), t, e);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<float>({1, -2, -3, 4}, {2, 2}));
  r = Select3("Select", V<bool>({false, true}), t, e);  // picks rows
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<float>({-1, -2, 3, 4}, {2, 2}));
  r = Select3("Select", V<bool>({true, false}), V<tstring>({"a", "b"}),
              V<tstring>({"c", "d"}));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<tstring>({"a", "d"}));
  r = Select3("Select", V<bool>({true, false}),
              V<complex128>({{1, 1}, {2, 2}}), V<complex128>({{3, 3}, {4, 4}}));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<complex128>({{1, 1}, {4, 4}}));
}

TEST(SelectTest, Errors) {
  Tensor t = V<int32_t>({1, 2, 3, 4}, {2, 2});
  ExpectError(Select3("Select", S<bool>(true), t, V<int32_t>({1, 2})).status(),
              absl::StatusCode::kInvalidArgument, {"[2,2]", "[2]"});
  ExpectError(Select3("Select", V<bool>({true, false, true}), t, t).status(),
              absl::StatusCode::kInvalidArgument, {"condition", "[3]"});
  ExpectError(Select3("Select", V<bool>({true, false}, {1, 2}), t, t).status(),
              absl::StatusCode::kInvalidArgument, {"[1,2]", "[2,2]"});
}

TEST(SelectV2Test, Broadcasting) {
  // condition [2,1], then [1,3], else scalar.
  auto r = Select3("SelectV2", V<bool>({true, false}, {2, 1}),
                   V<int64_t>({1, 2, 3}, {1, 3}), S<int64_t>(0));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<int64_t>({1, 2, 3, 0, 0, 0}, {2, 3}));
  // Scalar condition picking the full-shaped input forwards it.
  Tensor t = V<float>({1, 2});
  r = Select3("SelectV2", S<bool>(true), t, S<float>(9));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE((*r)[0].SharesBufferWith(t));
  // ...and broadcasts the scalar one.
  r = Select3("SelectV2", S<bool>(false), t, S<float>(9));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<float>({9, 9}));
  r = Select3("SelectV2", V<bool>({true, false}), V<bool>({true, true}),
              V<bool>({false, false}));
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<bool>({true, false}));
  r = Select3("SelectV2", Tensor(DT_BOOL, TensorShape({0, 1})), t, t);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].shape(), TensorShape({0, 2}));
  ExpectError(Select3("SelectV2", V<bool>({true, false, true}), t, t).status(),
              absl::StatusCode::kInvalidArgument, {"[3]", "[2]"});
}

// ---- AddN.

TEST(AddNTest, SumsAndValidates) {
  auto r = KernelTester("AddN")
               .InputList({V<float>({1, 2}), V<float>({10, 20}),
                           V<float>({100, 200})})
               .Run();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<float>({111, 222}));
  Tensor one = V<int32_t>({4, 5});
  r = KernelTester("AddN").InputList({one}).Run();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], one);
  r = KernelTester("AddN").InputList({one, one, one, one}).Run();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<int32_t>({16, 20}));
  r = KernelTester("AddN").InputList({V<half>(H({0.5f})), V<half>(H({1}))}).Run();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectNear((*r)[0], V<half>(H({1.5f})));
  ExpectError(KernelTester("AddN")
                  .InputList({V<float>({1, 2}), V<float>({1, 2, 3})})
                  .Run()
                  .status(),
              absl::StatusCode::kInvalidArgument, {"[2]", "[3]"});
}

// ---- Shape functions.

// Note PartialTensorShape({}) is an unknown rank, not a scalar.
const PartialTensorShape kScalar = PartialTensorShape::UnknownOfRank(0);

TEST(CwiseShapeTest, BroadcastBinary) {
  auto bin = [](const char* op, PartialTensorShape a, PartialTensorShape b) {
    return KernelTester(op).InputShape(DT_FLOAT, a).InputShape(DT_FLOAT, b);
  };
  ExpectShape(Infer(bin("Add", {2, 3}, {3})), {2, 3});
  ExpectShape(Infer(bin("Mul", {-1, 3}, {3})), {-1, 3});
  ExpectShape(Infer(bin("Sub", {-1, 1}, {1, 5})), {-1, 5});
  ExpectShape(Infer(bin("Pow", {-1}, {4})), {4});
  ExpectShape(Infer(bin("Less", {2, 1}, {1, 3})), {2, 3});
  ExpectShape(Infer(bin("Maximum", kScalar, {7})), {7});
  EXPECT_TRUE(Infer(bin("Add", PartialTensorShape(), {3})).unknown_rank());
  auto bad = bin("Add", {2, 3}, {4}).InferShapes();
  ExpectError(bad.status(), absl::StatusCode::kInvalidArgument, {"[2,3]", "[4]"});
}

TEST(CwiseShapeTest, EqualityWithoutShapeError) {
  auto eq = [](PartialTensorShape a, PartialTensorShape b) {
    return KernelTester("Equal")
        .InputShape(DT_INT32, a)
        .InputShape(DT_INT32, b)
        .Attr("incompatible_shape_error", false);
  };
  ExpectShape(Infer(eq({2, 3}, {3})), {2, 3});
  EXPECT_TRUE(Infer(eq({2}, {3})).unknown_rank());
  EXPECT_TRUE(Infer(eq({-1}, {3})).unknown_rank());
  ExpectShape(Infer(eq({-1}, {1})), {-1});
}

TEST(CwiseShapeTest, UnaryCastAddN) {
  ExpectShape(Infer(KernelTester("Exp").InputShape(DT_FLOAT, {-1, 4})),
              {-1, 4});
  EXPECT_TRUE(Infer(KernelTester("LogicalNot").InputShape(
                        DT_BOOL, PartialTensorShape())).unknown_rank());
  ExpectShape(Infer(KernelTester("Cast").InputShape(DT_INT32, {5, -1}).Attr(
                  "DstT", DT_FLOAT)),
              {5, -1});
}

// KernelTester::InputShape adds one arg per call, so partial shapes for
// AddN's list arg are checked through the graph in MathOpsTest.
TEST(CwiseShapeTest, AddNMerges) {
  auto r = KernelTester("AddN")
               .InputList({Tensor(DT_FLOAT, TensorShape({2, 3})),
                           Tensor(DT_FLOAT, TensorShape({2, 3}))})
               .InferShapes();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectShape((*r)[0], {2, 3});
  r = KernelTester("AddN")
          .InputList({Tensor(DT_FLOAT, TensorShape({2})),
                      Tensor(DT_FLOAT, TensorShape({3}))})
          .InferShapes();
  ExpectError(r.status(), absl::StatusCode::kInvalidArgument, {"[2]", "[3]"});
}

TEST(CwiseShapeTest, Select) {
  auto sel = [](const char* op, PartialTensorShape c, PartialTensorShape t,
                PartialTensorShape e) {
    return KernelTester(op)
        .InputShape(DT_BOOL, c)
        .InputShape(DT_FLOAT, t)
        .InputShape(DT_FLOAT, e);
  };
  ExpectShape(Infer(sel("Select", kScalar, {2, -1}, {-1, 3})), {2, 3});
  ExpectShape(Infer(sel("Select", {4}, {-1, 5}, {-1, 5})), {4, 5});
  ExpectShape(Infer(sel("Select", {-1}, {4, 5}, {4, 5})), {4, 5});
  ExpectShape(Infer(sel("Select", {2, -1}, {-1, 3}, {-1, 3})), {2, 3});
  ExpectShape(Infer(sel("Select", PartialTensorShape(), {4}, {4})), {4});
  ExpectError(sel("Select", {3}, {4, 5}, {4, 5}).InferShapes().status(),
              absl::StatusCode::kInvalidArgument, {"[3]", "[4,5]"});
  ExpectError(sel("Select", kScalar, {4}, {5}).InferShapes().status(),
              absl::StatusCode::kInvalidArgument, {"[4]", "[5]"});
  ExpectShape(Infer(sel("SelectV2", {2, 1}, {1, 3}, kScalar)), {2, 3});
  ExpectShape(Infer(sel("SelectV2", {-1, 1}, {3}, {1})), {-1, 3});
  EXPECT_TRUE(
      Infer(sel("SelectV2", PartialTensorShape(), {3}, {3})).unknown_rank());
  ExpectError(sel("SelectV2", {2}, {3}, {3}).InferShapes().status(),
              absl::StatusCode::kInvalidArgument, {"[2]", "[3]"});
}

// ---- Op definitions and builders.

TEST(MathOpsTest, DefinitionsMatchTensorFlow) {
  for (const char* op :
       {"Add", "AddV2", "Sub", "Mul", "Div", "RealDiv", "DivNoNan", "FloorDiv", "FloorMod",
        "Maximum", "Minimum", "Pow", "SquaredDifference", "Neg", "Abs", "Exp",
        "Log", "Sqrt", "Rsqrt", "Square", "Tanh", "Sigmoid", "Reciprocal",
        "Sign", "Floor", "Ceil", "Round", "Equal", "NotEqual", "Less",
        "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr",
        "LogicalNot", "Cast", "Select", "SelectV2", "AddN"}) {
    auto reg = OpRegistry::Global()->LookUp(op);
    EXPECT_TRUE(reg.ok()) << op << ": " << reg.status();
  }
  const OpDef& cast = (*OpRegistry::Global()->LookUp("Cast"))->op_def;
  ASSERT_EQ(cast.attr_size(), 3);
  EXPECT_EQ(cast.attr(2).name(), "Truncate");
  EXPECT_FALSE(cast.attr(2).default_value().b());
  const OpDef& eq = (*OpRegistry::Global()->LookUp("Equal"))->op_def;
  EXPECT_EQ(eq.input_arg(0).name(), "x");
  EXPECT_EQ(eq.output_arg(0).name(), "z");
  EXPECT_TRUE(eq.is_commutative());
  const OpDef& addn = (*OpRegistry::Global()->LookUp("AddN"))->op_def;
  EXPECT_EQ(addn.input_arg(0).number_attr(), "N");
  EXPECT_TRUE(addn.is_aggregate());
  const OpDef& sel = (*OpRegistry::Global()->LookUp("SelectV2"))->op_def;
  EXPECT_EQ(sel.input_arg(1).name(), "t");
  EXPECT_EQ(sel.input_arg(2).name(), "e");
  EXPECT_TRUE(OpRegistry::Global()->CheckAllRegistrations().ok());
}

TEST(MathOpsTest, Builders) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT,
                              PartialTensorShape({-1, 3}));
  Output a = ops::Add(root, x, 2);  // literal converted to float
  Output b = ops::Add(root, a, x);
  Output c = ops::Cast(root, b, DT_INT32);
  Output d = ops::Equal(root, c, 1, /*incompatible_shape_error=*/false);
  Output s = ops::Where3(root, d, c, c);
  Output n = ops::AddN(root, {x, a, b});
  Output sig = ops::Sigmoid(root.WithOpName("act"), n);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.node->name(), "Add");
  EXPECT_EQ(b.node->name(), "Add_1");
  EXPECT_EQ(a.node->input(1).dtype(), DT_FLOAT);
  EXPECT_EQ(c.node->type_string(), "Cast");
  EXPECT_EQ(c.dtype(), DT_INT32);
  EXPECT_EQ(d.dtype(), DT_BOOL);
  EXPECT_FALSE(d.node->attrs().at("incompatible_shape_error").b());
  EXPECT_EQ(s.node->type_string(), "Select");
  EXPECT_EQ(n.node->attrs().at("N").i(), 3);
  EXPECT_EQ(sig.node->name(), "act");
  ExpectShape(b.shape(), {-1, 3});
  ExpectShape(n.shape(), {-1, 3});
}

TEST(MathOpsTest, AddNMergesPartialShapes) {
  Scope root = Scope::NewRootScope();
  Output p = ops::Placeholder(root, DT_FLOAT, PartialTensorShape({-1, 3}));
  Output q = ops::Placeholder(root, DT_FLOAT, PartialTensorShape({2, -1}));
  Output u = ops::Placeholder(root, DT_FLOAT);
  Output sum = ops::AddN(root, {p, u, q});
  ASSERT_TRUE(root.ok()) << root.status();
  ExpectShape(sum.shape(), {2, 3});
  Output r = ops::Placeholder(root, DT_FLOAT, PartialTensorShape({4, 3}));
  ops::AddN(root.WithOpName("bad_sum"), {q, r});
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("bad_sum"));
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("[4,3]"));
}

TEST(MathOpsTest, BuilderShapeErrorNamesNode) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Const(root, {1.f, 2.f});
  Output y = ops::Const(root, {1.f, 2.f, 3.f});
  ops::Mul(root.WithOpName("bad_mul"), x, y);
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("bad_mul"));
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("[3]"));
}

}  // namespace
}  // namespace tessera
