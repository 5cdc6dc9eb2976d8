// Small helpers shared by the kernels (CPU, and GPU where they apply).
#ifndef TESSERA_KERNELS_KERNEL_UTIL_H_
#define TESSERA_KERNELS_KERNEL_UTIL_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/op_kernel.h"
#include "core/threadpool.h"
#include "core/types.h"

namespace tessera {

// A 16-byte element (complex128) moved as an opaque word.
struct Word16 {
  uint64_t lo, hi;
};

// Calls fn(S{}) with S a type of the same size as `dt`'s elements: kernels
// that only move elements need one instantiation per size, not per dtype.
// Strings are moved as strings.
template <typename Fn>
bool VisitStorageType(DataType dt, Fn&& fn) {
  if (dt == DT_STRING) {
    fn(tstring{});
    return true;
  }
  switch (DataTypeSize(dt)) {
    case 1: fn(uint8_t{}); return true;
    case 2: fn(uint16_t{}); return true;
    case 4: fn(uint32_t{}); return true;
    case 8: fn(uint64_t{}); return true;
    case 16: fn(Word16{}); return true;
    default: return false;
  }
}

// The product of dims [begin, end) of `s` (1 when empty).
inline int64_t DimProduct(const TensorShape& s, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= s.dim_size(i);
  return n;
}

// Runs fn(begin, end) over [0, n) on the intra-op pool when n units of
// `cost_per_unit` (roughly cycles) are worth splitting; inline otherwise.
inline void RunParallel(OpKernelContext* ctx, int64_t n, int64_t cost_per_unit,
                        const std::function<void(int64_t, int64_t)>& fn) {
  ThreadPool* pool = ctx->intra_op_pool();
  if (pool == nullptr || n <= 1 || n * cost_per_unit < (1 << 16)) {
    fn(0, n);
  } else {
    pool->ParallelFor(n, cost_per_unit, fn);
  }
}

// ArgMax/ArgMin over `input` along the scalar int32/int64 `dimension`: the
// input seen as [outer, n, inner] and the output shape (TF's messages).
struct ArgReduceLayout {
  int64_t outer = 1, n = 0, inner = 1;
  TensorShape out_shape;
};
inline absl::StatusOr<ArgReduceLayout> MakeArgReduceLayout(
    const Tensor& input, const Tensor& dimension) {
  if (dimension.dims() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dimension must be a scalar, but received tensor of shape: ",
        dimension.shape().DebugString()));
  }
  const int64_t dim = dimension.dtype() == DT_INT32
                          ? dimension.scalar<int32_t>()
                          : dimension.scalar<int64_t>();
  const int rank = input.dims();
  const int64_t axis = dim < 0 ? dim + rank : dim;
  if (axis < 0 || axis >= rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Expected dimension in the range [", -rank, ", ", rank, "), but got ",
        dim, " for input of shape ", input.shape().DebugString()));
  }
  ArgReduceLayout l;
  l.n = input.dim_size(axis);
  if (l.n == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Reduction axis ", dim, " is empty in shape ",
        input.shape().DebugString()));
  }
  for (int i = 0; i < rank; ++i) {
    if (i == axis) continue;
    l.out_shape.AddDim(input.dim_size(i));
    (i < axis ? l.outer : l.inner) *= input.dim_size(i);
  }
  return l;
}

// OneHot's checks (TF's messages) and its output seen as
// [prefix, depth, suffix] around the inserted axis.
struct OneHotLayout {
  int64_t prefix = 1, depth = 0, suffix = 1;
  TensorShape out_shape;
};
inline absl::StatusOr<OneHotLayout> MakeOneHotLayout(const Tensor& indices,
                                                     const Tensor& depth_t,
                                                     const Tensor& on,
                                                     const Tensor& off,
                                                     int64_t axis_attr) {
  const int rank = indices.dims();
  if (axis_attr < -1 || axis_attr > rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("Expected axis to be -1 or between [0, ", rank,
                     "], but got ", axis_attr));
  }
  if (depth_t.dims() != 0 || on.dims() != 0 || off.dims() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "depth, on_value and off_value must be scalars, got shapes ",
        depth_t.shape().DebugString(), ", ", on.shape().DebugString(),
        " and ", off.shape().DebugString()));
  }
  OneHotLayout l;
  l.depth = IndexValues(depth_t)[0];
  if (l.depth < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("depth must be non-negative, got: ", l.depth));
  }
  const int axis = axis_attr == -1 ? rank : static_cast<int>(axis_attr);
  l.out_shape = indices.shape();
  l.out_shape.InsertDim(axis, l.depth);
  l.prefix = DimProduct(indices.shape(), 0, axis);
  l.suffix = DimProduct(indices.shape(), axis, rank);
  return l;
}

}  // namespace tessera

#endif  // TESSERA_KERNELS_KERNEL_UTIL_H_
