// Shared machinery for the element-wise kernels: NumPy broadcasting plans,
// the generic unary/binary kernels with their fast paths (same shape,
// scalar vs tensor), splitting big loops over the intra-op pool, and the
// integer helpers that keep overflow well defined.
#ifndef TESSERA_KERNELS_CWISE_OPS_H_
#define TESSERA_KERNELS_CWISE_OPS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/op_kernel.h"
#include "core/threadpool.h"

namespace tessera {
namespace cwise {

// Work (elements x cost) below which a loop stays on the calling thread.
inline constexpr int64_t kParallelWork = 32 * 1024;

// Runs fn(begin, end) over [0, n), split over the intra-op pool when the
// work is large. `cost` is a rough cycles-per-element estimate.
template <typename Fn>
void ParallelRange(OpKernelContext* ctx, int64_t n, int64_t cost, Fn&& fn) {
  ThreadPool* pool = ctx->intra_op_pool();
  if (pool == nullptr || pool->NumThreads() <= 1 || n * cost < kParallelWork) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  pool->ParallelFor(n, cost, [&fn](int64_t b, int64_t e) { fn(b, e); });
}

// Inputs must have the dtypes the kernel was built for. Graphs guarantee
// it; this guards direct callers, since a mismatch would misread buffers.
inline absl::Status CheckInputTypes(const OpKernelContext& ctx) {
  const OpKernel& k = ctx.op_kernel();
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.input(i).dtype() != BaseType(k.input_type(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          k.type_string(), " input ", i, " has dtype ",
          DataTypeString(ctx.input(i).dtype()), " but the kernel expects ",
          DataTypeString(BaseType(k.input_type(i)))));
    }
  }
  return absl::OkStatus();
}

// ---- Type helpers.

template <typename T>
inline constexpr bool kIsHalfLike =
    std::is_same_v<T, half> || std::is_same_v<T, bfloat16>;

// Arithmetic on half types goes through float.
template <typename T>
using ComputeType = std::conditional_t<kIsHalfLike<T>, float, T>;

template <typename T>
inline constexpr bool kIsSignedInt =
    std::is_integral_v<T> && std::is_signed_v<T> && !std::is_same_v<T, bool>;

