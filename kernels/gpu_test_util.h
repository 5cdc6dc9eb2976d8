// Test harness for GPU kernels (CUDA builds only): a self-contained GPU
// Device (its own stream, cuBLAS/cuDNN handles and cudaMalloc allocator, so
// kernel tests do not need runtime/'s GpuDevice) and RunKernel, which runs
// one op's kernel on any device from host tensors, moving each input and
// output across as the kernel registration's HostMemory args say.
#ifndef TESSERA_KERNELS_GPU_TEST_UTIL_H_
#define TESSERA_KERNELS_GPU_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/gpu/gpu_context.h"
#include "core/resource_mgr.h"
#include "core/tensor.h"

namespace tessera {

// True when the CUDA runtime sees at least one GPU.
bool GpuAvailable();

class TestGpuDevice : public Device {
 public:
  // Fails (naming the CUDA call) when no usable GPU is present.
  static absl::StatusOr<std::unique_ptr<TestGpuDevice>> Create(
      int ordinal = 0, bool allow_tf32 = false);
  ~TestGpuDevice() override;

  Allocator* allocator() override { return allocator_.get(); }
  ThreadPool* intra_op_pool() override { return nullptr; }
  absl::Status Sync() override;
  bool memory_is_host() const override { return false; }
  Allocator* host_allocator() override { return CpuAllocator(); }
  absl::StatusOr<Tensor> CopyFromHost(const Tensor& host) override;
  absl::StatusOr<Tensor> CopyToHost(const Tensor& device_tensor) override;
  GpuContext* gpu_context() override { return &context_; }

 private:
  explicit TestGpuDevice(int ordinal);
  std::unique_ptr<Allocator> allocator_;
  GpuContext context_;
};

// Runs `op` with `attrs` on `device`. `args[i]` holds the host tensors of
// input arg i (one, or several for a list arg); type attrs are inferred.
// Returns the outputs in host memory, after the device finished. Stateful
// ops (variables) find their state in `resource_manager`.
absl::StatusOr<std::vector<Tensor>> RunKernel(
    Device* device, const std::string& op, const AttrValueMap& attrs,
    const std::vector<std::vector<Tensor>>& args,
    ResourceMgr* resource_manager = nullptr);

}  // namespace tessera

#endif  // TESSERA_KERNELS_GPU_TEST_UTIL_H_
