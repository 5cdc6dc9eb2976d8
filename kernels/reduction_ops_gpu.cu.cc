// Device code for the GPU reductions and softmax kernels (see
// reduction_ops_gpu.h). Large groups get one 256-thread block each with a
// shared-memory tree; groups of at most kSmallGroup values get one thread.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/reduction_ops_gpu.h"
#include "kernels/gpu_launch.cu.h"

namespace tessera {
namespace gpu {
namespace {

constexpr int64_t kSmallGroup = 32;

__device__ inline float Exp(float x) { return expf(x); }
__device__ inline double Exp(double x) { return exp(x); }
__device__ inline float Log(float x) { return logf(x); }
__device__ inline double Log(double x) { return log(x); }

template <typename T>
__device__ inline T Lowest() {
  if constexpr (std::numeric_limits<T>::has_infinity) {
    return -std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::lowest();
  }
}
template <typename T>
__device__ inline T Highest() {
  if constexpr (std::numeric_limits<T>::has_infinity) {
    return std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::max();
  }
}

template <typename T, Reducer R>
struct Red {
  __device__ static T Identity() {
    if constexpr (R == Reducer::kProd) return T(1);
    if constexpr (R == Reducer::kMax) return Lowest<T>();
    if constexpr (R == Reducer::kMin) return Highest<T>();
    return T(0);
  }
  __device__ static T Apply(T a, T b) {
    if constexpr (R == Reducer::kProd) return a * b;
    if constexpr (R == Reducer::kMax) return b > a ? b : a;
    if constexpr (R == Reducer::kMin) return b < a ? b : a;
    return a + b;
  }
  __device__ static T Finish(T acc, int64_t count) {
    if constexpr (R == Reducer::kMean) {
      if constexpr (std::is_integral_v<T>) {
        return count == 0 ? T(0) : static_cast<T>(acc / count);
      } else {
        return acc / static_cast<T>(count);
      }
    }
    return acc;
  }
};

// Reduces v over the block (blockDim.x == kThreads); every thread gets the
// result. `shared` holds kThreads values.
template <typename T, typename Op>
__device__ T BlockReduce(T v, Op op, T* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      shared[threadIdx.x] = op(shared[threadIdx.x], shared[threadIdx.x + s]);
    }
    __syncthreads();
  }
  const T result = shared[0];
  __syncthreads();  // `shared` may be reused right after
  return result;
}

__device__ inline int64_t KeptOffset(const ReduceLayout& l, int64_t o) {
  int64_t off = 0;
  for (int j = l.kept_rank - 1; j >= 0; --j) {
    off += (o % l.kept_dims[j]) * l.kept_strides[j];
    o /= l.kept_dims[j];
  }
  return off;
}

__device__ inline int64_t RedOffset(const ReduceLayout& l, int64_t r) {
  int64_t off = 0;
  for (int j = l.red_rank - 1; j >= 0; --j) {
    off += (r % l.red_dims[j]) * l.red_strides[j];
    r /= l.red_dims[j];
  }
  return off;
}

// One block per output group.
template <typename T, Reducer R>
__global__ void ReduceBlockKernel(const T* in, T* out, ReduceLayout l) {
  __shared__ T shared[kThreads];
  for (int64_t o = blockIdx.x; o < l.num_out; o += gridDim.x) {
    const T* base = in + KeptOffset(l, o);
    T acc = Red<T, R>::Identity();
    for (int64_t r = threadIdx.x; r < l.num_red; r += kThreads) {
      acc = Red<T, R>::Apply(acc, base[RedOffset(l, r)]);
    }
    acc = BlockReduce(acc, [](T a, T b) { return Red<T, R>::Apply(a, b); },
                      shared);
    if (threadIdx.x == 0) out[o] = Red<T, R>::Finish(acc, l.num_red);
  }
}

// One thread per output group (small groups).
template <typename T, Reducer R>
__global__ void ReduceThreadKernel(const T* in, T* out, ReduceLayout l) {
  for (int64_t o = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
       o < l.num_out; o += int64_t{blockDim.x} * gridDim.x) {
    const T* base = in + KeptOffset(l, o);
    T acc = Red<T, R>::Identity();
    for (int64_t r = 0; r < l.num_red; ++r) {
      acc = Red<T, R>::Apply(acc, base[RedOffset(l, r)]);
    }
    out[o] = Red<T, R>::Finish(acc, l.num_red);
  }
}

template <typename T, Reducer R>
cudaError_t Reduce(const T* in, T* out, const ReduceLayout& l,
                   cudaStream_t s) {
  if (l.num_red > kSmallGroup) {
    ReduceBlockKernel<T, R>
        <<<NumBlocks(l.num_out, 1), kThreads, 0, s>>>(in, out, l);
  } else {
    ReduceThreadKernel<T, R>
        <<<NumBlocks(l.num_out, kThreads), kThreads, 0, s>>>(in, out, l);
  }
  return cudaGetLastError();
}

template <typename T, typename Idx>
__global__ void ArgKernel(bool max, const T* in, Idx* out, int64_t outer,
                          int64_t n, int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t o = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; o < total;
       o += int64_t{blockDim.x} * gridDim.x) {
    const T* p = in + (o / inner) * n * inner + o % inner;
    T best = p[0];
    int64_t arg = 0;
    for (int64_t i = 1; i < n; ++i) {
      const T v = p[i * inner];
      if (max ? v > best : v < best) {
        best = v;
        arg = i;
      }
    }
    out[o] = static_cast<Idx>(arg);
  }
}

