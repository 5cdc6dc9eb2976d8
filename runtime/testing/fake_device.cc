#include "runtime/testing/fake_device.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "core/types.h"
#include "runtime/device_factory.h"

namespace tessera {
namespace testing {
namespace {

// Device memory: host memory from its own allocator, so tensors carry a
// tag (Tensor::allocator()) saying which memory they are in.
class FakeDeviceAllocator : public Allocator {
 public:
  std::string Name() const override { return "fake_gpu"; }
  void* AllocateRaw(size_t alignment, size_t num_bytes) override {
    return CpuAllocator()->AllocateRaw(alignment, num_bytes);
  }
  void DeallocateRaw(void* ptr, size_t num_bytes) override {
    CpuAllocator()->DeallocateRaw(ptr, num_bytes);
  }
};

Allocator* FakeAllocator() {
  static Allocator* allocator = new FakeDeviceAllocator;
  return allocator;
}

std::atomic<int64_t> num_from_host{0};
std::atomic<int64_t> num_to_host{0};

absl::StatusOr<Tensor> Memcpy(const Tensor& src, Allocator* to) {
  if (DataTypeIsObject(src.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot copy a ", DataTypeString(src.dtype()),
        " tensor between host and FAKE_GPU memory"));
  }
  ASSIGN_OR_RETURN(Tensor dst, Tensor::Allocate(to, src.dtype(), src.shape()));
  if (src.TotalBytes() > 0) {
    std::memcpy(dst.raw_data(), src.raw_data(), src.TotalBytes());
  }
  return dst;
}

class FakeGpuDeviceFactory : public DeviceFactory {
 public:
  absl::Status CreateDevices(
      const DeviceOptions& options,
      std::vector<std::unique_ptr<Device>>* devices) override {
    devices->push_back(std::make_unique<FakeGpuDevice>(0));
    return absl::OkStatus();
  }
};

REGISTER_LOCAL_DEVICE_FACTORY(kFakeGpu, FakeGpuDeviceFactory);

}  // namespace

bool InFakeDeviceMemory(const Tensor& t) {
  return t.allocator() == FakeAllocator();
}

FakeGpuDevice::FakeGpuDevice(int index)
    : Device(absl::StrCat("/job:localhost/replica:0/task:0/device:", kFakeGpu,
                          ":", index),
             kFakeGpu) {}

Allocator* FakeGpuDevice::allocator() { return FakeAllocator(); }

absl::StatusOr<Tensor> FakeGpuDevice::CopyFromHost(const Tensor& host) {
  if (host.TotalBytes() > 0 && InFakeDeviceMemory(host)) {
    return absl::InternalError("CopyFromHost of a tensor in FAKE_GPU memory");
  }
  num_from_host.fetch_add(1);
  return Memcpy(host, FakeAllocator());
}

absl::StatusOr<Tensor> FakeGpuDevice::CopyToHost(const Tensor& device_tensor) {
  if (device_tensor.TotalBytes() > 0 && !InFakeDeviceMemory(device_tensor)) {
    return absl::InternalError("CopyToHost of a tensor in host memory");
  }
  num_to_host.fetch_add(1);
  return Memcpy(device_tensor, CpuAllocator());
}

int64_t FakeGpuDevice::copies_from_host() { return num_from_host; }
int64_t FakeGpuDevice::copies_to_host() { return num_to_host; }
void FakeGpuDevice::ResetCopyCounts() {
  num_from_host = 0;
  num_to_host = 0;
}

// Moves `t` into fake device memory without counting a copy (a kernel's own
// output write); used by fake_kernels.cc.
absl::StatusOr<Tensor> ToFakeDeviceMemory(const Tensor& t) {
  return Memcpy(t, FakeAllocator());
}

}  // namespace testing
}  // namespace tessera
