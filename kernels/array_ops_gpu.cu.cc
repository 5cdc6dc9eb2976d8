// Device code for the GPU array kernels (see array_ops_gpu.h): grid-stride
// loops over int64 indices, one instantiation per element word size.
#include <cstdint>

#include "kernels/array_ops_gpu.h"
#include "kernels/gpu_launch.cu.h"

namespace tessera {
namespace gpu {
namespace {

template <typename W>
__global__ void FillFromDeviceKernel(const W* value, W* out, int64_t n) {
  const W v = *value;
  TS_GRID_LOOP(i, n) { out[i] = v; }
}

template <typename W>
__global__ void FillValueKernel(W value, W* out, int64_t n) {
  TS_GRID_LOOP(i, n) { out[i] = value; }
}

template <typename W, typename Idx>
__global__ void OneHotKernel(const Idx* indices, const W* on, const W* off,
                             W* out, int64_t n, int64_t depth,
                             int64_t suffix) {
  const W on_v = *on, off_v = *off;
  TS_GRID_LOOP(i, n) {
    const int64_t s = i % suffix;
    const int64_t d = (i / suffix) % depth;
    const int64_t p = i / (suffix * depth);
    out[i] = static_cast<int64_t>(indices[p * suffix + s]) == d ? on_v : off_v;
  }
}

template <typename W>
__global__ void TransposeKernel(const W* in, W* out, int64_t n,
                                TransposeDims dims) {
  TS_GRID_LOOP(i, n) {
    int64_t rest = i, offset = 0;
    for (int k = dims.rank - 1; k >= 0; --k) {
      offset += (rest % dims.out_dims[k]) * dims.in_strides[k];
      rest /= dims.out_dims[k];
    }
    out[i] = in[offset];
  }
}

template <typename T>
__global__ void PadImageKernel(const T* in, T* out, PadDims d, int64_t n) {
  const int64_t ph = d.h + d.top + d.bottom, pw = d.w + d.left + d.right;
  TS_GRID_LOOP(i, n) {
    const int64_t c = i % d.c;
    const int64_t x = (i / d.c) % pw - d.left;
    const int64_t y = (i / (d.c * pw)) % ph - d.top;
    const int64_t b = i / (d.c * pw * ph);
    out[i] = (y >= 0 && y < d.h && x >= 0 && x < d.w)
                 ? in[((b * d.h + y) * d.w + x) * d.c + c]
                 : T(0);
  }
}

template <typename T>
__global__ void CropImageKernel(const T* in, T* out, PadDims d, int64_t n) {
  const int64_t ph = d.h + d.top + d.bottom, pw = d.w + d.left + d.right;
  TS_GRID_LOOP(i, n) {
    const int64_t c = i % d.c;
    const int64_t x = (i / d.c) % d.w + d.left;
    const int64_t y = (i / (d.c * d.w)) % d.h + d.top;
    const int64_t b = i / (d.c * d.w * d.h);
    out[i] = in[((b * ph + y) * pw + x) * d.c + c];
  }
}

}  // namespace

template <typename T>
cudaError_t LaunchPadImage(const T* in, T* out, const PadDims& d,
                           cudaStream_t stream) {
  const int64_t n =
      d.n * (d.h + d.top + d.bottom) * (d.w + d.left + d.right) * d.c;
  if (n == 0) return cudaSuccess;
  PadImageKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(in, out, d, n);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchCropImage(const T* in, T* out, const PadDims& d,
                            cudaStream_t stream) {
  const int64_t n = d.n * d.h * d.w * d.c;
  if (n == 0) return cudaSuccess;
  CropImageKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(in, out, d, n);
  return cudaGetLastError();
}

template <typename W>
cudaError_t LaunchFillFromDevice(const W* value, W* out, int64_t n,
                                 cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  FillFromDeviceKernel<W><<<NumBlocks(n), kThreads, 0, stream>>>(value, out, n);
  return cudaGetLastError();
}

template <typename W>
cudaError_t LaunchFillValue(W value, W* out, int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  FillValueKernel<W><<<NumBlocks(n), kThreads, 0, stream>>>(value, out, n);
  return cudaGetLastError();
}

template <typename W, typename Idx>
cudaError_t LaunchOneHot(const Idx* indices, const W* on, const W* off,
                         W* out, int64_t prefix, int64_t depth,
                         int64_t suffix, cudaStream_t stream) {
  const int64_t n = prefix * depth * suffix;
  if (n == 0) return cudaSuccess;
  OneHotKernel<W, Idx><<<NumBlocks(n), kThreads, 0, stream>>>(
      indices, on, off, out, n, depth, suffix);
  return cudaGetLastError();
}

template <typename W>
cudaError_t LaunchTranspose(const W* in, W* out, int64_t n,
                            const TransposeDims& dims, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  TransposeKernel<W><<<NumBlocks(n), kThreads, 0, stream>>>(in, out, n, dims);
  return cudaGetLastError();
}

#define TS_WORD_INSTANTIATIONS(W)                                            \
  template cudaError_t LaunchFillFromDevice<W>(const W*, W*, int64_t,        \
                                               cudaStream_t);                \
  template cudaError_t LaunchFillValue<W>(W, W*, int64_t, cudaStream_t);     \
  template cudaError_t LaunchOneHot<W, uint8_t>(const uint8_t*, const W*,    \
                                                const W*, W*, int64_t,       \
                                                int64_t, int64_t,            \
                                                cudaStream_t);               \
  template cudaError_t LaunchOneHot<W, int32_t>(const int32_t*, const W*,    \
                                                const W*, W*, int64_t,       \
                                                int64_t, int64_t,            \
                                                cudaStream_t);               \
  template cudaError_t LaunchOneHot<W, int64_t>(const int64_t*, const W*,    \
                                                const W*, W*, int64_t,       \
                                                int64_t, int64_t,            \
                                                cudaStream_t);               \
  template cudaError_t LaunchTranspose<W>(const W*, W*, int64_t,             \
                                          const TransposeDims&, cudaStream_t)

TS_WORD_INSTANTIATIONS(uint8_t);
TS_WORD_INSTANTIATIONS(uint16_t);
TS_WORD_INSTANTIATIONS(uint32_t);
TS_WORD_INSTANTIATIONS(uint64_t);

#define TS_IMAGE_INSTANTIATIONS(T)                                            \
  template cudaError_t LaunchPadImage<T>(const T*, T*, const PadDims&,        \
                                         cudaStream_t);                       \
  template cudaError_t LaunchCropImage<T>(const T*, T*, const PadDims&,       \
                                          cudaStream_t)
TS_IMAGE_INSTANTIATIONS(float);
TS_IMAGE_INSTANTIATIONS(double);

}  // namespace gpu
}  // namespace tessera
