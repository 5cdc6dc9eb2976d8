// Tests of the shape-manipulation kernels, their shape functions and their
// builders. Expected values are written out by hand (or, for the large
// transposes, from the definition out[j][i] = in[i][j]).
#include <complex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "core/kernel_test_util.h"
#include "graph/scope.h"
#include "ops/array_ops.h"
#include "ops/shape_ops.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

template <typename T>
Tensor V(std::vector<T> values, TensorShape shape) {
  return Tensor::FromVector(values, shape);
}
Tensor I32(std::vector<int32_t> v) { return Tensor::FromVector(v); }
Tensor I64(std::vector<int64_t> v) { return Tensor::FromVector(v); }
Tensor F(std::vector<float> v, TensorShape s) { return V<float>(v, s); }

// 0, 1, 2, ... as T in `shape`.
template <typename T>
Tensor Iota(TensorShape shape) {
  Tensor t(DataTypeToEnum<T>::value, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) t.data<T>()[i] = T(i);
  return t;
}

Tensor Run1(const KernelTester& t) {
  auto out = t.Run();
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? (*out)[0] : Tensor();
}

void ExpectTensor(const Tensor& got, const Tensor& want) {
  std::string why;
  EXPECT_TRUE(TensorsNear(got, want, 0, &why)) << why;
}

void ExpectRunError(const KernelTester& t, const std::string& substr) {
  auto out = t.Run();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr(substr));
}

// Output 0's inferred shape, or the error message.
std::string Inferred(const KernelTester& t, bool with_values = true) {
  auto shapes = t.InferShapes(with_values);
  if (!shapes.ok()) return std::string(shapes.status().message());
  return (*shapes)[0].DebugString();
}

// ---- Reshape

TEST(ReshapeTest, ReordersNothingAndSharesTheBuffer) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = Run1(KernelTester("Reshape").Input(x).Input(I32({3, 2})));
  ExpectTensor(y, F({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_TRUE(y.SharesBufferWith(x));
}

TEST(ReshapeTest, InfersTheMinusOneDim) {
  Tensor x = Iota<int32_t>({2, 3, 4});
  EXPECT_EQ(Run1(KernelTester("Reshape").Input(x).Input(I32({-1, 4})))
                .shape().DebugString(), "[6,4]");
  EXPECT_EQ(Run1(KernelTester("Reshape").Input(x).Input(I64({2, -1})))
                .shape().DebugString(), "[2,12]");
  // Scalars and empty tensors.
  Tensor s = Tensor::Scalar<double>(5.0);
  ExpectTensor(Run1(KernelTester("Reshape").Input(s).Input(I32({1, 1}))),
               V<double>({5.0}, {1, 1}));
  ExpectTensor(Run1(KernelTester("Reshape").Input(V<double>({5.0}, {1}))
                        .Input(I32({}))), s);
  Tensor e(DT_FLOAT, TensorShape({0, 5}));
  EXPECT_EQ(Run1(KernelTester("Reshape").Input(e).Input(I32({0, -1})))
                .shape().DebugString(), "[0,5]");
  EXPECT_EQ(Run1(KernelTester("Reshape").Input(e).Input(I32({-1})))
                .shape().DebugString(), "[0]");
}

TEST(ReshapeTest, AnyDtype) {
  Tensor s = V<tstring>({"a", "b", "c", "d"}, {4});
  ExpectTensor(Run1(KernelTester("Reshape").Input(s).Input(I32({2, 2}))),
               V<tstring>({"a", "b", "c", "d"}, {2, 2}));
  for (DataType dt : {DT_BOOL, DT_UINT8, DT_INT8, DT_INT16, DT_HALF,
                      DT_INT64, DT_DOUBLE, DT_COMPLEX64}) {
    Tensor x(dt, TensorShape({2, 3}));
    Tensor y = Run1(KernelTester("Reshape").Input(x).Input(I32({6})));
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(y.shape().DebugString(), "[6]");
  }
}

TEST(ReshapeTest, Errors) {
  Tensor x = Iota<float>({2, 3});
  ExpectRunError(KernelTester("Reshape").Input(x).Input(I32({4})),
                 "tensor with 6 values, but the requested shape [4] has 4");
  ExpectRunError(KernelTester("Reshape").Input(x).Input(I32({-1, 4})),
                 "requires a multiple of 4");
  ExpectRunError(KernelTester("Reshape").Input(x).Input(I32({-1, -1})),
                 "Only one input size may be -1");
  ExpectRunError(KernelTester("Reshape").Input(x).Input(I32({-2, -3})),
                 "must be non-negative, not -2");
  ExpectRunError(KernelTester("Reshape").Input(x).Input(V<int32_t>({6}, {1, 1})),
                 "shape must be a vector");
}

TEST(ReshapeTest, ShapeFunction) {
  auto mnist = KernelTester("Reshape").InputShape(DT_FLOAT, {-1, 28, 28})
                   .Input(I32({-1, 784}));
  EXPECT_EQ(Inferred(mnist), "[?,784]");
  EXPECT_EQ(Inferred(mnist, /*with_values=*/false), "[?,?]");
  EXPECT_EQ(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {2, 3, 4})
                         .Input(I32({-1, 3}))), "[8,3]");
  EXPECT_EQ(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {})
                         .Input(I64({-1, 5}))), "[?,5]");
  EXPECT_EQ(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {-1, 4})
                         .InputShape(DT_INT32, {3})), "[?,?,?]");
  EXPECT_EQ(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {-1, 4})
                         .InputShape(DT_INT32, PartialTensorShape())),
            "<unknown>");
  EXPECT_THAT(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {2, 3})
                           .Input(I32({4}))),
              HasSubstr("Cannot reshape a tensor with 6 elements to shape [4] "
                        "(4 elements)"));
  EXPECT_THAT(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {5})
                           .Input(I32({-1, 3}))),
              HasSubstr("does not divide 5"));
  EXPECT_THAT(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {-1, 4})
                           .Input(I32({6}))),
              HasSubstr("a multiple of 4 elements"));
  EXPECT_THAT(Inferred(KernelTester("Reshape").InputShape(DT_FLOAT, {-1, 4})
                           .Input(I32({-1, -1}))),
              HasSubstr("at most one -1"));
}

