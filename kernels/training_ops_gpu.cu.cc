// Device code for the GPU optimizer updates (see training_ops_gpu.h). The
// formulas are the CPU kernels' (kernels/training_ops.cc), term for term.
#include <cstdint>

#include "kernels/training_ops_gpu.h"
#include "kernels/gpu_launch.cu.h"

namespace tessera {
namespace gpu {
namespace {

__device__ inline float Sqrt(float x) { return sqrtf(x); }
__device__ inline double Sqrt(double x) { return sqrt(x); }

template <typename T>
__global__ void GradientDescentKernel(T* var, const T* alpha, const T* delta,
                                      int64_t n) {
  const T a = *alpha;
  TS_GRID_LOOP(i, n) { var[i] -= a * delta[i]; }
}

template <typename T>
__global__ void MomentumKernel(T* var, T* accum, const T* lr, const T* grad,
                               const T* momentum, bool nesterov, int64_t n) {
  const T l = *lr, mom = *momentum;
  TS_GRID_LOOP(i, n) {
    const T g = grad[i];
    const T a = accum[i] * mom + g;
    accum[i] = a;
    if (nesterov) {
      var[i] -= g * l + a * mom * l;
    } else {
      var[i] -= a * l;
    }
  }
}

template <typename T>
__global__ void AdamKernel(T* var, T* m, T* v, AdamScalars s, const T* grad,
                           bool nesterov, int64_t n) {
  const T beta1_power = *static_cast<const T*>(s.beta1_power);
  const T beta2_power = *static_cast<const T*>(s.beta2_power);
  const T lr = *static_cast<const T*>(s.lr);
  const T beta1 = *static_cast<const T*>(s.beta1);
  const T beta2 = *static_cast<const T*>(s.beta2);
  const T epsilon = *static_cast<const T*>(s.epsilon);
  const T lr_t = lr * Sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
  TS_GRID_LOOP(i, n) {
    const T g = grad[i];
    const T mi = m[i] + (g - m[i]) * (T(1) - beta1);
    const T vi = v[i] + (g * g - v[i]) * (T(1) - beta2);
    m[i] = mi;
    v[i] = vi;
    if (nesterov) {
      var[i] -= (mi * beta1 + g * (T(1) - beta1)) * lr_t / (Sqrt(vi) + epsilon);
    } else {
      var[i] -= mi * lr_t / (Sqrt(vi) + epsilon);
    }
  }
}

}  // namespace

template <typename T>
cudaError_t LaunchApplyGradientDescent(T* var, const T* alpha, const T* delta,
                                       int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  GradientDescentKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(var, alpha,
                                                                   delta, n);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchApplyMomentum(T* var, T* accum, const T* lr, const T* grad,
                                const T* momentum, bool nesterov, int64_t n,
                                cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  MomentumKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(
      var, accum, lr, grad, momentum, nesterov, n);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchApplyAdam(T* var, T* m, T* v, const AdamScalars& s,
                            const T* grad, bool nesterov, int64_t n,
                            cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  AdamKernel<T><<<NumBlocks(n), kThreads, 0, stream>>>(var, m, v, s, grad,
                                                       nesterov, n);
  return cudaGetLastError();
}

#define TS_APPLY_INSTANTIATIONS(T)                                            \
  template cudaError_t LaunchApplyGradientDescent<T>(T*, const T*, const T*,  \
                                                     int64_t, cudaStream_t);  \
  template cudaError_t LaunchApplyMomentum<T>(T*, T*, const T*, const T*,     \
                                              const T*, bool, int64_t,        \
                                              cudaStream_t);                  \
  template cudaError_t LaunchApplyAdam<T>(T*, T*, T*, const AdamScalars&,     \
                                          const T*, bool, int64_t,            \
                                          cudaStream_t)

TS_APPLY_INSTANTIATIONS(float);
TS_APPLY_INSTANTIATIONS(double);

}  // namespace gpu
}  // namespace tessera
