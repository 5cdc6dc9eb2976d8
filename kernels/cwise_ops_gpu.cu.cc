// Device code for the element-wise GPU kernels (see cwise_ops_gpu.h).
// Grid-stride loops over int64 indices; one template per op family with the
// op chosen by a switch at launch, so each (op, type) pair is its own
// kernel. Semantics follow the CPU functors (kernels/cwise_*.cc, nn_ops.cc):
// wrapping integer arithmetic, NaN-propagating Maximum/Minimum,
// round-half-to-even Round.
#include <cstdint>
#include <type_traits>

#include "kernels/cwise_ops_gpu.h"
#include "kernels/gpu_launch.cu.h"

namespace tessera {
namespace gpu {
namespace {

// ---- Precision-matched math (float calls the f-suffixed functions).
__device__ inline float Exp(float x) { return expf(x); }
__device__ inline double Exp(double x) { return exp(x); }
__device__ inline float Log(float x) { return logf(x); }
__device__ inline double Log(double x) { return log(x); }
__device__ inline float Log1p(float x) { return log1pf(x); }
__device__ inline double Log1p(double x) { return log1p(x); }
__device__ inline float Sqrt(float x) { return sqrtf(x); }
__device__ inline double Sqrt(double x) { return sqrt(x); }
__device__ inline float Tanh(float x) { return tanhf(x); }
__device__ inline double Tanh(double x) { return tanh(x); }
__device__ inline float Sin(float x) { return sinf(x); }
__device__ inline double Sin(double x) { return sin(x); }
__device__ inline float Cos(float x) { return cosf(x); }
__device__ inline double Cos(double x) { return cos(x); }
__device__ inline float Floor(float x) { return floorf(x); }
__device__ inline double Floor(double x) { return floor(x); }
__device__ inline float Ceil(float x) { return ceilf(x); }
__device__ inline double Ceil(double x) { return ceil(x); }
__device__ inline float Rint(float x) { return rintf(x); }
__device__ inline double Rint(double x) { return rint(x); }
__device__ inline float Pow(float x, float y) { return powf(x, y); }
__device__ inline double Pow(double x, double y) { return pow(x, y); }

template <typename T>
__device__ inline bool IsNan(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}

// Two's complement wrap-around, as the CPU kernels.
template <typename T>
__device__ inline T WrapNeg(T a) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(U(0) - static_cast<U>(a));
  } else {
    return -a;
  }
}
template <typename T>
__device__ inline T WrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
template <typename T>
__device__ inline T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T>
__device__ inline T WrapSub(T a, T b) {
  return WrapAdd(a, WrapNeg(b));
}

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

// ---- Unary.

template <typename T, UnaryFn F>
__device__ inline T ApplyUnary(T x, float alpha) {
  if constexpr (F == UnaryFn::kNeg) return WrapNeg(x);
  if constexpr (F == UnaryFn::kAbs) return x < T(0) ? WrapNeg(x) : x;
  if constexpr (F == UnaryFn::kSquare) return WrapMul(x, x);
  if constexpr (F == UnaryFn::kSign) {
    if (IsNan(x)) return x;
    return static_cast<T>((T(0) < x) - (x < T(0)));
  }
  if constexpr (F == UnaryFn::kRound) {
    if constexpr (std::is_floating_point_v<T>) {
      return Rint(x);
    } else {
      return x;
    }
  }
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (F == UnaryFn::kExp) return Exp(x);
    if constexpr (F == UnaryFn::kLog) return Log(x);
    if constexpr (F == UnaryFn::kSqrt) return Sqrt(x);
    if constexpr (F == UnaryFn::kRsqrt) return T(1) / Sqrt(x);
    if constexpr (F == UnaryFn::kTanh) return Tanh(x);
    if constexpr (F == UnaryFn::kSigmoid) return T(1) / (T(1) + Exp(-x));
    if constexpr (F == UnaryFn::kSin) return Sin(x);
    if constexpr (F == UnaryFn::kCos) return Cos(x);
    if constexpr (F == UnaryFn::kReciprocal) return T(1) / x;
    if constexpr (F == UnaryFn::kFloor) return Floor(x);
    if constexpr (F == UnaryFn::kCeil) return Ceil(x);
    if constexpr (F == UnaryFn::kRelu) return x > T(0) ? x : T(0);
    if constexpr (F == UnaryFn::kRelu6) {
      return x > T(0) ? (x < T(6) ? x : T(6)) : T(0);
    }
    if constexpr (F == UnaryFn::kLeakyRelu) {
      return x > T(0) ? x : x * static_cast<T>(alpha);
    }
    if constexpr (F == UnaryFn::kElu) return x < T(0) ? Exp(x) - T(1) : x;
    if constexpr (F == UnaryFn::kSelu) {
      return x < T(0) ? T(kSeluScale * kSeluAlpha) * (Exp(x) - T(1))
                      : T(kSeluScale) * x;
    }
    if constexpr (F == UnaryFn::kSoftplus) {
      const T ax = x < T(0) ? -x : x;
      return (x > T(0) ? x : T(0)) + Log1p(Exp(-ax));
    }
  }
  return x;  // not reached: the launcher rejects unsupported pairs
}