// ---- Shape, Size, Rank

TEST(ShapeSizeRankTest, Values) {
  Tensor x(DT_FLOAT, TensorShape({2, 3, 0}));
  ExpectTensor(Run1(KernelTester("Shape").Input(x)), I32({2, 3, 0}));
  ExpectTensor(Run1(KernelTester("Shape").Input(x).Attr("out_type", DT_INT64)),
               I64({2, 3, 0}));
  ExpectTensor(Run1(KernelTester("Shape").Input(Tensor::Scalar<bool>(true))),
               I32({}));
  Tensor s = V<tstring>({"a", "b", "c", "d", "e", "f"}, {3, 2});
  ExpectTensor(Run1(KernelTester("Size").Input(s)), Tensor::Scalar<int32_t>(6));
  ExpectTensor(Run1(KernelTester("Size").Input(x).Attr("out_type", DT_INT64)),
               Tensor::Scalar<int64_t>(0));
  ExpectTensor(Run1(KernelTester("Rank").Input(x)), Tensor::Scalar<int32_t>(3));
  ExpectTensor(Run1(KernelTester("Rank").Input(Tensor::Scalar<int8_t>(1))),
               Tensor::Scalar<int32_t>(0));
}

TEST(ShapeSizeRankTest, ShapeFunctions) {
  EXPECT_EQ(Inferred(KernelTester("Shape").InputShape(DT_FLOAT, {-1, 3})),
            "[2]");
  EXPECT_EQ(Inferred(KernelTester("Shape").InputShape(DT_FLOAT, {})), "[?]");
  EXPECT_EQ(Inferred(KernelTester("Size").InputShape(DT_FLOAT, {})), "[]");
  EXPECT_EQ(Inferred(KernelTester("Rank").InputShape(DT_FLOAT, {-1})), "[]");
}

// ---- ExpandDims and Squeeze

TEST(ExpandDimsTest, InsertsADimAndSharesTheBuffer) {
  Tensor x = Iota<float>({2, 3});
  Tensor y = Run1(KernelTester("ExpandDims").Input(x).Input(I32({0})));
  EXPECT_EQ(y.shape().DebugString(), "[1,2,3]");
  EXPECT_TRUE(y.SharesBufferWith(x));
  auto shape_for = [&](Tensor dim) {
    return Run1(KernelTester("ExpandDims").Input(x).Input(dim))
        .shape().DebugString();
  };
  EXPECT_EQ(shape_for(Tensor::Scalar<int32_t>(1)), "[2,1,3]");
  EXPECT_EQ(shape_for(Tensor::Scalar<int64_t>(2)), "[2,3,1]");
  EXPECT_EQ(shape_for(Tensor::Scalar<int32_t>(-1)), "[2,3,1]");
  EXPECT_EQ(shape_for(Tensor::Scalar<int32_t>(-3)), "[1,2,3]");
  ExpectTensor(Run1(KernelTester("ExpandDims")
                        .Input(Tensor::Scalar<tstring>("s"))
                        .Input(Tensor::Scalar<int32_t>(0))),
               V<tstring>({"s"}, {1}));
}

TEST(ExpandDimsTest, ErrorsAndShapeFunction) {
  Tensor x = Iota<float>({2, 3});
  ExpectRunError(KernelTester("ExpandDims").Input(x).Input(I32({3})),
                 "must be in [-3, 2]");
  ExpectRunError(KernelTester("ExpandDims").Input(x).Input(I32({0, 1})),
                 "single value");
  EXPECT_EQ(Inferred(KernelTester("ExpandDims").InputShape(DT_FLOAT, {-1, 3})
                         .Input(Tensor::Scalar<int32_t>(1))), "[?,1,3]");
  EXPECT_EQ(Inferred(KernelTester("ExpandDims").InputShape(DT_FLOAT, {-1, 3})
                         .Input(Tensor::Scalar<int32_t>(-1))), "[?,3,1]");
  EXPECT_EQ(Inferred(KernelTester("ExpandDims").InputShape(DT_FLOAT, {-1, 3})
                         .InputShape(DT_INT32, {})), "[?,?,?]");
  EXPECT_EQ(Inferred(KernelTester("ExpandDims").InputShape(DT_FLOAT, {})
                         .Input(Tensor::Scalar<int32_t>(0))), "<unknown>");
  EXPECT_THAT(Inferred(KernelTester("ExpandDims").InputShape(DT_FLOAT, {2})
                           .Input(Tensor::Scalar<int32_t>(-3))),
              HasSubstr("dim -3 not in the interval [-2, 1]"));
}

