// GpuDevice: one CUDA GPU as a Tessera Device (CUDA builds only). Kernels
// are queued on the GPU's compute stream (see core/gpu/gpu_context.h);
// host<->device copies run on their own streams, ordered against the
// compute stream with events. Device memory comes from the GPU's BFC pool,
// host staging from the pinned host pool (runtime/gpu/gpu_process_state.h).
// The factory registered as "GPU" creates one per visible GPU, and none on a
// machine without a GPU, so a CUDA build there behaves like the CPU build.
#ifndef TESSERA_RUNTIME_GPU_GPU_DEVICE_H_
#define TESSERA_RUNTIME_GPU_GPU_DEVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/device.h"
#include "core/gpu/gpu_context.h"
#include "runtime/device_factory.h"
#include "runtime/gpu/gpu_process_state.h"

namespace tessera {

class GpuDevice : public Device {
 public:
  // "/job:localhost/replica:0/task:0/device:GPU:<index>" on CUDA device
  // `cuda_ordinal` (they differ under visible_device_list).
  static absl::StatusOr<std::unique_ptr<GpuDevice>> Create(
      int index, int cuda_ordinal, const GpuOptions& options);
  // Waits for the work this device queued (the streams are shared).
  ~GpuDevice() override;

  Allocator* allocator() override { return resources_->device_allocator; }
  ThreadPool* intra_op_pool() override { return nullptr; }
  // Waits for everything queued on the compute stream.
  absl::Status Sync() override;
  bool memory_is_host() const override { return false; }
  // Pinned (page-locked) host memory: DMA-able without staging.
  Allocator* host_allocator() override { return GpuPinnedHostAllocator(); }
  // Numeric and bool tensors only: string, variant and resource tensors
  // never live in device memory.
  absl::StatusOr<Tensor> CopyFromHost(const Tensor& host) override;
  // The result is in pinned host memory (CPU memory if that pool is
  // exhausted) and ready on return.
  absl::StatusOr<Tensor> CopyToHost(const Tensor& device_tensor) override;
  GpuContext* gpu_context() override { return &context_; }

  int cuda_ordinal() const { return resources_->cuda_ordinal; }
  const GpuResources& resources() const { return *resources_; }

 private:
  GpuDevice(int index, GpuResources* resources, const GpuOptions& options);
  absl::Status CheckCopyable(const Tensor& t, const char* direction) const;
  // Makes `waiter` wait for the work queued on `signaller` so far.
  absl::Status StreamWaitsFor(cudaStream_t waiter, cudaStream_t signaller);

  GpuResources* const resources_;  // process-wide, never destroyed
  GpuContext context_;
};

class GpuDeviceFactory : public DeviceFactory {
 public:
  absl::Status CreateDevices(
      const DeviceOptions& options,
      std::vector<std::unique_ptr<Device>>* devices) override;
};

}  // namespace tessera

#endif  // TESSERA_RUNTIME_GPU_GPU_DEVICE_H_