template <typename T, UnaryFn F>
__global__ void UnaryKernel(const T* x, T* y, int64_t n, float alpha) {
  TS_GRID_LOOP(i, n) { y[i] = ApplyUnary<T, F>(x[i], alpha); }
}

template <typename T, UnaryFn F>
cudaError_t Unary(const T* x, T* y, int64_t n, float alpha, cudaStream_t s) {
  UnaryKernel<T, F><<<NumBlocks(n), kThreads, 0, s>>>(x, y, n, alpha);
  return cudaGetLastError();
}

// ---- Activation gradients.

template <typename T, ActivationGradFn F>
__device__ inline T ApplyGrad(T g, T v, float alpha) {
  if constexpr (F == ActivationGradFn::kRelu) return v > T(0) ? g : T(0);
  if constexpr (F == ActivationGradFn::kRelu6) {
    return (v > T(0) && v < T(6)) ? g : T(0);
  }
  if constexpr (F == ActivationGradFn::kLeakyRelu) {
    return v > T(0) ? g : g * static_cast<T>(alpha);
  }
  if constexpr (F == ActivationGradFn::kElu) {
    return v < T(0) ? g * (v + T(1)) : g;
  }
  if constexpr (F == ActivationGradFn::kSelu) {
    return v < T(0) ? g * (v + T(kSeluScale * kSeluAlpha)) : g * T(kSeluScale);
  }
  if constexpr (F == ActivationGradFn::kSoftplus) {
    return g / (Exp(-v) + T(1));
  }
  return g;
}

template <typename T, ActivationGradFn F>
__global__ void GradKernel(const T* g, const T* v, T* out, int64_t n,
                           float alpha) {
  TS_GRID_LOOP(i, n) { out[i] = ApplyGrad<T, F>(g[i], v[i], alpha); }
}

// ---- Broadcasting.

// Operand offsets of output element i (operands 0..K-1).
template <int K>
__device__ inline void Offsets(const BroadcastDims& b, int64_t i,
                               int64_t* off) {
  for (int k = 0; k < K; ++k) off[k] = 0;
  for (int j = b.rank - 1; j >= 0; --j) {
    const int64_t d = b.dims[j];
    const int64_t idx = i % d;
    i /= d;
    for (int k = 0; k < K; ++k) off[k] += idx * b.strides[k][j];
  }
}

template <typename T, BinaryFn F>
__device__ inline T ApplyBinary(T a, T b) {
  if constexpr (F == BinaryFn::kAdd) return WrapAdd(a, b);
  if constexpr (F == BinaryFn::kSub) return WrapSub(a, b);
  if constexpr (F == BinaryFn::kMul) return WrapMul(a, b);
  if constexpr (F == BinaryFn::kSquaredDifference) {
    const T d = WrapSub(a, b);
    return WrapMul(d, d);
  }
  if constexpr (F == BinaryFn::kMaximum) {
    if (IsNan(a)) return a;
    return a > b ? a : b;
  }
  if constexpr (F == BinaryFn::kMinimum) {
    if (IsNan(a)) return a;
    return a < b ? a : b;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (F == BinaryFn::kDiv) return a / b;
    if constexpr (F == BinaryFn::kPow) return Pow(a, b);
  }
  return a;  // not reached
}

