// Device factories: how a Session finds its devices. The CPU factory is
// always linked; a CUDA build links the GPU factory, which creates one device
// per visible GPU (none when the machine has no GPU). Factories register at
// static-init time, like kernels, so runtime/ never names a GPU type.
#ifndef TESSERA_RUNTIME_DEVICE_FACTORY_H_
#define TESSERA_RUNTIME_DEVICE_FACTORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/device.h"

namespace tessera {

// GPU settings (TF's GPUOptions).
struct GpuOptions {
  // Grow the device's memory pool on demand instead of reserving
  // `memory_fraction` of the GPU up front.
  bool allow_growth = false;
  // Share of the GPU's total memory the pool may hold (0: TF's default of
  // nearly all free memory).
  double per_process_gpu_memory_fraction = 0;
  // TF32 tensor-core math for float matmul/conv (off: IEEE float results).
  bool allow_tf32 = false;
  // Comma-separated GPU ids this process uses ("" = all), e.g. "0".
  std::string visible_device_list;
};

// What factories need to build devices.
struct DeviceOptions {
  int intra_op_threads = 0;        // CPU intra-op pool (0: one per core)
  int64_t memory_limit_bytes = 0;  // CPU cap (0: none)
  GpuOptions gpu;
  // Most devices of a type to create, e.g. {"GPU", 0} for a CPU-only session.
  std::map<std::string, int> device_count;
};

class DeviceFactory {
 public:
  virtual ~DeviceFactory() = default;
  // Appends this factory's devices (possibly none) to `devices`.
  virtual absl::Status CreateDevices(
      const DeviceOptions& options,
      std::vector<std::unique_ptr<Device>>* devices) = 0;

  // Registers `factory` for `device_type` (at static init).
  static void Register(const std::string& device_type,
                       std::unique_ptr<DeviceFactory> factory);
  // Devices of every registered type, CPU first, honouring device_count.
  static absl::Status AddDevices(const DeviceOptions& options,
                                 std::vector<std::unique_ptr<Device>>* devices);
};

struct DeviceFactoryRegistrar {
  DeviceFactoryRegistrar(const std::string& device_type,
                         std::unique_ptr<DeviceFactory> factory) {
    DeviceFactory::Register(device_type, std::move(factory));
  }
};

#define REGISTER_LOCAL_DEVICE_FACTORY(device_type, factory_class) \
  static ::tessera::DeviceFactoryRegistrar                       \
      ts_device_factory_##factory_class __attribute__((unused))( \
          device_type, std::make_unique<factory_class>())

}  // namespace tessera

#endif  // TESSERA_RUNTIME_DEVICE_FACTORY_H_
