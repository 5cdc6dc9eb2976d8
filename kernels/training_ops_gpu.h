// Launch functions for the GPU optimizer updates (training_ops_gpu.cu.cc).
// The hyper-parameters are scalars in device memory, as TensorFlow's GPU
// kernels take them, so a learning rate computed on the GPU needs no sync.
// T: float, double. Updates are in place; n may be 0.
#ifndef TESSERA_KERNELS_TRAINING_OPS_GPU_H_
#define TESSERA_KERNELS_TRAINING_OPS_GPU_H_

#include <cuda_runtime.h>

#include <cstdint>

namespace tessera {
namespace gpu {

// var -= alpha * delta.
template <typename T>
cudaError_t LaunchApplyGradientDescent(T* var, const T* alpha, const T* delta,
                                       int64_t n, cudaStream_t stream);

// accum = accum * momentum + grad; var -= lr * accum, or with Nesterov
// var -= grad * lr + accum * momentum * lr.
template <typename T>
cudaError_t LaunchApplyMomentum(T* var, T* accum, const T* lr, const T* grad,
                                const T* momentum, bool nesterov, int64_t n,
                                cudaStream_t stream);

// Adam; `s` holds the six device scalars (each a T) of the op's inputs.
struct AdamScalars {
  const void* beta1_power;
  const void* beta2_power;
  const void* lr;
  const void* beta1;
  const void* beta2;
  const void* epsilon;
};
template <typename T>
cudaError_t LaunchApplyAdam(T* var, T* m, T* v, const AdamScalars& s,
                            const T* grad, bool nesterov, int64_t n,
                            cudaStream_t stream);

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_TRAINING_OPS_GPU_H_