template <typename T, BinaryFn F>
__global__ void BinaryKernel(const T* x, const T* y, T* z, int64_t n,
                             BroadcastDims b) {
  if (b.rank == 1) {  // same shapes, or scalar with tensor
    const int64_t xs = b.strides[0][0], ys = b.strides[1][0];
    TS_GRID_LOOP(i, n) { z[i] = ApplyBinary<T, F>(x[i * xs], y[i * ys]); }
    return;
  }
  TS_GRID_LOOP(i, n) {
    int64_t off[2];
    Offsets<2>(b, i, off);
    z[i] = ApplyBinary<T, F>(x[off[0]], y[off[1]]);
  }
}

template <typename T, BinaryFn F>
cudaError_t Binary(const T* x, const T* y, T* z, int64_t n,
                   const BroadcastDims& b, cudaStream_t s) {
  BinaryKernel<T, F><<<NumBlocks(n), kThreads, 0, s>>>(x, y, z, n, b);
  return cudaGetLastError();
}

template <typename T, CompareFn F>
__device__ inline bool ApplyCompare(T a, T b) {
  if constexpr (F == CompareFn::kEqual) return a == b;
  if constexpr (F == CompareFn::kNotEqual) return a != b;
  if constexpr (F == CompareFn::kLess) return a < b;
  if constexpr (F == CompareFn::kLessEqual) return a <= b;
  if constexpr (F == CompareFn::kGreater) return a > b;
  if constexpr (F == CompareFn::kGreaterEqual) return a >= b;
  return false;
}

template <typename T, CompareFn F>
__global__ void CompareKernel(const T* x, const T* y, bool* z, int64_t n,
                              BroadcastDims b) {
  TS_GRID_LOOP(i, n) {
    int64_t off[2];
    Offsets<2>(b, i, off);
    z[i] = ApplyCompare<T, F>(x[off[0]], y[off[1]]);
  }
}

template <typename T, CompareFn F>
cudaError_t Compare(const T* x, const T* y, bool* z, int64_t n,
                    const BroadcastDims& b, cudaStream_t s) {
  CompareKernel<T, F><<<NumBlocks(n), kThreads, 0, s>>>(x, y, z, n, b);
  return cudaGetLastError();
}

template <typename W>
__global__ void SelectKernel(const bool* c, const W* t, const W* e, W* out,
                             int64_t n, BroadcastDims b) {
  TS_GRID_LOOP(i, n) {
    int64_t off[3];
    Offsets<3>(b, i, off);
    out[i] = c[off[0]] ? t[off[1]] : e[off[2]];
  }
}

// ---- Cast, AddN, BiasAdd.

template <typename S, typename D>
__global__ void CastKernel(const S* src, D* dst, int64_t n) {
  TS_GRID_LOOP(i, n) {
    if constexpr (std::is_same_v<D, bool>) {
      dst[i] = src[i] != S(0);
    } else {
      dst[i] = static_cast<D>(src[i]);
    }
  }
}

// Up to kAddNChunk inputs per launch, passed by value.
constexpr int kAddNChunk = 8;
template <typename T>
struct AddNArgs {
  const T* in[kAddNChunk];
  int num;
  bool accumulate;  // add into `out` (later chunks)
};

template <typename T>
__global__ void AddNKernel(AddNArgs<T> a, T* out, int64_t n) {
  TS_GRID_LOOP(i, n) {
    T acc = a.accumulate ? out[i] : a.in[0][i];
    for (int k = a.accumulate ? 0 : 1; k < a.num; ++k) {
      acc = WrapAdd(acc, a.in[k][i]);
    }
    out[i] = acc;
  }
}

template <typename T>
__global__ void BiasAddKernel(const T* x, const T* bias, T* out, int64_t n,
                              int64_t channels, int64_t inner) {
  TS_GRID_LOOP(i, n) { out[i] = x[i] + bias[(i / inner) % channels]; }
}

}  // namespace

#define TS_UNARY_CASE(F) \
  case UnaryFn::F:       \
    return Unary<T, UnaryFn::F>(x, y, n, alpha, stream)

