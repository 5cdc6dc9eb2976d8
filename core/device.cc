#include "core/device.h"

#include "absl/strings/str_cat.h"
#include "core/tensor.h"
#include "core/types.h"

namespace tessera {

// Host-memory devices share one address space: a copy is a new reference.
absl::StatusOr<Tensor> Device::CopyFromHost(const Tensor& host) {
  return host;
}

absl::StatusOr<Tensor> Device::CopyToHost(const Tensor& device_tensor) {
  return device_tensor;
}

CpuDevice::CpuDevice(int index, int intra_op_threads, Allocator* allocator)
    : Device(absl::StrCat("/job:localhost/replica:0/task:0/device:CPU:", index),
             kDeviceCpu),
      allocator_(allocator != nullptr ? allocator : CpuAllocator()) {
  int threads = intra_op_threads > 0 ? intra_op_threads : NumSchedulableCpus();
  if (threads > 1) pool_ = std::make_unique<ThreadPool>("intra_op", threads);
}

CpuDevice::CpuDevice(int index, int intra_op_threads,
                     std::unique_ptr<Allocator> allocator)
    : CpuDevice(index, intra_op_threads, allocator.get()) {
  owned_allocator_ = std::move(allocator);
}

}  // namespace tessera
