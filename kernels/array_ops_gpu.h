// Launch functions for the GPU array kernels (array_ops_gpu.cu.cc): Fill,
// OnesLike, OneHot and Transpose. Elements are moved as opaque words of
// their size (W: uint8_t, uint16_t, uint32_t, uint64_t), so every dtype of
// that size shares one kernel. Plain C++ for nvcc and gcc alike; each
// launch only enqueues on `stream` and returns the launch error.
#ifndef TESSERA_KERNELS_ARRAY_OPS_GPU_H_
#define TESSERA_KERNELS_ARRAY_OPS_GPU_H_

#include <cuda_runtime.h>

#include <cstdint>

namespace tessera {
namespace gpu {

// out[0, n) = *value, `value` being one element in device memory.
template <typename W>
cudaError_t LaunchFillFromDevice(const W* value, W* out, int64_t n,
                                 cudaStream_t stream);

// out[0, n) = value (a host word: the bits of the element).
template <typename W>
cudaError_t LaunchFillValue(W value, W* out, int64_t n, cudaStream_t stream);

// out viewed as [prefix, depth, suffix]: *on where indices[p, s] == d,
// else *off (on/off: one element each in device memory). Idx: uint8_t,
// int32_t, int64_t; an index outside [0, depth) gives an all-off row.
template <typename W, typename Idx>
cudaError_t LaunchOneHot(const Idx* indices, const W* on, const W* off,
                         W* out, int64_t prefix, int64_t depth,
                         int64_t suffix, cudaStream_t stream);

inline constexpr int kMaxTransposeDims = 8;

// Output dim k has size out_dims[k] and reads the input with element
// stride in_strides[k] (the input stride of input dim perm[k]).
struct TransposeDims {
  int rank = 0;
  int64_t out_dims[kMaxTransposeDims] = {};
  int64_t in_strides[kMaxTransposeDims] = {};
};

// out[i] = in[offset of output index i]; n = number of elements.
template <typename W>
cudaError_t LaunchTranspose(const W* in, W* out, int64_t n,
                            const TransposeDims& dims, cudaStream_t stream);

// Zero padding / cropping of NHWC images in H and W, for convolutions whose
// padding cuDNN cannot express (it pads both sides equally). Pad: `out`
// [n, h + top + bottom, w + left + right, c] holds `in` at offset (top,
// left), zero around it. Crop: the inverse selection, out [n, h, w, c] from
// `in` [n, h + ..., w + ..., c] at (top, left). T: float, double.
struct PadDims {
  int64_t n = 0, h = 0, w = 0, c = 0;  // the unpadded image
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};
template <typename T>
cudaError_t LaunchPadImage(const T* in, T* out, const PadDims& d,
                           cudaStream_t stream);
template <typename T>
cudaError_t LaunchCropImage(const T* in, T* out, const PadDims& d,
                            cudaStream_t stream);

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_ARRAY_OPS_GPU_H_