template <typename T>
cudaError_t LaunchUnary(UnaryFn fn, const T* x, T* y, int64_t n, float alpha,
                        cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (fn) {
    TS_UNARY_CASE(kNeg);
    TS_UNARY_CASE(kAbs);
    TS_UNARY_CASE(kSquare);
    TS_UNARY_CASE(kSign);
    TS_UNARY_CASE(kRound);
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (fn) {
      TS_UNARY_CASE(kExp);
      TS_UNARY_CASE(kLog);
      TS_UNARY_CASE(kSqrt);
      TS_UNARY_CASE(kRsqrt);
      TS_UNARY_CASE(kTanh);
      TS_UNARY_CASE(kSigmoid);
      TS_UNARY_CASE(kSin);
      TS_UNARY_CASE(kCos);
      TS_UNARY_CASE(kReciprocal);
      TS_UNARY_CASE(kFloor);
      TS_UNARY_CASE(kCeil);
      TS_UNARY_CASE(kRelu);
      TS_UNARY_CASE(kRelu6);
      TS_UNARY_CASE(kLeakyRelu);
      TS_UNARY_CASE(kElu);
      TS_UNARY_CASE(kSelu);
      TS_UNARY_CASE(kSoftplus);
      default:
        break;
    }
  }
  return cudaErrorInvalidValue;
}
#undef TS_UNARY_CASE

#define TS_GRAD_CASE(F)                                                  \
  case ActivationGradFn::F:                                              \
    GradKernel<T, ActivationGradFn::F>                                   \
        <<<NumBlocks(n), kThreads, 0, stream>>>(g, v, out, n, alpha);    \
    return cudaGetLastError()

template <typename T>
cudaError_t LaunchActivationGrad(ActivationGradFn fn, const T* g, const T* v,
                                 T* out, int64_t n, float alpha,
                                 cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (fn) {
    TS_GRAD_CASE(kRelu);
    TS_GRAD_CASE(kRelu6);
    TS_GRAD_CASE(kLeakyRelu);
    TS_GRAD_CASE(kElu);
    TS_GRAD_CASE(kSelu);
    TS_GRAD_CASE(kSoftplus);
  }
  return cudaErrorInvalidValue;
}
#undef TS_GRAD_CASE

#define TS_BINARY_CASE(F) \
  case BinaryFn::F:       \
    return Binary<T, BinaryFn::F>(x, y, z, n, b, stream)

template <typename T>
cudaError_t LaunchBinary(BinaryFn fn, const T* x, const T* y, T* z, int64_t n,
                         const BroadcastDims& b, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (fn) {
    TS_BINARY_CASE(kAdd);
    TS_BINARY_CASE(kSub);
    TS_BINARY_CASE(kMul);
    TS_BINARY_CASE(kSquaredDifference);
    TS_BINARY_CASE(kMaximum);
    TS_BINARY_CASE(kMinimum);
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (fn) {
      TS_BINARY_CASE(kDiv);
      TS_BINARY_CASE(kPow);
      default:
        break;
    }
  }
  return cudaErrorInvalidValue;
}
#undef TS_BINARY_CASE

#define TS_COMPARE_CASE(F) \
  case CompareFn::F:       \
    return Compare<T, CompareFn::F>(x, y, z, n, b, stream)

template <typename T>
cudaError_t LaunchCompare(CompareFn fn, const T* x, const T* y, bool* z,
                          int64_t n, const BroadcastDims& b,
                          cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (fn) {
    TS_COMPARE_CASE(kEqual);
    TS_COMPARE_CASE(kNotEqual);
    default:
      break;
  }
  if constexpr (!std::is_same_v<T, bool>) {
    switch (fn) {
      TS_COMPARE_CASE(kLess);
      TS_COMPARE_CASE(kLessEqual);
      TS_COMPARE_CASE(kGreater);
      TS_COMPARE_CASE(kGreaterEqual);
      default:
        break;
    }
  }
  return cudaErrorInvalidValue;
}
#undef TS_COMPARE_CASE

template <typename W>
cudaError_t LaunchSelect(const bool* c, const W* t, const W* e, W* out,
                         int64_t n, const BroadcastDims& b,
                         cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  SelectKernel<W><<<NumBlocks(n), kThreads, 0, stream>>>(c, t, e, out, n, b);
  return cudaGetLastError();
}