TEST(SqueezeTest, RemovesSizeOneDims) {
  Tensor x = Iota<int32_t>({1, 2, 1, 3});
  Tensor all = Run1(KernelTester("Squeeze").Input(x));
  ExpectTensor(all, V<int32_t>({0, 1, 2, 3, 4, 5}, {2, 3}));
  EXPECT_TRUE(all.SharesBufferWith(x));
  auto squeeze = [&](std::vector<int64_t> axes) {
    return Run1(KernelTester("Squeeze").Input(x).Attr("squeeze_dims", axes))
        .shape().DebugString();
  };
  EXPECT_EQ(squeeze({2}), "[1,2,3]");
  EXPECT_EQ(squeeze({-4}), "[2,1,3]");
  EXPECT_EQ(squeeze({0, 2}), "[2,3]");
  EXPECT_EQ(Run1(KernelTester("Squeeze").Input(Iota<float>({1, 1})))
                .shape().DebugString(), "[]");
  ExpectRunError(KernelTester("Squeeze").Input(x).Attr(
                     "squeeze_dims", std::vector<int64_t>{1}),
                 "Can not squeeze dim[1], expected a dimension of 1, got 2");
  ExpectRunError(KernelTester("Squeeze").Input(x).Attr(
                     "squeeze_dims", std::vector<int64_t>{4}),
                 "must be in [-4, 4)");
}

TEST(SqueezeTest, ShapeFunction) {
  auto t = [](PartialTensorShape s, std::vector<int64_t> axes) {
    return Inferred(KernelTester("Squeeze").InputShape(DT_FLOAT, s)
                        .Attr("squeeze_dims", axes));
  };
  EXPECT_EQ(t({1, 2, 1}, {}), "[2]");
  EXPECT_EQ(t({1, -1, 3}, {}), "<unknown>");  // the ? may be 1
  EXPECT_EQ(t({1, -1, 3}, {1}), "[1,3]");
  EXPECT_EQ(t({1, -1, 3}, {0}), "[?,3]");
  EXPECT_EQ(t(PartialTensorShape(), {0}), "<unknown>");
  EXPECT_THAT(t({1, 2}, {1}), HasSubstr("Can not squeeze dim[1]"));
  EXPECT_THAT(t({1, 2}, {2}), HasSubstr("not in [-2, 2)"));
}

// ---- Transpose

Tensor Transposed(const Tensor& x, std::vector<int32_t> perm) {
  return Run1(KernelTester("Transpose").Input(x).Input(I32(perm)));
}

TEST(TransposeTest, SmallCases) {
  ExpectTensor(Transposed(F({1, 2, 3, 4, 5, 6}, {2, 3}), {1, 0}),
               F({1, 4, 2, 5, 3, 6}, {3, 2}));
  // x[i][j][k] = 100i + 10j + k with shape [2,2,3].
  Tensor x = V<int32_t>({0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112},
                        {2, 2, 3});
  ExpectTensor(Transposed(x, {0, 2, 1}),
               V<int32_t>({0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112},
                          {2, 3, 2}));
  ExpectTensor(Transposed(x, {2, 0, 1}),
               V<int32_t>({0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112},
                          {3, 2, 2}));
  ExpectTensor(Transposed(x, {1, 0, 2}),
               V<int32_t>({0, 1, 2, 100, 101, 102, 10, 11, 12, 110, 111, 112},
                          {2, 2, 3}));
  ExpectTensor(Transposed(x, {2, 1, 0}),
               V<int32_t>({0, 100, 10, 110, 1, 101, 11, 111, 2, 102, 12, 112},
                          {3, 2, 2}));
}

TEST(TransposeTest, IdentityAndSizeOneMovesShareTheBuffer) {
  Tensor x = Iota<float>({2, 3});
  Tensor same = Transposed(x, {0, 1});
  EXPECT_TRUE(same.SharesBufferWith(x));
  Tensor row = Iota<float>({1, 4});
  Tensor col = Transposed(row, {1, 0});
  ExpectTensor(col, F({0, 1, 2, 3}, {4, 1}));
  EXPECT_TRUE(col.SharesBufferWith(row));
  ExpectTensor(Transposed(Tensor::Scalar<float>(3), {}),
               Tensor::Scalar<float>(3));
  EXPECT_EQ(Transposed(Tensor(DT_FLOAT, TensorShape({0, 3})), {1, 0})
                .shape().DebugString(), "[3,0]");
}

