// CPU kernels for Sum, Mean, Max, Min, Prod, ArgMax and ArgMin.
//
// A reduction first collapses the input shape: size-1 dims are dropped and
// runs of adjacent reduced (or kept) dims merge, leaving alternating groups
// such as [kept, reduced, kept, reduced]. Each pass then removes the last
// reduced group as a 3-D problem [outer, reduce, inner]:
//  - inner == 1: contiguous rows, reduced with Eigen's vectorised redux, or
//    for short rows column by column across a block of rows;
//  - inner > 1: rows are folded into an accumulator row element-wise, four
//    at a time (short rows are first grouped into longer ones).
// The plain loops rely on the vectoriser (see copts in kernels/BUILD).
// half/bfloat16 accumulate in float. Big problems are split over the
// intra-op pool; when the output alone is too small to split, the reduced
// dim is cut into chunks whose partial results are combined afterwards.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "core/threadpool.h"
#include "kernels/kernel_util.h"

namespace tessera {
namespace {

// Below this many input elements a reduction runs on the calling thread.
constexpr int64_t kParallelMin = 32 * 1024;
// Accumulator rows are processed in blocks of this many elements (fits L1).
constexpr int64_t kInnerBlock = 1024;
// Contiguous rows are cut into chunks of this many elements for parallelism.
constexpr int64_t kRowChunk = 16 * 1024;
// Rows shorter than this are reduced by a plain loop rather than Eigen.
constexpr int64_t kShortRow = 16;
// Strided folds treat runs of short rows as rows of about this many values.
constexpr int64_t kWideRow = 128;

// The accumulator type: 16-bit floats accumulate in float.
template <typename T>
using AccumOf =
    std::conditional_t<std::is_same_v<T, half> || std::is_same_v<T, bfloat16>,
                       float, T>;

template <typename A>
using ConstArrayMap = Eigen::Map<const Eigen::Array<A, Eigen::Dynamic, 1>>;

// Each reducer: Identity (the result over no values), Apply (combine two
// values) and Row (reduce a contiguous row with Eigen's vectorised redux).
// clang-format off
struct SumReducer {
  template <typename A> static A Identity() { return A(0); }
  template <typename A> static A Apply(A a, A b) { return a + b; }
  template <typename A> static A Row(const A* p, int64_t n) {
    return ConstArrayMap<A>(p, n).sum();
  }
};

struct ProdReducer {
  template <typename A> static A Identity() { return A(1); }
  template <typename A> static A Apply(A a, A b) { return a * b; }
  template <typename A> static A Row(const A* p, int64_t n) {
    return ConstArrayMap<A>(p, n).prod();
  }
};

// -inf / +inf for floating types, else the lowest / highest value.
template <typename A, bool kLowest>
A Extreme() {
  using Limits = std::numeric_limits<A>;
  if constexpr (Limits::has_infinity) {
    return kLowest ? -Limits::infinity() : Limits::infinity();
  } else {
    return kLowest ? Limits::lowest() : Limits::max();
  }
}

struct MaxReducer {
  template <typename A> static A Identity() { return Extreme<A, true>(); }
  template <typename A> static A Apply(A a, A b) { return b > a ? b : a; }
  template <typename A> static A Row(const A* p, int64_t n) {
    return ConstArrayMap<A>(p, n).maxCoeff();
  }
};

struct MinReducer {
  template <typename A> static A Identity() { return Extreme<A, false>(); }
  template <typename A> static A Apply(A a, A b) { return b < a ? b : a; }
  template <typename A> static A Row(const A* p, int64_t n) {
    return ConstArrayMap<A>(p, n).minCoeff();
  }
};
// clang-format on

// Reduces n contiguous values. Eigen's vectorised redux pays off only on
// rows that are not tiny.
template <typename Red, typename A, typename In>
A ReduceRow(const In* p, int64_t n) {
  if constexpr (std::is_same_v<In, A>) {
    if (n >= kShortRow) return Red::Row(p, n);
  }
  A acc = Red::template Identity<A>();
  for (int64_t i = 0; i < n; ++i) acc = Red::Apply(acc, static_cast<A>(p[i]));
  return acc;
}

// out[o] = reduce(in[o, 0:n]) for o in [begin, end), n < kShortRow: one
// strided pass per column over a block of rows, which vectorises across
// rows instead of paying a call and a horizontal reduction per row.
template <typename Red, typename A, typename In>
void ReduceShortRows(const In* in, A* out, int64_t n, int64_t begin,
                     int64_t end) {
  constexpr int64_t kBlock = 256;
  for (int64_t o0 = begin; o0 < end; o0 += kBlock) {
    const int64_t len = std::min(kBlock, end - o0);
    const In* __restrict__ base = in + o0 * n;
    A* __restrict__ dst = out + o0;
    for (int64_t i = 0; i < len; ++i) dst[i] = static_cast<A>(base[i * n]);
    for (int64_t r = 1; r < n; ++r) {
      for (int64_t i = 0; i < len; ++i) {
        dst[i] = Red::Apply(dst[i], static_cast<A>(base[i * n + r]));
      }
    }
  }
}

// out[o] = reduce(in[o, 0:n]) for o < outer.
template <typename Red, typename A, typename In>
void ReduceRows(const In* in, A* out, int64_t outer, int64_t n,
                ThreadPool* pool) {
  auto whole_rows = [&](int64_t begin, int64_t end) {
    if (n < kShortRow) {
      ReduceShortRows<Red>(in, out, n, begin, end);
      return;
    }
    for (int64_t o = begin; o < end; ++o) {
      out[o] = ReduceRow<Red, A>(in + o * n, n);
    }
  };
  const int64_t chunks = (n + kRowChunk - 1) / kRowChunk;
  if (pool == nullptr || outer * n < kParallelMin) {
    whole_rows(0, outer);
    return;
  }
  if (chunks == 1 || outer >= 4 * pool->NumThreads()) {
    pool->ParallelFor(outer, n, whole_rows);
    return;
  }
  // Few long rows: reduce chunks of them in parallel, then combine.
  const int64_t chunk = (n + chunks - 1) / chunks;
  std::vector<A> partial(outer * chunks);
  pool->ParallelFor(outer * chunks, chunk, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / chunks, lo = (u % chunks) * chunk;
      partial[u] = ReduceRow<Red, A>(in + o * n + lo, std::min(chunk, n - lo));
    }
  });
  for (int64_t o = 0; o < outer; ++o) {
    A acc = partial[o * chunks];
    for (int64_t c = 1; c < chunks; ++c) {
      acc = Red::Apply(acc, partial[o * chunks + c]);
    }
    out[o] = acc;
  }
}