// Row statistics for the softmax family: max and sum(exp(x - max)).
template <typename T>
__device__ void RowStats(const T* x, int64_t cols, T* shared, T* max_out,
                         T* sum_out) {
  T m = Lowest<T>();
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) m = x[j] > m ? x[j] : m;
  m = BlockReduce(m, [](T a, T b) { return a > b ? a : b; }, shared);
  T s = 0;
  for (int64_t j = threadIdx.x; j < cols; j += kThreads) s += Exp(x[j] - m);
  s = BlockReduce(s, [](T a, T b) { return a + b; }, shared);
  *max_out = m;
  *sum_out = s;
}

template <typename T>
__global__ void SoftmaxKernel(bool log, const T* logits, T* out, int64_t rows,
                              int64_t cols) {
  __shared__ T shared[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = logits + r * cols;
    T m, s;
    RowStats(x, cols, shared, &m, &s);
    const T log_s = Log(s);
    for (int64_t j = threadIdx.x; j < cols; j += kThreads) {
      out[r * cols + j] = log ? x[j] - m - log_s : Exp(x[j] - m) / s;
    }
  }
}

template <typename T>
__global__ void XentKernel(const T* logits, const T* labels, T* loss,
                           T* backprop, int64_t rows, int64_t cols) {
  __shared__ T shared[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = logits + r * cols;
    const T* y = labels + r * cols;
    T m, s;
    RowStats(x, cols, shared, &m, &s);
    const T log_s = Log(s);
    T l = 0;
    for (int64_t j = threadIdx.x; j < cols; j += kThreads) {
      l += y[j] * (log_s - (x[j] - m));
      backprop[r * cols + j] = Exp(x[j] - m) / s - y[j];
    }
    l = BlockReduce(l, [](T a, T b) { return a + b; }, shared);
    if (threadIdx.x == 0) loss[r] = l;
  }
}

template <typename T, typename Idx>
__global__ void SparseXentKernel(const T* logits, const Idx* labels, T* loss,
                                 T* backprop, int64_t rows, int64_t cols) {
  __shared__ T shared[kThreads];
  const T nan = std::numeric_limits<T>::quiet_NaN();
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = logits + r * cols;
    const int64_t label = static_cast<int64_t>(labels[r]);
    const bool valid = label >= 0 && label < cols;
    T m, s;
    RowStats(x, cols, shared, &m, &s);
    const T log_s = Log(s);
    for (int64_t j = threadIdx.x; j < cols; j += kThreads) {
      backprop[r * cols + j] =
          valid ? Exp(x[j] - m) / s - (j == label ? T(1) : T(0)) : nan;
    }
    if (threadIdx.x == 0) loss[r] = valid ? log_s - (x[label] - m) : nan;
  }
}

}  // namespace