TEST(TransposeTest, EveryElementSize) {
  ExpectTensor(Transposed(V<int8_t>({1, 2, 3, 4, 5, 6}, {3, 2}), {1, 0}),
               V<int8_t>({1, 3, 5, 2, 4, 6}, {2, 3}));
  ExpectTensor(Transposed(V<bool>({true, false, false, false}, {2, 2}), {1, 0}),
               V<bool>({true, false, false, false}, {2, 2}));
  ExpectTensor(Transposed(V<half>({half(1.f), half(2.f), half(3.f), half(4.f)},
                                  {2, 2}), {1, 0}),
               V<half>({half(1.f), half(3.f), half(2.f), half(4.f)}, {2, 2}));
  ExpectTensor(Transposed(V<double>({1, 2, 3, 4, 5, 6}, {1, 2, 3}), {2, 1, 0}),
               V<double>({1, 4, 2, 5, 3, 6}, {3, 2, 1}));
  ExpectTensor(Transposed(V<complex128>({{1, 1}, {2, 2}, {3, 3}, {4, 4}},
                                        {2, 2}), {1, 0}),
               V<complex128>({{1, 1}, {3, 3}, {2, 2}, {4, 4}}, {2, 2}));
  ExpectTensor(Transposed(V<tstring>({"a", "b", "c", "d", "e", "f"}, {2, 3}),
                          {1, 0}),
               V<tstring>({"a", "d", "b", "e", "c", "f"}, {3, 2}));
}

TEST(TransposeTest, LargeTensorsMatchTheDefinition) {
  // Blocked 2-D path, with ragged tiles; split over the pool.
  const int64_t rows = 301, cols = 257;
  Tensor y = Transposed(Iota<float>({rows, cols}), {1, 0});
  ASSERT_EQ(y.shape().DebugString(), "[257,301]");
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      ASSERT_EQ(y.data<float>()[c * rows + r], float(r * cols + c));
    }
  }
  // General path: NHWC -> NCHW.
  const int64_t n = 3, h = 33, w = 35, ch = 20;
  Tensor z = Transposed(Iota<int64_t>({n, h, w, ch}), {0, 3, 1, 2});
  ASSERT_EQ(z.shape().DebugString(), "[3,20,33,35]");
  const int64_t* zd = z.data<int64_t>();
  for (int64_t a = 0; a < n; ++a)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j)
          ASSERT_EQ(zd[((a * ch + c) * h + i) * w + j],
                    ((a * h + i) * w + j) * ch + c);
  // Row-by-row strided path: out[a][b][c][d] = in[b][d][a][c].
  Tensor g = Transposed(Iota<int32_t>({6, 20, 25, 12}), {2, 0, 3, 1});
  ASSERT_EQ(g.shape().DebugString(), "[25,6,12,20]");
  const int32_t* gd = g.data<int32_t>();
  for (int64_t a = 0; a < 25; ++a)
    for (int64_t b = 0; b < 6; ++b)
      for (int64_t c = 0; c < 12; ++c)
        for (int64_t d = 0; d < 20; ++d)
          ASSERT_EQ(gd[((a * 6 + b) * 12 + c) * 20 + d],
                    ((b * 20 + d) * 25 + a) * 12 + c);
}

TEST(TransposeTest, Errors) {
  Tensor x = Iota<float>({2, 3});
  ExpectRunError(KernelTester("Transpose").Input(x).Input(I32({0, 1, 2})),
                 "transpose expects a vector of size 2");
  ExpectRunError(KernelTester("Transpose").Input(x).Input(I32({0, 2})),
                 "2 is out of range [0, 2)");
  ExpectRunError(KernelTester("Transpose").Input(x).Input(I64({-1, 0})),
                 "-1 is out of range");
  ExpectRunError(KernelTester("Transpose").Input(x).Input(I32({1, 1})),
                 "not a permutation");
  ExpectRunError(KernelTester("Transpose").Input(x).Input(
                     V<int32_t>({1, 0}, {1, 2})),
                 "perm must be a vector");
}

TEST(TransposeTest, ShapeFunction) {
  EXPECT_EQ(Inferred(KernelTester("Transpose").InputShape(DT_FLOAT, {2, -1, 4})
                         .Input(I32({2, 0, 1}))), "[4,2,?]");
  EXPECT_EQ(Inferred(KernelTester("Transpose").InputShape(DT_FLOAT, {2, -1, 4})
                         .InputShape(DT_INT32, {-1})), "[?,?,?]");
  EXPECT_EQ(Inferred(KernelTester("Transpose").InputShape(DT_FLOAT, {})
                         .Input(I64({1, 2, 0}))), "[?,?,?]");
  EXPECT_EQ(Inferred(KernelTester("Transpose").InputShape(DT_FLOAT, {})
                         .InputShape(DT_INT32, {-1})), "<unknown>");
  EXPECT_THAT(Inferred(KernelTester("Transpose").InputShape(DT_FLOAT, {2, 3})
                           .Input(I32({0, 1, 2}))),
              HasSubstr("perm has 3 elements but the input has rank 2"));
  EXPECT_THAT(Inferred(KernelTester("Transpose").InputShape(DT_FLOAT, {2, 3})
                           .Input(I32({0, 0}))),
              HasSubstr("not a permutation"));
}

// ---- Fill, ZerosLike, OnesLike

