// Launch functions for the element-wise GPU kernels (cwise_ops_gpu.cu.cc,
// built by nvcc). Plain C++ with no absl/protobuf so both compilers read
// it; the OpKernels in cwise_ops_gpu.cc validate shapes and call these.
// Each launch only enqueues on `stream` and returns the launch error.
#ifndef TESSERA_KERNELS_CWISE_OPS_GPU_H_
#define TESSERA_KERNELS_CWISE_OPS_GPU_H_

#include <cuda_runtime.h>

#include <cstdint>

namespace tessera {
namespace gpu {

// A collapsed broadcast (cwise::BroadcastPlan): output dims, and each
// operand's element stride per dim (0 where it is broadcast).
inline constexpr int kMaxBroadcastDims = 8;
struct BroadcastDims {
  int rank = 1;
  int64_t dims[kMaxBroadcastDims] = {};
  int64_t strides[3][kMaxBroadcastDims] = {};
};

enum class UnaryFn : int {
  kNeg, kAbs, kExp, kLog, kSqrt, kRsqrt, kSquare, kTanh, kSigmoid, kSin,
  kCos, kReciprocal, kSign, kFloor, kCeil, kRound,
  // Activations (nn_ops); `alpha` is LeakyRelu's slope.
  kRelu, kRelu6, kLeakyRelu, kElu, kSelu, kSoftplus,
};

// out = grad * f'(v), v being the features or (Elu, Selu) the outputs.
enum class ActivationGradFn : int {
  kRelu, kRelu6, kLeakyRelu, kElu, kSelu, kSoftplus,
};

enum class BinaryFn : int {
  kAdd, kSub, kMul, kDiv, kSquaredDifference, kMaximum, kMinimum, kPow,
};

enum class CompareFn : int {
  kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual,
};

// T: float, double (all fns); int64_t (Neg, Abs, Square, Sign, Round).
// int32 kernels stay on the host, as in TensorFlow (shape arithmetic).
template <typename T>
cudaError_t LaunchUnary(UnaryFn fn, const T* x, T* y, int64_t n, float alpha,
                        cudaStream_t stream);

// T: float, double.
template <typename T>
cudaError_t LaunchActivationGrad(ActivationGradFn fn, const T* g, const T* v,
                                 T* out, int64_t n, float alpha,
                                 cudaStream_t stream);

// z[i] = f(x, y) over the broadcast `b` (operands 0 and 1); n = output size.
// T: float, double, int64_t (int64: no Div or Pow).
template <typename T>
cudaError_t LaunchBinary(BinaryFn fn, const T* x, const T* y, T* z, int64_t n,
                         const BroadcastDims& b, cudaStream_t stream);

// T: float, double, int64_t; also bool for kEqual / kNotEqual.
template <typename T>
cudaError_t LaunchCompare(CompareFn fn, const T* x, const T* y, bool* z,
                          int64_t n, const BroadcastDims& b,
                          cudaStream_t stream);

// out = c ? t : e over the broadcast of (c, t, e). W: a word of the element
// size (uint8_t, uint16_t, uint32_t, uint64_t).
template <typename W>
cudaError_t LaunchSelect(const bool* c, const W* t, const W* e, W* out,
                         int64_t n, const BroadcastDims& b,
                         cudaStream_t stream);

// dst[i] = static_cast<D>(src[i]) (bool: != 0). S, D: float, double,
// int32_t, int64_t, uint8_t, bool.
template <typename S, typename D>
cudaError_t LaunchCast(const S* src, D* dst, int64_t n, cudaStream_t stream);

// out = sum of `num` inputs (a host array of device pointers). T: float,
// double, int64_t.
template <typename T>
cudaError_t LaunchAddN(const T* const* inputs, int num, T* out, int64_t n,
                       cudaStream_t stream);

// out[i] = x[i] + bias[(i / inner) % channels]: inner = 1 for NHWC, H*W
// for NCHW. T: float, double.
template <typename T>
cudaError_t LaunchBiasAdd(const T* x, const T* bias, T* out, int64_t n,
                          int64_t channels, int64_t inner,
                          cudaStream_t stream);

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_CWISE_OPS_GPU_H_