#define TS_REDUCE_CASE(R) \
  case Reducer::R:        \
    return Reduce<T, Reducer::R>(in, out, layout, stream)

template <typename T>
cudaError_t LaunchReduce(Reducer r, const T* in, T* out,
                         const ReduceLayout& layout, cudaStream_t stream) {
  if (layout.num_out == 0) return cudaSuccess;
  switch (r) {
    TS_REDUCE_CASE(kSum);
    TS_REDUCE_CASE(kMean);
    TS_REDUCE_CASE(kProd);
    TS_REDUCE_CASE(kMax);
    TS_REDUCE_CASE(kMin);
  }
  return cudaErrorInvalidValue;
}
#undef TS_REDUCE_CASE

template <typename T, typename Idx>
cudaError_t LaunchArgReduce(bool max, const T* in, Idx* out, int64_t outer,
                            int64_t n, int64_t inner, cudaStream_t stream) {
  const int64_t total = outer * inner;
  if (total == 0) return cudaSuccess;
  ArgKernel<T, Idx><<<NumBlocks(total, kThreads), kThreads, 0, stream>>>(
      max, in, out, outer, n, inner);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchSoftmax(bool log, const T* logits, T* out, int64_t rows,
                          int64_t cols, cudaStream_t stream) {
  if (rows == 0 || cols == 0) return cudaSuccess;
  SoftmaxKernel<T><<<NumBlocks(rows, 1), kThreads, 0, stream>>>(log, logits, out,
                                                             rows, cols);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchSoftmaxXent(const T* logits, const T* labels, T* loss,
                              T* backprop, int64_t rows, int64_t cols,
                              cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  XentKernel<T><<<NumBlocks(rows, 1), kThreads, 0, stream>>>(
      logits, labels, loss, backprop, rows, cols);
  return cudaGetLastError();
}

template <typename T, typename Idx>
cudaError_t LaunchSparseSoftmaxXent(const T* logits, const Idx* labels,
                                    T* loss, T* backprop, int64_t rows,
                                    int64_t cols, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  SparseXentKernel<T, Idx><<<NumBlocks(rows, 1), kThreads, 0, stream>>>(
      logits, labels, loss, backprop, rows, cols);
  return cudaGetLastError();
}

#define TS_REDUCE_INSTANTIATIONS(T)                                         \
  template cudaError_t LaunchReduce<T>(Reducer, const T*, T*,               \
                                       const ReduceLayout&, cudaStream_t);  \
  template cudaError_t LaunchArgReduce<T, int32_t>(                         \
      bool, const T*, int32_t*, int64_t, int64_t, int64_t, cudaStream_t);   \
  template cudaError_t LaunchArgReduce<T, int64_t>(                         \
      bool, const T*, int64_t*, int64_t, int64_t, int64_t, cudaStream_t)
#define TS_SOFTMAX_INSTANTIATIONS(T)                                        \
  template cudaError_t LaunchSoftmax<T>(bool, const T*, T*, int64_t,        \
                                        int64_t, cudaStream_t);             \
  template cudaError_t LaunchSoftmaxXent<T>(const T*, const T*, T*, T*,     \
                                            int64_t, int64_t, cudaStream_t); \
  template cudaError_t LaunchSparseSoftmaxXent<T, int32_t>(                 \
      const T*, const int32_t*, T*, T*, int64_t, int64_t, cudaStream_t);    \
  template cudaError_t LaunchSparseSoftmaxXent<T, int64_t>(                 \
      const T*, const int64_t*, T*, T*, int64_t, int64_t, cudaStream_t)

TS_REDUCE_INSTANTIATIONS(float);
TS_REDUCE_INSTANTIATIONS(double);
TS_REDUCE_INSTANTIATIONS(int64_t);
TS_SOFTMAX_INSTANTIATIONS(float);
TS_SOFTMAX_INSTANTIATIONS(double);

}  // namespace gpu
}  // namespace tessera