TEST(FillTest, Values) {
  ExpectTensor(Run1(KernelTester("Fill").Input(I32({2, 3}))
                        .Input(Tensor::Scalar<float>(7))),
               F({7, 7, 7, 7, 7, 7}, {2, 3}));
  ExpectTensor(Run1(KernelTester("Fill").Input(I64({2}))
                        .Input(Tensor::Scalar<tstring>("x"))),
               V<tstring>({"x", "x"}, {2}));
  ExpectTensor(Run1(KernelTester("Fill").Input(I32({}))
                        .Input(Tensor::Scalar<int64_t>(-4))),
               Tensor::Scalar<int64_t>(-4));
  EXPECT_EQ(Run1(KernelTester("Fill").Input(I32({3, 0}))
                     .Input(Tensor::Scalar<bool>(true))).shape().DebugString(),
            "[3,0]");
  Tensor big = Run1(KernelTester("Fill").Input(I32({300, 300}))
                        .Input(Tensor::Scalar<double>(0.5)));
  for (int64_t i = 0; i < big.NumElements(); ++i) {
    ASSERT_EQ(big.data<double>()[i], 0.5);
  }
}

TEST(FillTest, ErrorsAndShapeFunction) {
  ExpectRunError(KernelTester("Fill").Input(I32({2, -1}))
                     .Input(Tensor::Scalar<float>(1)), "[2,-1]");
  ExpectRunError(KernelTester("Fill").Input(I32({2})).Input(F({1, 2}, {2})),
                 "value must be a scalar");
  ExpectRunError(KernelTester("Fill").Input(Tensor::Scalar<int32_t>(2))
                     .Input(Tensor::Scalar<float>(1)), "dims must be a vector");
  EXPECT_EQ(Inferred(KernelTester("Fill").Input(I64({4, 5}))
                         .InputShape(DT_FLOAT, {})), "[4,5]");
  EXPECT_EQ(Inferred(KernelTester("Fill").InputShape(DT_INT32, {3})
                         .InputShape(DT_FLOAT, {})), "[?,?,?]");
  EXPECT_EQ(Inferred(KernelTester("Fill").InputShape(DT_INT32, {-1})
                         .InputShape(DT_FLOAT, {})), "<unknown>");
  EXPECT_THAT(Inferred(KernelTester("Fill").Input(I32({2, -1}))
                           .InputShape(DT_FLOAT, {})),
              HasSubstr("Fill dimensions must be >= 0, got [2,-1]"));
  EXPECT_THAT(Inferred(KernelTester("Fill").Input(I32({2}))
                           .InputShape(DT_FLOAT, {2})),
              HasSubstr("must be rank 0"));
}

TEST(ZerosOnesLikeTest, Values) {
  ExpectTensor(Run1(KernelTester("ZerosLike").Input(F({1, -2, 3}, {3}))),
               F({0, 0, 0}, {3}));
  ExpectTensor(Run1(KernelTester("OnesLike").Input(F({1, -2, 3}, {1, 3}))),
               F({1, 1, 1}, {1, 3}));
  ExpectTensor(Run1(KernelTester("ZerosLike").Input(I64({5, 6}))), I64({0, 0}));
  ExpectTensor(Run1(KernelTester("OnesLike").Input(I32({5, 6}))), I32({1, 1}));
  ExpectTensor(Run1(KernelTester("OnesLike").Input(V<bool>({false}, {1}))),
               V<bool>({true}, {1}));
  ExpectTensor(Run1(KernelTester("ZerosLike").Input(V<bool>({true}, {1}))),
               V<bool>({false}, {1}));
  ExpectTensor(Run1(KernelTester("OnesLike").Input(
                   V<complex64>({{2, 3}}, {1}))),
               V<complex64>({{1, 0}}, {1}));
  ExpectTensor(Run1(KernelTester("OnesLike").Input(V<half>({half(5.f)}, {1}))),
               V<half>({half(1.f)}, {1}));
  ExpectTensor(Run1(KernelTester("ZerosLike").Input(V<tstring>({"a"}, {1}))),
               V<tstring>({""}, {1}));
  EXPECT_EQ(Run1(KernelTester("ZerosLike").Input(Tensor(DT_DOUBLE,
                                                        TensorShape({0}))))
                .shape().DebugString(), "[0]");
  EXPECT_FALSE(KernelTester("OnesLike").Input(V<tstring>({"a"}, {1})).Run().ok());
  EXPECT_EQ(Inferred(KernelTester("ZerosLike").InputShape(DT_FLOAT, {-1, 2})),
            "[?,2]");
  EXPECT_EQ(Inferred(KernelTester("OnesLike").InputShape(DT_FLOAT, {})),
            "<unknown>");
}

// ---- Range

template <typename T>
Tensor RangeOf(T start, T limit, T delta) {
  return Run1(KernelTester("Range").Input(Tensor::Scalar<T>(start))
                  .Input(Tensor::Scalar<T>(limit))
                  .Input(Tensor::Scalar<T>(delta)));
}

