// Launch functions for the GPU reductions (reduction_ops_gpu.cu.cc): Sum,
// Mean, Prod, Max, Min over any set of axes, ArgMax/ArgMin over one axis,
// and the row-wise softmax family. Plain C++ for nvcc and gcc alike.
#ifndef TESSERA_KERNELS_REDUCTION_OPS_GPU_H_
#define TESSERA_KERNELS_REDUCTION_OPS_GPU_H_

#include <cuda_runtime.h>

#include <cstdint>

namespace tessera {
namespace gpu {

inline constexpr int kMaxReduceDims = 8;

// The input seen as kept dims (which index the output, row-major) and
// reduced dims, each with its input element stride. Adjacent dims of the
// same kind are merged by the caller, so a rank-8 input always fits.
struct ReduceLayout {
  int kept_rank = 0;
  int64_t kept_dims[kMaxReduceDims] = {};
  int64_t kept_strides[kMaxReduceDims] = {};
  int red_rank = 0;
  int64_t red_dims[kMaxReduceDims] = {};
  int64_t red_strides[kMaxReduceDims] = {};
  int64_t num_out = 1;  // product of kept_dims
  int64_t num_red = 1;  // product of red_dims (may be 0)
};

enum class Reducer : int { kSum, kMean, kProd, kMax, kMin };

// out[o] = reduction of the values in output group o; an empty group gives
// the identity (0, 1, -inf / lowest, +inf / highest; Mean: 0/0). T: float,
// double, int64_t.
template <typename T>
cudaError_t LaunchReduce(Reducer r, const T* in, T* out,
                         const ReduceLayout& layout, cudaStream_t stream);

// Index along the middle axis of [outer, n, inner] of the first maximum
// (kMax) or minimum; n > 0. T: float, double, int64_t; Idx: int32/int64.
template <typename T, typename Idx>
cudaError_t LaunchArgReduce(bool max, const T* in, Idx* out, int64_t outer,
                            int64_t n, int64_t inner, cudaStream_t stream);

// Softmax or LogSoftmax of each row of [rows, cols]. T: float, double.
template <typename T>
cudaError_t LaunchSoftmax(bool log, const T* logits, T* out, int64_t rows,
                          int64_t cols, cudaStream_t stream);

// Softmax cross entropy per row of [rows, cols] logits: loss[r] and
// backprop = softmax - labels. Dense `labels` [rows, cols], or sparse class
// ids (Idx: int32/int64); an id outside [0, cols) gives NaN loss and
// backprop for its row, as TensorFlow's GPU kernel. T: float, double.
template <typename T>
cudaError_t LaunchSoftmaxXent(const T* logits, const T* labels, T* loss,
                              T* backprop, int64_t rows, int64_t cols,
                              cudaStream_t stream);
template <typename T, typename Idx>
cudaError_t LaunchSparseSoftmaxXent(const T* logits, const Idx* labels,
                                    T* loss, T* backprop, int64_t rows,
                                    int64_t cols, cudaStream_t stream);

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_REDUCTION_OPS_GPU_H_
