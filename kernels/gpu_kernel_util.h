// Helpers shared by the gcc-compiled GPU OpKernels (CUDA builds only):
// reaching the device's GpuContext and turning CUDA / cuBLAS error codes
// into statuses that name the kernel.
#ifndef TESSERA_KERNELS_GPU_KERNEL_UTIL_H_
#define TESSERA_KERNELS_GPU_KERNEL_UTIL_H_

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/gpu/gpu_context.h"
#include "core/op_kernel.h"
#include "core/tensor.h"
#include "kernels/cwise_ops_gpu.h"

namespace tessera {
namespace gpu {

// The context of the device running `ctx`'s kernel; an error (naming the
// node) when the device is not a GPU.
inline absl::StatusOr<GpuContext*> GetGpuContext(OpKernelContext* ctx) {
  GpuContext* g = ctx->device()->gpu_context();
  if (g == nullptr || g->compute_stream == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        ctx->op_kernel().type_string(), " node '", ctx->op_kernel().name(),
        "': GPU kernel placed on device ", ctx->device()->name(),
        ", which has no GPU context"));
  }
  return g;
}

inline absl::Status CudaStatus(const OpKernelContext& ctx, cudaError_t e) {
  if (e == cudaSuccess) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      ctx.op_kernel().type_string(), " node '", ctx.op_kernel().name(),
      "': CUDA launch failed: ", cudaGetErrorName(e), " (",
      cudaGetErrorString(e), ")"));
}

inline absl::Status CublasStatus(const OpKernelContext& ctx,
                                 cublasStatus_t s) {
  if (s == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      ctx.op_kernel().type_string(), " node '", ctx.op_kernel().name(),
      "': cuBLAS failed: ", cublasGetStatusName(s), " (",
      cublasGetStatusString(s), ")"));
}

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_GPU_KERNEL_UTIL_H_