TEST(RangeTest, Values) {
  ExpectTensor(RangeOf<int32_t>(0, 10, 3), I32({0, 3, 6, 9}));
  ExpectTensor(RangeOf<int32_t>(10, 0, -3), I32({10, 7, 4, 1}));
  ExpectTensor(RangeOf<int64_t>(-2, 2, 1), I64({-2, -1, 0, 1}));
  ExpectTensor(RangeOf<int32_t>(5, 5, 1), I32({}));
  ExpectTensor(RangeOf<float>(0, 1, 0.25f), F({0, 0.25f, 0.5f, 0.75f}, {4}));
  ExpectTensor(RangeOf<double>(1, -0.5, -0.5), V<double>({1, 0.5, 0}, {3}));
  ExpectTensor(RangeOf<float>(0, 1, 0.3f),
               F({0, 0.3f, 0.6f, 0.90000004f}, {4}));
}

TEST(RangeTest, ErrorsAndShapeFunction) {
  auto range = [](int32_t s, int32_t l, int32_t d) {
    return KernelTester("Range").Input(Tensor::Scalar<int32_t>(s))
        .Input(Tensor::Scalar<int32_t>(l)).Input(Tensor::Scalar<int32_t>(d));
  };
  ExpectRunError(range(0, 10, 0), "Requires delta != 0");
  ExpectRunError(range(10, 0, 1), "Requires start <= limit when delta > 0: 10/0");
  ExpectRunError(range(0, 10, -1), "Requires start >= limit when delta < 0");
  ExpectRunError(KernelTester("Range").Input(I32({0})).Input(
                     Tensor::Scalar<int32_t>(3)).Input(Tensor::Scalar<int32_t>(1)),
                 "start must be a scalar");
  EXPECT_EQ(Inferred(range(0, 10, 3)), "[4]");
  EXPECT_EQ(Inferred(range(0, 10, 3), /*with_values=*/false), "[?]");
  EXPECT_THAT(Inferred(range(0, 10, 0)), HasSubstr("Requires delta != 0"));
  EXPECT_EQ(Inferred(KernelTester("Range").Input(Tensor::Scalar<float>(0))
                         .Input(Tensor::Scalar<float>(1))
                         .Input(Tensor::Scalar<float>(0.3f))), "[4]");
  EXPECT_THAT(Inferred(KernelTester("Range").InputShape(DT_INT32, {2})
                           .InputShape(DT_INT32, {})
                           .InputShape(DT_INT32, {})),
              HasSubstr("for 'start'"));
}

// ---- Tile

TEST(TileTest, Values) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectTensor(Run1(KernelTester("Tile").Input(x).Input(I32({2, 1}))),
               F({1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, {4, 3}));
  ExpectTensor(Run1(KernelTester("Tile").Input(x).Input(I64({1, 2}))),
               F({1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, {2, 6}));
  ExpectTensor(Run1(KernelTester("Tile").Input(V<int32_t>({1, 2}, {2, 1, 1}))
                        .Input(I32({2, 2, 2}))),
               V<int32_t>({1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2},
                          {4, 2, 2}));
  ExpectTensor(Run1(KernelTester("Tile").Input(V<tstring>({"a", "b"}, {2}))
                        .Input(I32({3}))),
               V<tstring>({"a", "b", "a", "b", "a", "b"}, {6}));
  EXPECT_EQ(Run1(KernelTester("Tile").Input(x).Input(I32({0, 2})))
                .shape().DebugString(), "[0,6]");
  Tensor same = Run1(KernelTester("Tile").Input(x).Input(I32({1, 1})));
  EXPECT_TRUE(same.SharesBufferWith(x));
  ExpectTensor(Run1(KernelTester("Tile").Input(Tensor::Scalar<int8_t>(4))
                        .Input(I32({}))), Tensor::Scalar<int8_t>(4));
  // Large enough to be split over the pool.
  Tensor big = Run1(KernelTester("Tile").Input(Iota<int32_t>({2, 100}))
                        .Input(I32({200, 3})));
  ASSERT_EQ(big.shape().DebugString(), "[400,300]");
  for (int64_t i = 0; i < 400; ++i) {
    for (int64_t j = 0; j < 300; ++j) {
      ASSERT_EQ(big.data<int32_t>()[i * 300 + j], (i % 2) * 100 + j % 100);
    }
  }
}

TEST(TileTest, ErrorsAndShapeFunction) {
  Tensor x = Iota<float>({2, 3});
  ExpectRunError(KernelTester("Tile").Input(x).Input(I32({2})),
                 "vector of length 2");
  ExpectRunError(KernelTester("Tile").Input(x).Input(I32({2, -1})),
                 "Expected multiples[1] >= 0, but got -1");
  EXPECT_EQ(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {-1, 3})
                         .Input(I32({2, 2}))), "[?,6]");
  EXPECT_EQ(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {-1, 3})
                         .Input(I32({0, 2}))), "[0,6]");
  EXPECT_EQ(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {2, 3})
                         .InputShape(DT_INT32, {-1})), "[?,?]");
  EXPECT_EQ(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {})
                         .Input(I64({2, 3}))), "[?,?]");
  EXPECT_EQ(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {})
                         .InputShape(DT_INT32, {-1})), "<unknown>");
  EXPECT_THAT(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {2, 3})
                           .Input(I32({2}))),
              HasSubstr("multiples has 1 elements but the input has rank 2"));
  EXPECT_THAT(Inferred(KernelTester("Tile").InputShape(DT_FLOAT, {2, 3})
                           .Input(I32({2, -2}))),
              HasSubstr("multiples must be >= 0"));
}

