// Per-process GPU state (as TF's GPUProcessState): each physical GPU's
// memory pool, streams and library handles, and the pinned host pool. They
// are created on first use and never destroyed, because
//  - tensors may outlive the session and device that made them, and their
//    buffers point back at the pool;
//  - two sessions must share one pool rather than each reserving most of
//    the GPU, and one compute stream orders all their kernels, so memory
//    freed by one session is never reused under another's pending kernel;
//  - cuDNN/cuBLAS handles are slow to create (per session would cost
//    hundreds of milliseconds).
// The first GpuOptions that touch a GPU fix its pool's size (as in TF).
#ifndef TESSERA_RUNTIME_GPU_GPU_PROCESS_STATE_H_
#define TESSERA_RUNTIME_GPU_GPU_PROCESS_STATE_H_

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/bfc_allocator.h"
#include "runtime/device_factory.h"

namespace tessera {

// cudaMalloc / cudaFree on one GPU (256-byte aligned by CUDA).
class GpuMemorySubAllocator : public SubAllocator {
 public:
  explicit GpuMemorySubAllocator(int cuda_ordinal) : ordinal_(cuda_ordinal) {}
  void* Alloc(size_t alignment, size_t num_bytes) override;
  void Free(void* ptr, size_t num_bytes) override;

 private:
  const int ordinal_;
};

// Page-locked host memory (cudaHostAlloc, portable to every GPU).
class PinnedHostSubAllocator : public SubAllocator {
 public:
  void* Alloc(size_t alignment, size_t num_bytes) override;
  void Free(void* ptr, size_t num_bytes) override;
};

struct GpuResources {
  int cuda_ordinal = 0;
  std::string description;  // "NVIDIA H100 ..., compute capability 9.0"
  int multiprocessor_count = 0;
  size_t total_memory = 0;
  cudaStream_t compute_stream = nullptr;
  cudaStream_t host_to_device_stream = nullptr;
  cudaStream_t device_to_host_stream = nullptr;
  cublasHandle_t cublas = nullptr;  // bound to compute_stream
  cudnnHandle_t cudnn = nullptr;    // bound to compute_stream
  BfcAllocator* device_allocator = nullptr;  // "GPU_<ordinal>_bfc"
};

// CUDA devices usable by this process; 0 when there is no GPU or driver.
int GpuDeviceCount();

// "0,2" -> {0, 2}; "" -> all of [0, device_count). Errors name the entry.
absl::StatusOr<std::vector<int>> ParseVisibleDeviceList(
    const std::string& list, int device_count);

// Bytes the pool of a GPU with `free`/`total` memory may hold: `total` x
// per_process_gpu_memory_fraction, or by default all free memory but a
// reserve for the CUDA context and libraries (5%, at least 256 MiB).
absl::StatusOr<size_t> GpuMemoryLimit(const GpuOptions& options, size_t free,
                                      size_t total);

// The GPU's shared resources, created on first call.
absl::StatusOr<GpuResources*> GetGpuResources(int cuda_ordinal,
                                              const GpuOptions& options);

// Pinned host pool shared by all GPUs ("gpu_host_bfc", grows on demand up
// to 64 GiB as TF's default).
Allocator* GpuPinnedHostAllocator();

}  // namespace tessera

#endif  // TESSERA_RUNTIME_GPU_GPU_PROCESS_STATE_H_
