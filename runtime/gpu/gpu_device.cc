#include "runtime/gpu/gpu_device.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/gpu/gpu_status.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/types.h"

namespace tessera {
namespace {

// Keeps a host buffer alive until the copy reading it has run.
void ReleaseTensor(void* tensor) { delete static_cast<Tensor*>(tensor); }

}  // namespace

absl::StatusOr<std::unique_ptr<GpuDevice>> GpuDevice::Create(
    int index, int cuda_ordinal, const GpuOptions& options) {
  ASSIGN_OR_RETURN(GpuResources * resources,
                   GetGpuResources(cuda_ordinal, options));
  return std::unique_ptr<GpuDevice>(new GpuDevice(index, resources, options));
}

GpuDevice::GpuDevice(int index, GpuResources* resources,
                     const GpuOptions& options)
    : Device(absl::StrCat("/job:localhost/replica:0/task:0/device:GPU:", index),
             kDeviceGpu),
      resources_(resources) {
  context_.device_ordinal = resources->cuda_ordinal;
  context_.compute_stream = resources->compute_stream;
  context_.cublas = resources->cublas;
  context_.cudnn = resources->cudnn;
  context_.allow_tf32 = options.allow_tf32;
  context_.device_allocator = resources->device_allocator;
  context_.multiprocessor_count = resources->multiprocessor_count;
}

GpuDevice::~GpuDevice() {
  // Callbacks queued by CopyFromHost release host buffers: let them run
  // before the caller tears down what it owns.
  if (cudaSetDevice(cuda_ordinal()) != cudaSuccess) return;
  cudaStreamSynchronize(resources_->compute_stream);
  cudaStreamSynchronize(resources_->host_to_device_stream);
  cudaStreamSynchronize(resources_->device_to_host_stream);
  cudaGetLastError();
}

absl::Status GpuDevice::Sync() {
  CUDA_RETURN_IF_ERROR(cudaSetDevice(cuda_ordinal()), name());
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(resources_->compute_stream),
                       name());
  return absl::OkStatus();
}

absl::Status GpuDevice::CheckCopyable(const Tensor& t,
                                      const char* direction) const {
  if (DataTypeIsObject(t.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": cannot copy a ", DataTypeString(t.dtype()), " tensor ",
        direction, " GPU memory: string, variant and resource tensors stay "
        "in host memory"));
  }
  if (!t.IsInitialized() || ElementSize(t.dtype()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": cannot copy an uninitialized ", DataTypeString(t.dtype()),
        " tensor ", direction, " GPU memory"));
  }
  return absl::OkStatus();
}

absl::Status GpuDevice::StreamWaitsFor(cudaStream_t waiter,
                                       cudaStream_t signaller) {
  cudaEvent_t event;
  CUDA_RETURN_IF_ERROR(
      cudaEventCreateWithFlags(&event, cudaEventDisableTiming), name());
  absl::Status s = GpuCallStatus(cudaEventRecord(event, signaller),
                                 "cudaEventRecord", name());
  if (s.ok()) {
    s = GpuCallStatus(cudaStreamWaitEvent(waiter, event, 0),
                      "cudaStreamWaitEvent", name());
  }
  // Safe while pending: CUDA releases the event once it has completed.
  cudaEventDestroy(event);
  return s;
}

absl::StatusOr<Tensor> GpuDevice::CopyFromHost(const Tensor& host) {
  RETURN_IF_ERROR(CheckCopyable(host, "to"));
  ASSIGN_OR_RETURN(Tensor device,
                   Tensor::Allocate(allocator(), host.dtype(), host.shape()));
  const size_t bytes = host.TotalBytes();
  if (bytes == 0) return device;
  // DMA reads pinned memory directly; pageable memory is first staged into
  // pinned memory so that the copy is truly asynchronous.
  Tensor source = host;
  if (host.allocator() != host_allocator()) {
    auto staging =
        Tensor::Allocate(host_allocator(), host.dtype(), host.shape());
    if (staging.ok()) {
      std::memcpy(staging->raw_data(), host.raw_data(), bytes);
      source = *std::move(staging);
    }  // else: pinned pool exhausted, CUDA stages the pageable copy itself
  }
  CUDA_RETURN_IF_ERROR(cudaSetDevice(cuda_ordinal()), name());
  cudaStream_t h2d = resources_->host_to_device_stream;
  cudaStream_t compute = resources_->compute_stream;
  // The destination may be memory that kernels already queued still use
  // (freed on the host, reused by the pool): copy only after them.
  RETURN_IF_ERROR(StreamWaitsFor(h2d, compute));
  CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(device.raw_data(), source.raw_data(),
                                       bytes, cudaMemcpyHostToDevice, h2d),
                       name());
  // Later kernels see the data.
  RETURN_IF_ERROR(StreamWaitsFor(compute, h2d));
  auto* keep = new Tensor(std::move(source));
  if (cudaLaunchHostFunc(h2d, ReleaseTensor, keep) != cudaSuccess) {
    cudaGetLastError();
    absl::Status s = GpuCallStatus(cudaStreamSynchronize(h2d),
                                   "cudaStreamSynchronize", name());
    delete keep;
    RETURN_IF_ERROR(s);
  }
  return device;
}

absl::StatusOr<Tensor> GpuDevice::CopyToHost(const Tensor& device_tensor) {
  RETURN_IF_ERROR(CheckCopyable(device_tensor, "from"));
  const DataType dtype = device_tensor.dtype();
  auto pinned =
      Tensor::Allocate(host_allocator(), dtype, device_tensor.shape());
  Tensor host;
  if (pinned.ok()) {
    host = *std::move(pinned);
  } else {
    ASSIGN_OR_RETURN(host, Tensor::Allocate(CpuAllocator(), dtype,
                                            device_tensor.shape()));
  }
  const size_t bytes = device_tensor.TotalBytes();
  if (bytes == 0) return host;
  CUDA_RETURN_IF_ERROR(cudaSetDevice(cuda_ordinal()), name());
  cudaStream_t d2h = resources_->device_to_host_stream;
  // After every kernel queued so far (the producer among them).
  RETURN_IF_ERROR(StreamWaitsFor(d2h, resources_->compute_stream));
  CUDA_RETURN_IF_ERROR(
      cudaMemcpyAsync(host.raw_data(), device_tensor.raw_data(), bytes,
                      cudaMemcpyDeviceToHost, d2h),
      name());
  CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(d2h), name());
  return host;
}

absl::Status GpuDeviceFactory::CreateDevices(
    const DeviceOptions& options,
    std::vector<std::unique_ptr<Device>>* devices) {
  const int count = GpuDeviceCount();
  if (count == 0) return absl::OkStatus();  // no GPU: CPU only
  ASSIGN_OR_RETURN(std::vector<int> ordinals,
                   ParseVisibleDeviceList(options.gpu.visible_device_list,
                                          count));
  for (size_t i = 0; i < ordinals.size(); ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<GpuDevice> device,
                     GpuDevice::Create(static_cast<int>(i), ordinals[i],
                                       options.gpu));
    devices->push_back(std::move(device));
  }
  return absl::OkStatus();
}

REGISTER_LOCAL_DEVICE_FACTORY("GPU", GpuDeviceFactory);

}  // namespace tessera