// ---- Pad, PadV2, MirrorPad

Tensor Paddings(std::vector<int32_t> v) {
  return V<int32_t>(v, {static_cast<int64_t>(v.size() / 2), 2});
}

TEST(PadTest, ConstantPadding) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  ExpectTensor(Run1(KernelTester("Pad").Input(x).Input(
                   Paddings({1, 0, 2, 1}))),
               F({0, 0, 0, 0, 0, 0,
                  0, 0, 1, 2, 3, 0,
                  0, 0, 4, 5, 6, 0}, {3, 6}));
  ExpectTensor(Run1(KernelTester("PadV2").Input(I32({7, 8}))
                        .Input(V<int64_t>({2, 1}, {1, 2}))
                        .Input(Tensor::Scalar<int32_t>(-1))),
               I32({-1, -1, 7, 8, -1}));
  ExpectTensor(Run1(KernelTester("Pad").Input(V<tstring>({"a"}, {1}))
                        .Input(Paddings({1, 1}))),
               V<tstring>({"", "a", ""}, {3}));
  ExpectTensor(Run1(KernelTester("PadV2").Input(Tensor(DT_DOUBLE,
                                                       TensorShape({0, 2})))
                        .Input(Paddings({1, 0, 0, 1}))
                        .Input(Tensor::Scalar<double>(9))),
               V<double>({9, 9, 9}, {1, 3}));
  Tensor same = Run1(KernelTester("Pad").Input(x).Input(Paddings({0, 0, 0, 0})));
  EXPECT_TRUE(same.SharesBufferWith(x));
  // Rank 3, large enough to be split over the pool.
  Tensor big = Run1(KernelTester("Pad").Input(Iota<int32_t>({4, 100, 100}))
                        .Input(Paddings({0, 1, 2, 0, 0, 3})));
  ASSERT_EQ(big.shape().DebugString(), "[5,102,103]");
  for (int64_t a = 0; a < 5; ++a)
    for (int64_t i = 0; i < 102; ++i)
      for (int64_t j = 0; j < 103; ++j) {
        const bool inside = a < 4 && i >= 2 && j < 100;
        ASSERT_EQ(big.data<int32_t>()[(a * 102 + i) * 103 + j],
                  inside ? (a * 100 + i - 2) * 100 + j : 0);
      }
}

TEST(PadTest, MirrorPadding) {
  auto mirror = [](Tensor x, std::vector<int32_t> p, const char* mode) {
    return Run1(KernelTester("MirrorPad").Input(x).Input(Paddings(p))
                    .Attr("mode", mode));
  };
  ExpectTensor(mirror(I32({1, 2, 3}), {2, 2}, "REFLECT"),
               I32({3, 2, 1, 2, 3, 2, 1}));
  ExpectTensor(mirror(I32({1, 2, 3}), {2, 3}, "SYMMETRIC"),
               I32({2, 1, 1, 2, 3, 3, 2, 1}));
  ExpectTensor(mirror(F({1, 2, 3, 4, 5, 6}, {2, 3}), {1, 1, 2, 2}, "REFLECT"),
               F({6, 5, 4, 5, 6, 5, 4,
                  3, 2, 1, 2, 3, 2, 1,
                  6, 5, 4, 5, 6, 5, 4,
                  3, 2, 1, 2, 3, 2, 1}, {4, 7}));
  ExpectTensor(mirror(F({1, 2, 3, 4}, {2, 2}), {1, 0, 0, 1}, "SYMMETRIC"),
               F({1, 2, 2, 1, 2, 2, 3, 4, 4}, {3, 3}));
}

TEST(PadTest, Errors) {
  Tensor x = Iota<float>({2, 3});
  ExpectRunError(KernelTester("Pad").Input(x).Input(Paddings({1, 1})),
                 "paddings must have shape [2,2] for input of shape [2,3]");
  ExpectRunError(KernelTester("Pad").Input(x).Input(Paddings({0, 0, -1, 0})),
                 "Paddings must be non-negative, got [-1, 0] for dim 1");
  ExpectRunError(KernelTester("PadV2").Input(x).Input(Paddings({0, 0, 1, 0}))
                     .Input(F({1, 2}, {2})),
                 "constant_values must be a scalar");
  ExpectRunError(KernelTester("MirrorPad").Input(x).Input(Paddings({0, 0, 3, 0}))
                     .Attr("mode", "REFLECT"),
                 "REFLECT paddings must be less than the dim size");
  ExpectRunError(KernelTester("MirrorPad").Input(x).Input(Paddings({0, 0, 0, 4}))
                     .Attr("mode", "SYMMETRIC"),
                 "SYMMETRIC paddings must be no greater than the dim size");
  EXPECT_FALSE(KernelTester("MirrorPad").Input(x).Input(Paddings({0, 0, 0, 0}))
                   .Attr("mode", "CONSTANT").Run().ok());
}

