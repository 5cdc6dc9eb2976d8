// What a GPU kernel gets from its device (CUDA builds only): the compute
// stream every kernel of the device is queued on, cuBLAS/cuDNN handles bound
// to that stream, and the session's GPU settings. Kernels reach it through
// OpKernelContext::device()->gpu_context().
//
// Ordering contract: kernels only enqueue work on `compute_stream` and
// return; consumers on the same device are ordered by the stream, and the
// device's CopyToHost waits for the stream before the host reads a value.
#ifndef TESSERA_CORE_GPU_GPU_CONTEXT_H_
#define TESSERA_CORE_GPU_GPU_CONTEXT_H_

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

namespace tessera {

class Allocator;

struct GpuContext {
  int device_ordinal = 0;
  cudaStream_t compute_stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
  // TF32 tensor-core math for float matmuls/convolutions (off by default,
  // as TF's float results are IEEE single precision).
  bool allow_tf32 = false;
  // Device memory for kernel scratch (cuDNN workspaces...).
  Allocator* device_allocator = nullptr;
  int multiprocessor_count = 0;
};

}  // namespace tessera

#endif  // TESSERA_CORE_GPU_GPU_CONTEXT_H_
