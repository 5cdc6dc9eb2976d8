// Device code for the GPU pooling kernels (see pooling_ops_gpu.h). One
// thread per output element; gradients scatter into dx with atomicAdd
// (windows overlap when the stride is below the window size).
#include <cstdint>

#include "kernels/pooling_ops_gpu.h"
#include "kernels/gpu_launch.cu.h"

namespace tessera {
namespace gpu {
namespace {

// The valid pixels [h0, h1) x [w0, w1) of output element i's window, and
// its image / channel.
struct Window {
  int64_t n, c, h0, h1, w0, w1;
};

__device__ inline Window WindowOf(const PoolGeometry& g, int64_t i) {
  Window w;
  w.c = i % g.depth;
  const int64_t ow = (i / g.depth) % g.out_w;
  const int64_t oh = (i / (g.depth * g.out_w)) % g.out_h;
  w.n = i / (g.depth * g.out_w * g.out_h);
  const int64_t hs = oh * g.stride_h - g.pad_top;
  const int64_t ws = ow * g.stride_w - g.pad_left;
  w.h0 = hs > 0 ? hs : 0;
  w.h1 = hs + g.k_h < g.in_h ? hs + g.k_h : g.in_h;
  w.w0 = ws > 0 ? ws : 0;
  w.w1 = ws + g.k_w < g.in_w ? ws + g.k_w : g.in_w;
  return w;
}

__device__ inline int64_t PixelOffset(const PoolGeometry& g, const Window& w,
                                      int64_t h, int64_t x) {
  return ((w.n * g.in_h + h) * g.in_w + x) * g.depth + w.c;
}

// The offset of the window's first maximum.
template <typename T>
__device__ int64_t ArgMax(const PoolGeometry& g, const Window& w,
                          const T* in) {
  int64_t best = PixelOffset(g, w, w.h0, w.w0);
  T m = in[best];
  for (int64_t h = w.h0; h < w.h1; ++h) {
    for (int64_t x = w.w0; x < w.w1; ++x) {
      const int64_t p = PixelOffset(g, w, h, x);
      if (in[p] > m) {
        m = in[p];
        best = p;
      }
    }
  }
  return best;
}

template <typename T>
__global__ void PoolKernel(bool max, const T* in, T* out, PoolGeometry g,
                           int64_t n) {
  TS_GRID_LOOP(i, n) {
    const Window w = WindowOf(g, i);
    if (max) {
      out[i] = in[ArgMax(g, w, in)];
      continue;
    }
    T sum = 0;
    for (int64_t h = w.h0; h < w.h1; ++h) {
      for (int64_t x = w.w0; x < w.w1; ++x) sum += in[PixelOffset(g, w, h, x)];
    }
    out[i] = sum / static_cast<T>((w.h1 - w.h0) * (w.w1 - w.w0));
  }
}

template <typename T>
__global__ void PoolGradKernel(bool max, const T* in, const T* dy, T* dx,
                               PoolGeometry g, int64_t n) {
  TS_GRID_LOOP(i, n) {
    const Window w = WindowOf(g, i);
    if (max) {
      atomicAdd(dx + ArgMax(g, w, in), dy[i]);
      continue;
    }
    const T share = dy[i] / static_cast<T>((w.h1 - w.h0) * (w.w1 - w.w0));
    for (int64_t h = w.h0; h < w.h1; ++h) {
      for (int64_t x = w.w0; x < w.w1; ++x) {
        atomicAdd(dx + PixelOffset(g, w, h, x), share);
      }
    }
  }
}

}  // namespace

template <typename T>
cudaError_t LaunchPool(bool max, const T* in, T* out, const PoolGeometry& g,
                       cudaStream_t stream) {
  const int64_t n = g.batch * g.out_h * g.out_w * g.depth;
  if (n == 0) return cudaSuccess;
  PoolKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(max, in, out, g, n);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchPoolGrad(bool max, const T* in, const T* dy, T* dx,
                           const PoolGeometry& g, cudaStream_t stream) {
  const int64_t in_n = g.batch * g.in_h * g.in_w * g.depth;
  if (in_n == 0) return cudaSuccess;
  cudaError_t e = cudaMemsetAsync(dx, 0, in_n * sizeof(T), stream);
  if (e != cudaSuccess) return e;
  const int64_t n = g.batch * g.out_h * g.out_w * g.depth;
  if (n == 0) return cudaSuccess;
  PoolGradKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(max, in, dy, dx, g,
                                                           n);
  return cudaGetLastError();
}

#define TS_POOL_INSTANTIATIONS(T)                                            \
  template cudaError_t LaunchPool<T>(bool, const T*, T*, const PoolGeometry&, \
                                     cudaStream_t);                          \
  template cudaError_t LaunchPoolGrad<T>(bool, const T*, const T*, T*,       \
                                         const PoolGeometry&, cudaStream_t)

TS_POOL_INSTANTIATIONS(float);
TS_POOL_INSTANTIATIONS(double);

}  // namespace gpu
}  // namespace tessera
