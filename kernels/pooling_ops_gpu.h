// Launch functions for the GPU pooling kernels (pooling_ops_gpu.cu.cc):
// MaxPool, AvgPool and their gradients on NHWC images, with TensorFlow's
// window semantics: a window covers only valid pixels (padding is never
// read), AvgPool divides by the number of valid pixels, and MaxPoolGrad
// routes each window's gradient to its first maximum in row-major order.
// T: float, double. Plain C++ for nvcc and gcc alike.
#ifndef TESSERA_KERNELS_POOLING_OPS_GPU_H_
#define TESSERA_KERNELS_POOLING_OPS_GPU_H_

#include <cuda_runtime.h>

#include <cstdint>

namespace tessera {
namespace gpu {

struct PoolGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, depth = 0;
  int64_t k_h = 1, k_w = 1, stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, out_h = 0, out_w = 0;
};

// out [batch, out_h, out_w, depth] from in [batch, in_h, in_w, depth].
template <typename T>
cudaError_t LaunchPool(bool max, const T* in, T* out, const PoolGeometry& g,
                       cudaStream_t stream);

// dx (input-shaped; zeroed here first) from the pooled gradient dy. `in`
// is MaxPool's input (unused for average pooling).
template <typename T>
cudaError_t LaunchPoolGrad(bool max, const T* in, const T* dy, T* dx,
                           const PoolGeometry& g, cudaStream_t stream);

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_POOLING_OPS_GPU_H_
