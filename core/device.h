// Device: where kernels run. It owns an allocator and, for the CPU, the
// intra-op thread pool. GPU devices implement the same interface.
#ifndef TESSERA_CORE_DEVICE_H_
#define TESSERA_CORE_DEVICE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/allocator.h"
#include "core/threadpool.h"

namespace tessera {

class Tensor;
struct GpuContext;  // core/gpu/gpu_context.h (CUDA builds only)

class Device {
 public:
  virtual ~Device() = default;
  // Full name, e.g. "/job:localhost/replica:0/task:0/device:CPU:0".
  const std::string& name() const { return name_; }
  // "CPU" or "GPU": the key into the kernel registry.
  const std::string& device_type() const { return device_type_; }
  virtual Allocator* allocator() = 0;
  // Pool for splitting one kernel's work; may be null (run inline).
  virtual ThreadPool* intra_op_pool() = 0;
  // Waits for all queued work (a no-op for the CPU).
  virtual absl::Status Sync() { return absl::OkStatus(); }

  // --- Accelerators (defaults describe the CPU). ---
  // False when allocator() hands out memory the host cannot touch (GPU):
  // the executor then copies across edges that leave or enter host memory.
  virtual bool memory_is_host() const { return true; }
  // Host memory for this device's host-memory kernel args and staging
  // (pinned on a GPU).
  virtual Allocator* host_allocator() { return allocator(); }
  // Copies a host tensor into this device's memory. The copy is ordered
  // before any kernel this device runs afterwards.
  virtual absl::StatusOr<Tensor> CopyFromHost(const Tensor& host);
  // Copies a tensor in this device's memory to host memory, after all work
  // queued so far; the result is ready when this returns.
  virtual absl::StatusOr<Tensor> CopyToHost(const Tensor& device_tensor);
  // Streams and library handles for GPU kernels; null elsewhere.
  virtual GpuContext* gpu_context() { return nullptr; }

 protected:
  Device(std::string name, std::string device_type)
      : name_(std::move(name)), device_type_(std::move(device_type)) {}

 private:
  const std::string name_;
  const std::string device_type_;
};

class CpuDevice : public Device {
 public:
  // intra_op_threads <= 0: one per core. allocator null: the global one.
  CpuDevice(int index, int intra_op_threads, Allocator* allocator = nullptr);
  // Owns `allocator` (e.g. a per-session capped one).
  CpuDevice(int index, int intra_op_threads,
            std::unique_ptr<Allocator> allocator);
  Allocator* allocator() override { return allocator_; }
  ThreadPool* intra_op_pool() override { return pool_.get(); }

 private:
  std::unique_ptr<Allocator> owned_allocator_;
  Allocator* allocator_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace tessera

#endif  // TESSERA_CORE_DEVICE_H_