// acc[0:len] = reduce over r < rows (rows >= 1) of in[r * stride + 0:len].
// Four rows per pass: fewer accumulator loads/stores and four memory
// streams in flight.
template <typename Red, typename A, typename In>
void FoldRowsPlain(const In* in, int64_t stride, int64_t rows, int64_t len,
                   A* __restrict__ acc) {
  for (int64_t j = 0; j < len; ++j) acc[j] = static_cast<A>(in[j]);
  int64_t r = 1;
  for (; r + 4 <= rows; r += 4) {
    const In* __restrict__ a = in + r * stride;
    const In* __restrict__ b = a + stride;
    const In* __restrict__ c = b + stride;
    const In* __restrict__ d = c + stride;
    for (int64_t j = 0; j < len; ++j) {
      const A ab = Red::Apply(static_cast<A>(a[j]), static_cast<A>(b[j]));
      const A cd = Red::Apply(static_cast<A>(c[j]), static_cast<A>(d[j]));
      acc[j] = Red::Apply(acc[j], Red::Apply(ab, cd));
    }
  }
  for (; r < rows; ++r) {
    const In* __restrict__ row = in + r * stride;
    for (int64_t j = 0; j < len; ++j) {
      acc[j] = Red::Apply(acc[j], static_cast<A>(row[j]));
    }
  }
}