TEST(PadTest, ShapeFunction) {
  EXPECT_EQ(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {-1, 3})
                         .Input(Paddings({1, 1, 2, 2}))), "[?,7]");
  EXPECT_EQ(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {-1, 3})
                         .InputShape(DT_INT32, {2, 2})), "[?,?]");
  EXPECT_EQ(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {})
                         .InputShape(DT_INT32, {3, 2})), "[?,?,?]");
  EXPECT_EQ(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {})
                         .InputShape(DT_INT32, {-1, 2})), "<unknown>");
  EXPECT_EQ(Inferred(KernelTester("PadV2").InputShape(DT_FLOAT, {2})
                         .Input(Paddings({0, 3}))
                         .InputShape(DT_FLOAT, {})), "[5]");
  EXPECT_EQ(Inferred(KernelTester("MirrorPad").InputShape(DT_FLOAT, {3, -1})
                         .Input(Paddings({2, 2, 5, 5})).Attr("mode", "REFLECT")),
            "[7,?]");
  EXPECT_THAT(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {2, 3})
                           .InputShape(DT_INT32, {3, 2})),
              HasSubstr("paddings has 3 rows but the input has rank 2"));
  EXPECT_THAT(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {2, 3})
                           .InputShape(DT_INT32, {2, 3})),
              HasSubstr("paddings must have shape [rank, 2], got [2,3]"));
  EXPECT_THAT(Inferred(KernelTester("Pad").InputShape(DT_FLOAT, {2})
                           .Input(Paddings({-1, 0}))),
              HasSubstr("Paddings must be non-negative"));
  EXPECT_THAT(Inferred(KernelTester("MirrorPad").InputShape(DT_FLOAT, {3})
                           .Input(Paddings({3, 0})).Attr("mode", "REFLECT")),
              HasSubstr("less than the dim size"));
  EXPECT_THAT(Inferred(KernelTester("PadV2").InputShape(DT_FLOAT, {2})
                           .Input(Paddings({0, 3}))
                           .InputShape(DT_FLOAT, {1})),
              HasSubstr("must be rank 0"));
}

// ---- Builders

TEST(ShapeBuildersTest, NamesAttrsAndShapes) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root, DT_FLOAT, PartialTensorShape({-1, 28, 28}));
  Output flat = ops::Reshape(root, x, {-1, 784});
  EXPECT_EQ(flat.node->name(), "Reshape");
  EXPECT_EQ(flat.shape().DebugString(), "[?,784]");
  Output t = ops::Transpose(root, x, {0, 2, 1});
  EXPECT_EQ(t.node->name(), "transpose");
  Output shape = ops::Shape(root, x, DT_INT64);
  EXPECT_EQ(shape.dtype(), DT_INT64);
  EXPECT_EQ(shape.shape().DebugString(), "[3]");
  EXPECT_EQ(ops::Size(root, x).dtype(), DT_INT32);
  EXPECT_EQ(ops::Rank(root, x).node->name(), "Rank");
  EXPECT_EQ(ops::ExpandDims(root, x, 1).shape().DebugString(), "[?,1,28,28]");
  Output one = ops::Placeholder(root, DT_FLOAT, PartialTensorShape({1, -1, 1}));
  EXPECT_EQ(ops::Squeeze(root, one, {0}).shape().DebugString(), "[?,1]");
  EXPECT_EQ(ops::Squeeze(root, one, {0, 2}).node->name(), "Squeeze_1");
  EXPECT_EQ(ops::Fill(root, {2, 3}, 1.5f).shape().DebugString(), "[2,3]");
  EXPECT_EQ(ops::ZerosLike(root, x).node->name(), "zeros_like");
  EXPECT_EQ(ops::OnesLike(root, x).node->name(), "ones_like");
  Output r = ops::Range(root, 0, 10, 2);
  EXPECT_EQ(r.node->name(), "range");
  EXPECT_EQ(r.shape().DebugString(), "[5]");
  EXPECT_EQ(ops::Tile(root, x, {2, 1, 1}).shape().DebugString(), "[?,28,28]");
  Output p = ops::Pad(root, x, {{0, 0}, {1, 1}, {2, 2}});
  EXPECT_EQ(p.shape().DebugString(), "[?,30,32]");
  EXPECT_EQ(ops::PadV2(root, x, {{0, 0}, {1, 1}, {2, 2}}, 1.f).node->name(),
            "PadV2");
  Output m = ops::MirrorPad(root, x, {{0, 0}, {1, 1}, {0, 0}}, "SYMMETRIC");
  EXPECT_EQ(m.shape().DebugString(), "[?,30,28]");
  EXPECT_TRUE(root.ok()) << root.status();
}

TEST(ShapeBuildersTest, ShapeErrorsSurfaceAtConstruction) {
  Scope root = Scope::NewRootScope();
  Output c = ops::Const(root, {{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  ops::Reshape(root, c, {4});
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(std::string(root.status().message()),
              HasSubstr("Cannot reshape a tensor with 6 elements to shape [4] "
                        "(4 elements)"));
}

}  // namespace
}  // namespace tessera
