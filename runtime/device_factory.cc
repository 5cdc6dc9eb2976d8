#include "runtime/device_factory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "core/types.h"

namespace tessera {
namespace {

// Registration order is static-init order; AddDevices puts CPU first.
using FactoryList =
    std::vector<std::pair<std::string, std::unique_ptr<DeviceFactory>>>;

FactoryList& Factories() {
  static FactoryList* factories = new FactoryList;  // never destroyed
  return *factories;
}

class CpuDeviceFactory : public DeviceFactory {
 public:
  absl::Status CreateDevices(
      const DeviceOptions& options,
      std::vector<std::unique_ptr<Device>>* devices) override {
    std::unique_ptr<Allocator> capped;
    if (options.memory_limit_bytes > 0) {
      capped =
          std::make_unique<LimitedCpuAllocator>(options.memory_limit_bytes);
    }
    devices->push_back(std::make_unique<CpuDevice>(
        0, options.intra_op_threads, std::move(capped)));
    return absl::OkStatus();
  }
};

}  // namespace

void DeviceFactory::Register(const std::string& device_type,
                             std::unique_ptr<DeviceFactory> factory) {
  Factories().emplace_back(device_type, std::move(factory));
}

absl::Status DeviceFactory::AddDevices(
    const DeviceOptions& options,
    std::vector<std::unique_ptr<Device>>* devices) {
  static CpuDeviceFactory* cpu = new CpuDeviceFactory;
  RETURN_IF_ERROR(cpu->CreateDevices(options, devices));
  for (auto& [type, factory] : Factories()) {
    auto it = options.device_count.find(type);
    if (it != options.device_count.end() && it->second <= 0) continue;
    size_t before = devices->size();
    RETURN_IF_ERROR(factory->CreateDevices(options, devices));
    if (it != options.device_count.end() &&
        devices->size() - before > static_cast<size_t>(it->second)) {
      devices->resize(before + it->second);
    }
  }
  return absl::OkStatus();
}

}  // namespace tessera