// acc[0:len] = reduce over r in [r0, r1) of in[r * stride + 0:len].
template <typename Red, typename A, typename In>
void FoldRows(const In* in, int64_t stride, int64_t r0, int64_t r1, int64_t len,
              A* __restrict__ acc) {
  const int64_t rows = r1 - r0;
  if (rows <= 0) {
    std::fill_n(acc, len, Red::template Identity<A>());
    return;
  }
  in += r0 * stride;
  const int64_t t = kWideRow / len;  // short rows per wide row
  if (len != stride || t < 2 || rows < 2 * t) {
    FoldRowsPlain<Red>(in, stride, rows, len, acc);
    return;
  }
  // Short contiguous rows (e.g. [n, 3] over n): fold groups of t rows as
  // rows of t * len values, then fold the t pieces of the result.
  A wide[kWideRow];
  const int64_t groups = rows / t;
  FoldRowsPlain<Red>(in, t * len, groups, t * len, wide);
  for (int64_t j = 0; j < len; ++j) acc[j] = wide[j];
  for (int64_t s = 1; s < t; ++s) {
    for (int64_t j = 0; j < len; ++j) {
      acc[j] = Red::Apply(acc[j], wide[s * len + j]);
    }
  }
  for (int64_t r = groups * t; r < rows; ++r) {
    for (int64_t j = 0; j < len; ++j) {
      acc[j] = Red::Apply(acc[j], static_cast<A>(in[r * len + j]));
    }
  }
}

// out[o, j] = reduce over r of in[o, r, j], inner > 1.
template <typename Red, typename A, typename In>
void ReduceCols(const In* in, A* out, int64_t outer, int64_t n, int64_t inner,
                ThreadPool* pool) {
  const int64_t jblocks = (inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t tiles = outer * jblocks;
  const bool parallel = pool != nullptr && outer * n * inner >= kParallelMin;
  // Too few output tiles to keep the pool busy: also cut the reduced dim.
  int64_t rchunks = 1;
  if (parallel && tiles < 2 * pool->NumThreads()) {
    rchunks = std::min<int64_t>(n, 2 * pool->NumThreads());
  }
  const int64_t rchunk = (n + rchunks - 1) / rchunks;
  std::vector<A> partial(rchunks > 1 ? rchunks * outer * inner : 0);
  auto work = [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t c = u / tiles, t = u % tiles;
      const int64_t o = t / jblocks, j0 = (t % jblocks) * kInnerBlock;
      const int64_t len = std::min(kInnerBlock, inner - j0);
      A* dst = rchunks > 1 ? partial.data() + c * outer * inner : out;
      FoldRows<Red>(in + o * n * inner + j0, inner, c * rchunk,
                    std::min(n, (c + 1) * rchunk), len, dst + o * inner + j0);
    }
  };
  if (!parallel) {
    work(0, tiles);
    return;
  }
  pool->ParallelFor(tiles * rchunks, rchunk * std::min(inner, kInnerBlock),
                    work);
  if (rchunks == 1) return;
  const int64_t size = outer * inner;
  std::copy_n(partial.data(), size, out);
  for (int64_t c = 1; c < rchunks; ++c) {
    const A* p = partial.data() + c * size;
    for (int64_t i = 0; i < size; ++i) out[i] = Red::Apply(out[i], p[i]);
  }
}

template <typename Red, typename A, typename In>
void Reduce3D(const In* in, A* out, int64_t outer, int64_t n, int64_t inner,
              ThreadPool* pool) {
  if (inner == 1) {
    ReduceRows<Red>(in, out, outer, n, pool);
  } else {
    ReduceCols<Red>(in, out, outer, n, inner, pool);
  }
}

struct Group {
  int64_t size;
  bool reduced;
};

// Drops size-1 dims and merges adjacent dims that are both reduced or both
// kept.
std::vector<Group> Collapse(const TensorShape& shape,
                            const std::vector<bool>& reduced) {
  std::vector<Group> groups;
  for (int i = 0; i < shape.dims(); ++i) {
    if (shape.dim_size(i) == 1) continue;
    if (!groups.empty() && groups.back().reduced == reduced[i]) {
      groups.back().size *= shape.dim_size(i);
    } else {
      groups.push_back({shape.dim_size(i), reduced[i]});
    }
  }
  return groups;
}

