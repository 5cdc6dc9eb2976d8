// A fake accelerator for testing multi-device sessions on a CPU-only build.
//
// "FAKE_GPU" devices keep tensors in "device memory": host memory from a
// process-wide allocator that records every live buffer, so a test (and the
// fake kernels) can tell which memory a tensor is in. Host<->device copies
// memcpy and are counted. Kernels for a handful of ops wrap the CPU kernels
// and FAIL when an input is not in the memory the executor should have put
// it in (device memory, or host memory for HostMemory args and handles);
// outputs the CPU kernel left in host memory are moved to device memory,
// as a GPU kernel would have written them there.
//
// Linking //runtime/testing:fake_device registers the device factory and
// the kernels; SessionOptions::device_count {{"FAKE_GPU", 0}} turns it off.
#ifndef TESSERA_RUNTIME_TESTING_FAKE_DEVICE_H_
#define TESSERA_RUNTIME_TESTING_FAKE_DEVICE_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "core/device.h"
#include "core/tensor.h"

namespace tessera {
namespace testing {

inline constexpr char kFakeGpu[] = "FAKE_GPU";

// True when `t` has bytes and they lie in fake device memory.
bool InFakeDeviceMemory(const Tensor& t);

class FakeGpuDevice : public Device {
 public:
  explicit FakeGpuDevice(int index);
  Allocator* allocator() override;
  ThreadPool* intra_op_pool() override { return nullptr; }
  bool memory_is_host() const override { return false; }
  Allocator* host_allocator() override { return CpuAllocator(); }
  absl::StatusOr<Tensor> CopyFromHost(const Tensor& host) override;
  absl::StatusOr<Tensor> CopyToHost(const Tensor& device_tensor) override;

  // Copies made by all fake devices since the last ResetCopyCounts().
  static int64_t copies_from_host();
  static int64_t copies_to_host();
  static void ResetCopyCounts();
};

}  // namespace testing
}  // namespace tessera

#endif  // TESSERA_RUNTIME_TESTING_FAKE_DEVICE_H_
