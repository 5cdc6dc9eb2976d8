// CUDA, cuBLAS and cuDNN results as absl::Status, naming the call and where
// it ran (a device name): CUDA_RETURN_IF_ERROR(cudaMalloc(&p, n), name()).
// Out-of-memory results map to ResourceExhausted, the rest to Internal.
#ifndef TESSERA_CORE_GPU_GPU_STATUS_H_
#define TESSERA_CORE_GPU_GPU_STATUS_H_

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace tessera {

inline absl::Status GpuCallStatus(cudaError_t e, absl::string_view call,
                                  absl::string_view where) {
  if (e == cudaSuccess) return absl::OkStatus();
  // Clears the error unless it is sticky (a broken context stays broken).
  cudaGetLastError();
  std::string msg = absl::StrCat(where, ": ", call, " failed: ",
                                 cudaGetErrorName(e), " (",
                                 cudaGetErrorString(e), ")");
  return e == cudaErrorMemoryAllocation
             ? absl::ResourceExhaustedError(msg)
             : absl::InternalError(msg);
}

inline absl::Status GpuCallStatus(cublasStatus_t e, absl::string_view call,
                                  absl::string_view where) {
  if (e == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  std::string msg = absl::StrCat(where, ": ", call, " failed: ",
                                 cublasGetStatusName(e), " (",
                                 cublasGetStatusString(e), ")");
  return e == CUBLAS_STATUS_ALLOC_FAILED ? absl::ResourceExhaustedError(msg)
                                         : absl::InternalError(msg);
}

inline absl::Status GpuCallStatus(cudnnStatus_t e, absl::string_view call,
                                  absl::string_view where) {
  if (e == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
  std::string msg = absl::StrCat(where, ": ", call, " failed: ",
                                 cudnnGetErrorString(e));
  return e == CUDNN_STATUS_ALLOC_FAILED ? absl::ResourceExhaustedError(msg)
                                        : absl::InternalError(msg);
}

}  // namespace tessera

// Works for cudaError_t, cublasStatus_t and cudnnStatus_t results.
#define CUDA_RETURN_IF_ERROR(call, where)                             \
  do {                                                                \
    ::absl::Status ts_gpu_status_ =                                   \
        ::tessera::GpuCallStatus((call), #call, (where));             \
    if (!ts_gpu_status_.ok()) return ts_gpu_status_;                  \
  } while (0)

#endif  // TESSERA_CORE_GPU_GPU_STATUS_H_