// acc / count, with integer division for integers (0 when count is 0).
template <typename T, typename A>
T Finalize(A acc, int64_t count, bool mean) {
  if (mean) {
    if constexpr (std::is_integral_v<A>) {
      if (count == 0) return T(0);
      if constexpr (std::is_unsigned_v<A>) {
        return static_cast<T>(static_cast<uint64_t>(acc) /
                              static_cast<uint64_t>(count));
      } else {
        return static_cast<T>(static_cast<int64_t>(acc) / count);
      }
    } else {
      using Real = typename Eigen::NumTraits<A>::Real;
      return static_cast<T>(acc / A(static_cast<Real>(count)));
    }
  }
  return static_cast<T>(acc);
}

// Runs the passes described in the header comment. `groups` must contain at
// least one reduced group and no empty dims.
template <typename T, typename Red>
void ReduceGroups(const T* in, std::vector<Group> groups, int64_t count,
                  bool mean, T* out, ThreadPool* pool) {
  using A = AccumOf<T>;
  std::vector<A> bufs[2];
  const A* src = nullptr;  // null: the first pass reads `in`
  for (int pass = 0;; ++pass) {
    int k = static_cast<int>(groups.size()) - 1;
    while (!groups[k].reduced) --k;
    int64_t outer = 1, inner = 1;
    bool last = true;
    for (int i = 0; i < k; ++i) {
      outer *= groups[i].size;
      last = last && !groups[i].reduced;
    }
    for (size_t i = k + 1; i < groups.size(); ++i) inner *= groups[i].size;
    A* dst = nullptr;
    if constexpr (std::is_same_v<A, T>) {
      if (last) dst = out;  // the final pass writes the output directly
    }
    if (dst == nullptr) {
      bufs[pass % 2].resize(outer * inner);
      dst = bufs[pass % 2].data();
    }
    if (src == nullptr) {
      Reduce3D<Red>(in, dst, outer, groups[k].size, inner, pool);
    } else {
      Reduce3D<Red>(src, dst, outer, groups[k].size, inner, pool);
    }
    src = dst;
    // The kept groups on either side of k become adjacent: merge them.
    if (k + 1 < static_cast<int>(groups.size()) && k > 0) {
      groups[k - 1].size *= groups[k + 1].size;
      groups.erase(groups.begin() + k, groups.begin() + k + 2);
    } else {
      groups.erase(groups.begin() + k);
    }
    if (last) break;
  }
  if (std::is_same_v<A, T> && !mean) return;
  int64_t size = 1;
  for (const Group& g : groups) size *= g.size;
  for (int64_t i = 0; i < size; ++i) out[i] = Finalize<T>(src[i], count, mean);
}

// What a reduction does to its input: which dims it reduces, the output
// shape and how many values each output combines.
struct ReductionPlan {
  std::vector<bool> reduced;
  TensorShape out_shape;
  int64_t count = 1;
  bool trivial = true;  // only size-1 dims (or none) are reduced
};

absl::StatusOr<ReductionPlan> PlanReduction(const Tensor& input,
                                            const Tensor& axes,
                                            bool keep_dims) {
  if (axes.dims() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("reduction_indices must be a scalar or vector, got shape ",
                     axes.shape().DebugString()));
  }
  const int rank = input.dims();
  ReductionPlan plan;
  plan.reduced.assign(rank, false);
  for (int64_t i = 0; i < axes.NumElements(); ++i) {
    const int64_t axis = axes.dtype() == DT_INT32 ? axes.data<int32_t>()[i]
                                                  : axes.data<int64_t>()[i];
    if (axis < -rank || axis >= rank) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Invalid reduction dimension (", axis, " for input with ", rank,
          " dimension(s)); input shape ", input.shape().DebugString()));
    }
    plan.reduced[axis < 0 ? axis + rank : axis] = true;
  }
  for (int i = 0; i < rank; ++i) {
    if (!plan.reduced[i]) {
      plan.out_shape.AddDim(input.dim_size(i));
      continue;
    }
    plan.count *= input.dim_size(i);
    plan.trivial = plan.trivial && input.dim_size(i) == 1;
    if (keep_dims) plan.out_shape.AddDim(1);
  }
  return plan;
}