template <typename S, typename D>
cudaError_t LaunchCast(const S* src, D* dst, int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  CastKernel<S, D><<<NumBlocks(n), kThreads, 0, stream>>>(src, dst, n);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchAddN(const T* const* inputs, int num, T* out, int64_t n,
                       cudaStream_t stream) {
  if (n == 0 || num <= 0) return cudaSuccess;
  for (int start = 0; start < num; start += kAddNChunk) {
    AddNArgs<T> a;
    a.num = num - start < kAddNChunk ? num - start : kAddNChunk;
    a.accumulate = start > 0;
    for (int k = 0; k < a.num; ++k) a.in[k] = inputs[start + k];
    AddNKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(a, out, n);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
  }
  return cudaSuccess;
}

template <typename T>
cudaError_t LaunchBiasAdd(const T* x, const T* bias, T* out, int64_t n,
                          int64_t channels, int64_t inner,
                          cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  BiasAddKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(x, bias, out, n,
                                                          channels, inner);
  return cudaGetLastError();
}

// ---- Explicit instantiations (the types cwise_ops_gpu.h lists).

#define TS_FLOAT_INSTANTIATIONS(T)                                           \
  template cudaError_t LaunchActivationGrad<T>(ActivationGradFn, const T*,   \
                                               const T*, T*, int64_t, float, \
                                               cudaStream_t);                \
  template cudaError_t LaunchBiasAdd<T>(const T*, const T*, T*, int64_t,     \
                                        int64_t, int64_t, cudaStream_t)
#define TS_NUMERIC_INSTANTIATIONS(T)                                         \
  template cudaError_t LaunchUnary<T>(UnaryFn, const T*, T*, int64_t, float, \
                                      cudaStream_t);                         \
  template cudaError_t LaunchBinary<T>(BinaryFn, const T*, const T*, T*,     \
                                       int64_t, const BroadcastDims&,        \
                                       cudaStream_t);                        \
  template cudaError_t LaunchAddN<T>(const T* const*, int, T*, int64_t,      \
                                     cudaStream_t)
#define TS_COMPARE_INSTANTIATION(T)                                        \
  template cudaError_t LaunchCompare<T>(CompareFn, const T*, const T*,     \
                                        bool*, int64_t, const BroadcastDims&, \
                                        cudaStream_t)

TS_FLOAT_INSTANTIATIONS(float);
TS_FLOAT_INSTANTIATIONS(double);
TS_NUMERIC_INSTANTIATIONS(float);
TS_NUMERIC_INSTANTIATIONS(double);
TS_NUMERIC_INSTANTIATIONS(int64_t);
TS_COMPARE_INSTANTIATION(float);
TS_COMPARE_INSTANTIATION(double);
TS_COMPARE_INSTANTIATION(int64_t);
TS_COMPARE_INSTANTIATION(bool);

#define TS_SELECT_INSTANTIATION(W)                                      \
  template cudaError_t LaunchSelect<W>(const bool*, const W*, const W*, \
                                       W*, int64_t, const BroadcastDims&, \
                                       cudaStream_t)
TS_SELECT_INSTANTIATION(uint8_t);
TS_SELECT_INSTANTIATION(uint16_t);
TS_SELECT_INSTANTIATION(uint32_t);
TS_SELECT_INSTANTIATION(uint64_t);

#define TS_CAST_TO(S, D) \
  template cudaError_t LaunchCast<S, D>(const S*, D*, int64_t, cudaStream_t)
#define TS_CAST_FROM(S)       \
  TS_CAST_TO(S, float);       \
  TS_CAST_TO(S, double);      \
  TS_CAST_TO(S, int32_t);     \
  TS_CAST_TO(S, int64_t);     \
  TS_CAST_TO(S, uint8_t);     \
  TS_CAST_TO(S, bool)
TS_CAST_FROM(float);
TS_CAST_FROM(double);
TS_CAST_FROM(int32_t);
TS_CAST_FROM(int64_t);
TS_CAST_FROM(uint8_t);
TS_CAST_FROM(bool);

}  // namespace gpu
}  // namespace tessera
