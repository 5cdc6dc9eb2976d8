// GPU-vs-CPU tests of the array kernels (array_ops_gpu.cc): Fill,
// ZerosLike, OnesLike, OneHot, Transpose and the views Identity, Reshape,
// ExpandDims, Squeeze. Skipped when no GPU is present; the registration
// tests at the end run everywhere.
#include <algorithm>
#include <cstdint>
#include <numeric>
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

TEST_F(GpuKernelsTest, Fill) {
  for (const std::vector<int32_t>& dims :
       std::vector<std::vector<int32_t>>{{}, {0}, {5}, {3, 7, 11}, {2, 0}}) {
    const Tensor d32 = Tensor::FromVector<int32_t>(dims);
    const Tensor d64 =
        Tensor::FromVector<int64_t>({dims.begin(), dims.end()});
    Check("Fill", {{d32}, {Tensor::Scalar<float>(2.5f)}});
    Check("Fill", {{d64}, {Tensor::Scalar<double>(-1e300)}});
    Check("Fill", {{d32}, {Tensor::Scalar<int64_t>(int64_t{1} << 40)}});
    Check("Fill", {{d64}, {Tensor::Scalar<bool>(true)}});
    Check("Fill", {{d32}, {Tensor::Scalar<int8_t>(-3)}});
    Check("Fill", {{d32}, {Tensor::Scalar<int16_t>(-300)}});
  }
  // Bad dims and a non-scalar value fail on both devices.
  Check("Fill", {{Tensor::FromVector<int32_t>({2, -1})},
                 {Tensor::Scalar<float>(1)}});
  Check("Fill", {{Tensor::FromVector<int32_t>({2})},
                 {Tensor::FromVector<float>({1, 2})}});
}

TEST_F(GpuKernelsTest, ZerosLikeAndOnesLike) {
  for (const char* op : {"ZerosLike", "OnesLike"}) {
    for (const TensorShape& s : Shapes()) {
      Check(op, {{Random<float>(s, -5, 5)}});
      Check(op, {{Random<double>(s, -5, 5)}});
      Check(op, {{Random<int32_t>(s, -50, 50)}});
      Check(op, {{Random<int64_t>(s, -50, 50)}});
      Check(op, {{Random<uint8_t>(s, 0, 200)}});
      Check(op, {{Random<int16_t>(s, -50, 50)}});
      Check(op, {{Random<bool>(s, 0, 1)}});
    }
  }
}

TEST_F(GpuKernelsTest, OneHot) {
  const std::vector<TensorShape> shapes = {TensorShape({}), TensorShape({9}),
                                           TensorShape({3, 4}),
                                           TensorShape({0, 2}),
                                           TensorShape({2, 3, 5})};
  for (const TensorShape& s : shapes) {
    for (int64_t axis = -1; axis <= s.dims(); ++axis) {
      const AttrList attrs = {{"axis", MakeAttr(axis)}};
      for (int32_t depth : {0, 1, 6}) {
        // Indices in [-1, depth + 1]: out-of-range ones give all-off rows.
        Check("OneHot",
              {{Random<int32_t>(s, -2, depth + 2, 3)},
               {Tensor::Scalar<int32_t>(depth)},
               {Tensor::Scalar<float>(1.5f)},
               {Tensor::Scalar<float>(-0.5f)}},
              attrs);
        Check("OneHot",
              {{Random<int64_t>(s, -2, depth + 2, 4)},
               {Tensor::Scalar<int32_t>(depth)},
               {Tensor::Scalar<int64_t>(7)},
               {Tensor::Scalar<int64_t>(0)}},
              attrs);
        Check("OneHot",
              {{Random<uint8_t>(s, 0, depth + 2, 5)},
               {Tensor::Scalar<int32_t>(depth)},
               {Tensor::Scalar<bool>(true)},
               {Tensor::Scalar<bool>(false)}},
              attrs);
      }
    }
  }
  // Negative depth and a bad axis fail on both devices.
  Check("OneHot", {{Random<int32_t>(TensorShape({3}), 0, 3)},
                   {Tensor::Scalar<int32_t>(-2)},
                   {Tensor::Scalar<float>(1)},
                   {Tensor::Scalar<float>(0)}});
  Check("OneHot",
        {{Random<int32_t>(TensorShape({3}), 0, 3)},
         {Tensor::Scalar<int32_t>(4)},
         {Tensor::Scalar<float>(1)},
         {Tensor::Scalar<float>(0)}},
        {{"axis", MakeAttr(int64_t{3})}});
}

// Every permutation of `rank` dims, in lexicographic order.
std::vector<std::vector<int32_t>> Permutations(int rank) {
  std::vector<int32_t> p(rank);
  std::iota(p.begin(), p.end(), 0);
  std::vector<std::vector<int32_t>> all;
  do {
    all.push_back(p);
  } while (std::next_permutation(p.begin(), p.end()));
  return all;
}