template <typename T, typename Red, bool kMean>
class ReductionOp : public OpKernel {
 public:
  explicit ReductionOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("keep_dims", &keep_dims_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    absl::StatusOr<ReductionPlan> plan =
        PlanReduction(input, ctx->input(1), keep_dims_);
    OP_REQUIRES_OK(ctx, plan.status());
    if (plan->trivial) {
      // Nothing to combine (the mean of one value is the value): reuse the
      // buffer under the new shape.
      absl::StatusOr<Tensor> same = input.Reshaped(plan->out_shape);
      OP_REQUIRES_OK(ctx, same.status());
      ctx->set_output(0, *std::move(same));
      return;
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, plan->out_shape, &out));
    if (out->NumElements() == 0) return;
    if (input.NumElements() == 0) {
      // Some reduced dim is empty: every output is the identity.
      std::fill_n(out->data<T>(), out->NumElements(),
                  Finalize<T>(Red::template Identity<AccumOf<T>>(), 0, kMean));
      return;
    }
    ReduceGroups<T, Red>(input.data<T>(),
                         Collapse(input.shape(), plan->reduced), plan->count,
                         kMean, out->data<T>(), ctx->intra_op_pool());
  }

 private:
  bool keep_dims_ = false;
};

// ---- ArgMax / ArgMin.

template <typename T, bool kMax>
bool Better(const T& x, const T& best) {
  if constexpr (kMax) {
    return x > best;
  } else {
    return x < best;
  }
}

// Index of the best of p[0:n] (n >= 1), the first one on ties. Eight lanes
// track their own best branch-free, which vectorises; lane results are then
// merged preferring the smaller index among equal values.
template <typename T, bool kMax>
int64_t ArgScan(const T* p, int64_t n) {
  constexpr int kLanes = 8;
  T best_v = p[0];
  int64_t best_i = 0, r = 1;
  if (n >= 4 * kLanes && n <= std::numeric_limits<int32_t>::max()) {
    T v[kLanes];
    int32_t idx[kLanes];
    for (int l = 0; l < kLanes; ++l) v[l] = p[l], idx[l] = l;
    for (r = kLanes; r + kLanes <= n; r += kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        const bool b = Better<T, kMax>(p[r + l], v[l]);
        v[l] = b ? p[r + l] : v[l];
        idx[l] = b ? static_cast<int32_t>(r + l) : idx[l];
      }
    }
    best_v = v[0];
    best_i = idx[0];
    for (int l = 1; l < kLanes; ++l) {
      if (Better<T, kMax>(v[l], best_v) ||
          (!Better<T, kMax>(best_v, v[l]) && v[l] == best_v &&
           idx[l] < best_i)) {
        best_v = v[l];
        best_i = idx[l];
      }
    }
  }
  for (; r < n; ++r) {
    if (Better<T, kMax>(p[r], best_v)) best_v = p[r], best_i = r;
  }
  return best_i;
}

// out[j] = index r of the best in[r * stride + j] for j < len (at most
// kInnerBlock). Branch-free updates of the running bests vectorise, best
// with an index type as wide as T.
template <typename T, bool kMax, typename I, typename Idx>
void ArgFold(const T* in, int64_t stride, int64_t n, int64_t len, Idx* out) {
  T best[kInnerBlock];
  I idx[kInnerBlock];
  std::copy_n(in, len, best);
  std::fill_n(idx, len, I(0));
  for (int64_t r = 1; r < n; ++r) {
    const T* __restrict__ row = in + r * stride;
    const I ri = static_cast<I>(r);
    for (int64_t j = 0; j < len; ++j) {
      const bool b = Better<T, kMax>(row[j], best[j]);
      best[j] = b ? row[j] : best[j];
      idx[j] = b ? ri : idx[j];
    }
  }
  std::copy_n(idx, len, out);
}

