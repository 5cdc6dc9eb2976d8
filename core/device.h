// Device: where kernels run. It owns an allocator and, for the CPU, the
// intra-op thread pool. GPU devices implement the same interface.
#ifndef TESSERA_CORE_DEVICE_H_
#define TESSERA_CORE_DEVICE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/allocator.h"
#include "core/threadpool.h"

namespace tessera {

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
  Allocator* allocator() override { return allocator_; }
  ThreadPool* intra_op_pool() override { return pool_.get(); }

 private:
  Allocator* allocator_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace tessera

#endif  // TESSERA_CORE_DEVICE_H_