TEST_F(GpuKernelsTest, Transpose) {
  const std::vector<TensorShape> shapes = {
      TensorShape({}),           TensorShape({6}),
      TensorShape({33, 65}),     TensorShape({0, 3}),
      TensorShape({3, 4, 5}),    TensorShape({2, 1, 3, 4}),
      TensorShape({2, 3, 1, 5}), TensorShape({64, 3, 3, 17})};
  for (const TensorShape& s : shapes) {
    for (const auto& perm : Permutations(s.dims())) {
      const Tensor p32 = Tensor::FromVector<int32_t>(perm);
      const Tensor p64 = Tensor::FromVector<int64_t>({perm.begin(), perm.end()});
      Check("Transpose", {{Random<float>(s, -9, 9)}, {p32}});
      Check("Transpose", {{Random<double>(s, -9, 9)}, {p64}});
      Check("Transpose", {{Random<uint8_t>(s, 0, 250)}, {p32}});
      Check("Transpose", {{Random<int16_t>(s, -99, 99)}, {p64}});
      Check("Transpose", {{Random<bool>(s, 0, 1)}, {p32}});
    }
  }
  // Rank 8, reversed: nothing merges, the kernel's widest case.
  const TensorShape wide({2, 3, 2, 3, 2, 3, 2, 3});
  Check("Transpose", {{Random<float>(wide, -1, 1)},
                      {Tensor::FromVector<int32_t>({7, 6, 5, 4, 3, 2, 1, 0})}});
  // Not a permutation, wrong length, out of range: errors on both.
  const Tensor x = Random<float>(TensorShape({2, 3, 4}), 0, 1);
  Check("Transpose", {{x}, {Tensor::FromVector<int32_t>({0, 0, 1})}});
  Check("Transpose", {{x}, {Tensor::FromVector<int32_t>({1, 0})}});
  Check("Transpose", {{x}, {Tensor::FromVector<int32_t>({0, 1, 3})}});
}

TEST_F(GpuKernelsTest, Views) {
  const Tensor x = Random<float>(TensorShape({2, 3, 4}), -1, 1);
  Check("Identity", {{x}});
  Check("Identity", {{Random<int64_t>(TensorShape({0, 5}), 0, 9)}});
  for (const std::vector<int32_t>& shape :
       std::vector<std::vector<int32_t>>{
           {24}, {4, -1}, {2, 3, 2, 2}, {-1}, {5, -1}, {-1, -1}, {}}) {
    Check("Reshape", {{x}, {Tensor::FromVector<int32_t>(shape)}});
  }
  Check("Reshape", {{Random<double>(TensorShape({0, 5}), 0, 1)},
                    {Tensor::FromVector<int64_t>({0, -1})}});
  Check("Reshape", {{Tensor::Scalar<float>(3)},
                    {Tensor::FromVector<int64_t>({1, 1})}});
  for (int32_t dim : {-4, -1, 0, 2, 3, 4}) {
    Check("ExpandDims", {{x}, {Tensor::Scalar<int32_t>(dim)}});
  }
  const Tensor y = Random<double>(TensorShape({1, 3, 1, 2}), -1, 1);
  for (const std::vector<int64_t>& axes : std::vector<std::vector<int64_t>>{
           {}, {0}, {2}, {-2, 0}, {1}}) {
    Check("Squeeze", {{y}}, {{"squeeze_dims", MakeAttr(axes)}});
  }
}

TEST(GpuKernelRegistrationTest, ArrayOpsAndHostMemoryArgs) {
  struct Case {
    const char* op;
    std::vector<std::pair<std::string, DataType>> types;
    std::vector<std::string> host_args;
  };
  const Case cases[] = {
      {"Fill", {{"T", DT_FLOAT}, {"index_type", DT_INT64}}, {"dims"}},
      {"ZerosLike", {{"T", DT_BOOL}}, {}},
      {"OnesLike", {{"T", DT_INT32}}, {}},
      {"OneHot", {{"T", DT_FLOAT}, {"TI", DT_UINT8}}, {"depth"}},
      {"Transpose", {{"T", DT_DOUBLE}, {"Tperm", DT_INT32}}, {"perm"}},
      {"Identity", {{"T", DT_FLOAT}}, {}},
      {"Reshape", {{"T", DT_FLOAT}, {"Tshape", DT_INT64}}, {"shape"}},
      {"ExpandDims", {{"T", DT_HALF}, {"Tdim", DT_INT32}}, {"dim"}},
      {"Squeeze", {{"T", DT_INT8}}, {}},
  };
  for (const Case& c : cases) {
    const KernelDef* k = FindGpuKernel(c.op, c.types);
    ASSERT_NE(k, nullptr) << c.op;
    EXPECT_EQ(k->host_memory_args, c.host_args) << c.op;
  }
}

}  // namespace
}  // namespace tessera