// out[o, j] = index r of the best in[o, r, j]; ties keep the first index.
template <typename T, bool kMax, typename Idx>
void ArgReduce(const T* in, Idx* out, int64_t outer, int64_t n, int64_t inner,
               ThreadPool* pool) {
  const int64_t jblocks = (inner + kInnerBlock - 1) / kInnerBlock;
  auto work = [&](int64_t begin, int64_t end) {
    if (inner == 1) {  // contiguous rows: one scan each
      for (int64_t o = begin; o < end; ++o) {
        out[o] = static_cast<Idx>(ArgScan<T, kMax>(in + o * n, n));
      }
      return;
    }
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / jblocks, j0 = (u % jblocks) * kInnerBlock;
      const int64_t len = std::min(kInnerBlock, inner - j0);
      const T* base = in + o * n * inner + j0;
      Idx* dst = out + o * inner + j0;
      if (n <= std::numeric_limits<int32_t>::max()) {
        ArgFold<T, kMax, int32_t>(base, inner, n, len, dst);
      } else {
        ArgFold<T, kMax, int64_t>(base, inner, n, len, dst);
      }
    }
  };
  const int64_t units = inner == 1 ? outer : outer * jblocks;
  if (pool != nullptr && outer * n * inner >= kParallelMin) {
    pool->ParallelFor(units, n * std::min(inner, kInnerBlock), work);
  } else {
    work(0, units);
  }
}

template <typename T, bool kMax>
class ArgOp : public OpKernel {
 public:
  explicit ArgOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& dimension = ctx->input(1);
    auto layout = MakeArgReduceLayout(input, dimension);
    OP_REQUIRES_OK(ctx, layout.status());
    const int64_t outer = layout->outer, n = layout->n, inner = layout->inner;
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, layout->out_shape, &out));
    if (out->NumElements() == 0) return;
    if (output_type(0) == DT_INT32) {
      ArgReduce<T, kMax>(input.data<T>(), out->data<int32_t>(), outer, n, inner,
                         ctx->intra_op_pool());
    } else {
      ArgReduce<T, kMax>(input.data<T>(), out->data<int64_t>(), outer, n, inner,
                         ctx->intra_op_pool());
    }
  }
};

#define TS_REGISTER_REDUCTION(op, T, ...)                                     \
  REGISTER_KERNEL_BUILDER(Name(op).Device(kDeviceCpu).TypeConstraint<T>("T"), \
                          ReductionOp<T, __VA_ARGS__>);
#define TS_REGISTER_ARITHMETIC(T)                    \
  TS_REGISTER_REDUCTION("Sum", T, SumReducer, false) \
  TS_REGISTER_REDUCTION("Mean", T, SumReducer, true) \
  TS_REGISTER_REDUCTION("Prod", T, ProdReducer, false)
#define TS_REGISTER_ORDERED(T)                                  \
  TS_REGISTER_REDUCTION("Max", T, MaxReducer, false)            \
  TS_REGISTER_REDUCTION("Min", T, MinReducer, false)            \
  REGISTER_KERNEL_BUILDER(                                      \
      Name("ArgMax").Device(kDeviceCpu).TypeConstraint<T>("T"), \
      ArgOp<T, true>);                                          \
  REGISTER_KERNEL_BUILDER(                                      \
      Name("ArgMin").Device(kDeviceCpu).TypeConstraint<T>("T"), \
      ArgOp<T, false>);
#define TS_REGISTER_REAL(T) TS_REGISTER_ARITHMETIC(T) TS_REGISTER_ORDERED(T)

TS_REGISTER_REAL(float)
TS_REGISTER_REAL(double)
TS_REGISTER_REAL(half)
TS_REGISTER_REAL(bfloat16)
TS_REGISTER_REAL(int8_t)
TS_REGISTER_REAL(int16_t)
TS_REGISTER_REAL(int32_t)
TS_REGISTER_REAL(int64_t)
TS_REGISTER_REAL(uint8_t)
TS_REGISTER_ARITHMETIC(complex64)
TS_REGISTER_ARITHMETIC(complex128)
REGISTER_KERNEL_BUILDER(
    Name("ArgMax").Device(kDeviceCpu).TypeConstraint<bool>("T"),
    ArgOp<bool, true>);
REGISTER_KERNEL_BUILDER(
    Name("ArgMin").Device(kDeviceCpu).TypeConstraint<bool>("T"),
    ArgOp<bool, false>);

#undef TS_REGISTER_REAL
#undef TS_REGISTER_ORDERED
#undef TS_REGISTER_ARITHMETIC
#undef TS_REGISTER_REDUCTION

}  // namespace
}  // namespace tessera