// Two's complement wrap-around for signed integers (C++ leaves signed
// overflow undefined; TensorFlow wraps in practice).
template <typename T>
T WrapAdd(T a, T b) {
  if constexpr (kIsSignedInt<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T>
T WrapSub(T a, T b) {
  if constexpr (kIsSignedInt<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}
template <typename T>
T WrapMul(T a, T b) {
  if constexpr (kIsSignedInt<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
template <typename T>
T WrapNeg(T a) {
  return WrapSub(T(0), a);
}

// Functors may validate their inputs before running (integer division by
// zero would trap). The default accepts everything.
struct NoCheck {
  template <typename T>
  static absl::Status CheckX(const T*, int64_t) {
    return absl::OkStatus();
  }
  template <typename T>
  static absl::Status CheckY(const T*, int64_t) {
    return absl::OkStatus();
  }
};

// ---- Broadcasting.

inline constexpr int kMaxOperands = 3;
using StrideVector = absl::InlinedVector<int64_t, 6>;

// How K operand shapes broadcast to one output. Output dims of size 1 are
// dropped and neighbouring dims that broadcast alike are merged, so the
// iteration has as few (and as long) inner runs as possible. `dims` always
// has at least one entry; `strides[k][j]` is operand k's element stride
// over collapsed dim j, 0 where it is broadcast.
struct BroadcastPlan {
  TensorShape out_shape;
  int num_operands = 0;
  StrideVector dims;
  StrideVector strides[kMaxOperands];
};

// Fills a default-constructed `plan`. Fails with InvalidArgument
// "Incompatible shapes: [2,3] vs. [4]" when the shapes do not broadcast.
absl::Status MakeBroadcastPlan(absl::Span<const TensorShape* const> shapes,
                               BroadcastPlan* plan);

// Calls run(out_offset, in_offsets, len) for each contiguous inner run of
// output elements [begin, end); in_offsets[k] is operand k's element offset
// at the run's start and its stride along the run is
// plan.strides[k].back() (0 or 1).
template <typename RunFn>
void ForEachRun(const BroadcastPlan& p, int64_t begin, int64_t end,
                RunFn&& run) {
  const int r = static_cast<int>(p.dims.size());
  const int k_num = p.num_operands;
  StrideVector idx(r, 0);
  int64_t off[kMaxOperands] = {0, 0, 0};
  int64_t rest = begin;
  for (int j = r - 1; j >= 0; --j) {
    idx[j] = rest % p.dims[j];
    rest /= p.dims[j];
    for (int k = 0; k < k_num; ++k) off[k] += idx[j] * p.strides[k][j];
  }
  const int64_t inner = p.dims[r - 1];
  for (int64_t pos = begin; pos < end;) {
    const int64_t len = std::min(inner - idx[r - 1], end - pos);
    run(pos, static_cast<const int64_t*>(off), len);
    pos += len;
    idx[r - 1] += len;
    for (int k = 0; k < k_num; ++k) off[k] += len * p.strides[k][r - 1];
    // Carry into the outer dims (odometer).
    for (int j = r - 1; j > 0 && idx[j] == p.dims[j]; --j) {
      idx[j] = 0;
      ++idx[j - 1];
      for (int k = 0; k < k_num; ++k) {
        off[k] += p.strides[k][j - 1] - p.dims[j] * p.strides[k][j];
      }
    }
  }
}

// out[i] = f(x[i*xs], y[i*ys]) for strides xs, ys in {0, 1}, with the
// common cases as separate loops so the compiler vectorises them.
template <typename T, typename Out, typename F>
inline void BinaryRun(const T* x, int64_t xs, const T* y, int64_t ys, Out* out,
                      int64_t n, const F& f) {
  using C = ComputeType<T>;
  if (xs == 1 && ys == 1) {
    for (int64_t i = 0; i < n; ++i) {
      out[i] = static_cast<Out>(f(static_cast<C>(x[i]), static_cast<C>(y[i])));
    }
  } else if (ys == 1) {
    const C a = static_cast<C>(x[0]);
    for (int64_t i = 0; i < n; ++i) {
      out[i] = static_cast<Out>(f(a, static_cast<C>(y[i])));
    }
  } else if (xs == 1) {
    const C b = static_cast<C>(y[0]);
    for (int64_t i = 0; i < n; ++i) {
      out[i] = static_cast<Out>(f(static_cast<C>(x[i]), b));
    }
  } else {
    const Out v = static_cast<Out>(
        f(static_cast<C>(x[0]), static_cast<C>(y[0])));
    std::fill_n(out, n, v);
  }
}

// ---- Generic kernels.

// z = F(x, y) with NumPy broadcasting; Out is T or bool. `kCost` is the
// rough per-element cost used to decide on splitting.
template <typename T, typename Out, typename F, int kCost = 1>
class BinaryOp : public OpKernel {
 public:
  explicit BinaryOp(OpKernelConstruction* c) : OpKernel(c) {
    // Equal / NotEqual may answer a scalar instead of failing.
    if (c->def().attr().contains("incompatible_shape_error")) {
      OP_REQUIRES_OK(c, c->GetAttr("incompatible_shape_error",
                                   &incompatible_shape_error_));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, CheckInputTypes(*ctx));
    const Tensor& x = ctx->input(0);
    const Tensor& y = ctx->input(1);
    const int64_t nx = x.NumElements(), ny = y.NumElements();
    if (x.shape() == y.shape()) {
      Run(ctx, x, y, x.shape(), 1, 1);
    } else if (nx == 1 && x.dims() <= y.dims()) {
      Run(ctx, x, y, y.shape(), 0, 1);
    } else if (ny == 1 && y.dims() <= x.dims()) {
      Run(ctx, x, y, x.shape(), 1, 0);
    } else {
      RunBroadcast(ctx, x, y);
    }
  }

 private:
  // Output `shape` where each operand is either the full output (stride 1)
  // or a single element (stride 0).
  void Run(OpKernelContext* ctx, const Tensor& x, const Tensor& y,
           const TensorShape& shape, int64_t xs, int64_t ys) {
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, Allocate(ctx, x, y, shape, &out));
    const int64_t n = out->NumElements();
    if (n == 0) return;
    OP_REQUIRES_OK(ctx, CheckAll(x, y));
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    Out* po = out->data<Out>();
    ParallelRange(ctx, n, kCost, [&](int64_t b, int64_t e) {
      BinaryRun(px + b * xs, xs, py + b * ys, ys, po + b, e - b, F());
    });
  }

  void RunBroadcast(OpKernelContext* ctx, const Tensor& x, const Tensor& y) {
    BroadcastPlan plan;
    const TensorShape* shapes[2] = {&x.shape(), &y.shape()};
    absl::Status s = MakeBroadcastPlan(shapes, &plan);
    if (!s.ok()) {
      if constexpr (std::is_same_v<Out, bool>) {
        if (!incompatible_shape_error_) {
          // TF: incompatible shapes are simply "not equal".
          Tensor* out = nullptr;
          OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape(), &out));
          out->scalar<bool>() = type_string() == "NotEqual";
          return;
        }
      }
      OP_REQUIRES_OK(ctx, s);
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, Allocate(ctx, x, y, plan.out_shape, &out));
    const int64_t n = out->NumElements();
    if (n == 0) return;
    OP_REQUIRES_OK(ctx, CheckAll(x, y));
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    Out* po = out->data<Out>();
    const int64_t xs = plan.strides[0].back(), ys = plan.strides[1].back();
    ParallelRange(ctx, n, kCost + 1, [&](int64_t b, int64_t e) {
      ForEachRun(plan, b, e, [&](int64_t o, const int64_t* in, int64_t len) {
        BinaryRun(px + in[0], xs, py + in[1], ys, po + o, len, F());
      });
    });
  }

  static absl::Status CheckAll(const Tensor& x, const Tensor& y) {
    absl::Status s = F::CheckX(x.data<T>(), x.NumElements());
    if (!s.ok()) return s;
    return F::CheckY(y.data<T>(), y.NumElements());
  }

  // Reuses an input's buffer when it has the output's shape and type.
  static absl::Status Allocate(OpKernelContext* ctx, const Tensor& x,
                               const Tensor& y, const TensorShape& shape,
                               Tensor** out) {
    if constexpr (std::is_same_v<Out, T>) {
      if (x.shape() == shape) {
        return ctx->forward_input_or_allocate_output(0, 0, shape, out);
      }
      if (y.shape() == shape) {
        return ctx->forward_input_or_allocate_output(1, 0, shape, out);
      }
    }
    return ctx->allocate_output(0, shape, out);
  }

  bool incompatible_shape_error_ = true;
};

// y = F(x), computed in place when the input buffer can be reused.
template <typename T, typename F, int kCost = 1>
class UnaryOp : public OpKernel {
 public:
  explicit UnaryOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, CheckInputTypes(*ctx));
    const Tensor& x = ctx->input(0);
    OP_REQUIRES_OK(ctx, F::CheckX(x.data<T>(), x.NumElements()));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx,
                   ctx->forward_input_or_allocate_output(0, 0, x.shape(), &out));
    const T* px = x.data<T>();
    T* po = out->data<T>();
    using C = ComputeType<T>;
    ParallelRange(ctx, x.NumElements(), kCost, [&](int64_t b, int64_t e) {
      const F f;
      for (int64_t i = b; i < e; ++i) {
        po[i] = static_cast<T>(f(static_cast<C>(px[i])));
      }
    });
  }
};

}  // namespace cwise
}  // namespace tessera

#endif  // TESSERA_KERNELS_CWISE_OPS_H_
