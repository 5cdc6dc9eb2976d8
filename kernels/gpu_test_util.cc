#include "kernels/gpu_test_util.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "core/op_registry.h"
#include "core/status.h"

namespace tessera {
namespace {

absl::Status Cuda(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, " failed: ",
                                          cudaGetErrorName(e), " (",
                                          cudaGetErrorString(e), ")"));
}

// cudaMalloc per tensor. New memory is filled with 0xFF bytes (NaN for
// floats) so that output elements a kernel forgets to write show up.
class CudaMallocAllocator : public Allocator {
 public:
  std::string Name() const override { return "gpu_test_cudamalloc"; }
  void* AllocateRaw(size_t, size_t num_bytes) override {
    void* p = nullptr;
    if (cudaMalloc(&p, std::max<size_t>(num_bytes, 1)) != cudaSuccess) {
      return nullptr;
    }
    if (num_bytes > 0) cudaMemset(p, 0xFF, num_bytes);
    ++num_allocs_;
    return p;
  }
  void DeallocateRaw(void* ptr, size_t) override { cudaFree(ptr); }
  AllocatorStats GetStats() const override {
    AllocatorStats s;
    s.num_allocs = num_allocs_;
    return s;
  }

 private:
  std::atomic<int64_t> num_allocs_{0};
};

bool IsCopyable(DataType dt) {
  return dt != DT_STRING && dt != DT_RESOURCE && dt != DT_VARIANT;
}

}  // namespace

bool GpuAvailable() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

TestGpuDevice::TestGpuDevice(int ordinal)
    : Device(absl::StrCat("/job:localhost/replica:0/task:0/device:GPU:",
                          ordinal),
             kDeviceGpu),
      allocator_(std::make_unique<CudaMallocAllocator>()) {}

absl::StatusOr<std::unique_ptr<TestGpuDevice>> TestGpuDevice::Create(
    int ordinal, bool allow_tf32) {
  RETURN_IF_ERROR(Cuda(cudaSetDevice(ordinal), "cudaSetDevice"));
  std::unique_ptr<TestGpuDevice> d(new TestGpuDevice(ordinal));
  GpuContext& c = d->context_;
  c.device_ordinal = ordinal;
  c.allow_tf32 = allow_tf32;
  c.device_allocator = d->allocator_.get();
  RETURN_IF_ERROR(Cuda(cudaDeviceGetAttribute(&c.multiprocessor_count,
                                              cudaDevAttrMultiProcessorCount,
                                              ordinal),
                       "cudaDeviceGetAttribute"));
  RETURN_IF_ERROR(Cuda(cudaStreamCreate(&c.compute_stream), "cudaStreamCreate"));
  if (cublasCreate(&c.cublas) != CUBLAS_STATUS_SUCCESS ||
      cublasSetStream(c.cublas, c.compute_stream) != CUBLAS_STATUS_SUCCESS) {
    return absl::InternalError("cublasCreate / cublasSetStream failed");
  }
  if (cudnnCreate(&c.cudnn) != CUDNN_STATUS_SUCCESS ||
      cudnnSetStream(c.cudnn, c.compute_stream) != CUDNN_STATUS_SUCCESS) {
    return absl::InternalError("cudnnCreate / cudnnSetStream failed");
  }
  return d;
}

TestGpuDevice::~TestGpuDevice() {
  if (context_.compute_stream != nullptr) {
    cudaStreamSynchronize(context_.compute_stream);
  }
  if (context_.cudnn != nullptr) cudnnDestroy(context_.cudnn);
  if (context_.cublas != nullptr) cublasDestroy(context_.cublas);
  if (context_.compute_stream != nullptr) {
    cudaStreamDestroy(context_.compute_stream);
  }
}

absl::Status TestGpuDevice::Sync() {
  return Cuda(cudaStreamSynchronize(context_.compute_stream),
              "cudaStreamSynchronize (a kernel failed on the device)");
}

absl::StatusOr<Tensor> TestGpuDevice::CopyFromHost(const Tensor& host) {
  if (!IsCopyable(host.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot copy a ", DataTypeString(host.dtype()), " tensor to the GPU"));
  }
  ASSIGN_OR_RETURN(Tensor dev,
                   Tensor::Allocate(allocator(), host.dtype(), host.shape()));
  if (host.TotalBytes() > 0) {
    RETURN_IF_ERROR(Cuda(cudaMemcpyAsync(dev.raw_data(), host.raw_data(),
                                         host.TotalBytes(),
                                         cudaMemcpyHostToDevice,
                                         context_.compute_stream),
                         "cudaMemcpyAsync to device"));
  }
  RETURN_IF_ERROR(Sync());
  return dev;
}

absl::StatusOr<Tensor> TestGpuDevice::CopyToHost(const Tensor& device_tensor) {
  RETURN_IF_ERROR(Sync());
  if (!IsCopyable(device_tensor.dtype())) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot copy a ", DataTypeString(device_tensor.dtype()),
                     " tensor from the GPU"));
  }
  ASSIGN_OR_RETURN(Tensor host, Tensor::Allocate(CpuAllocator(),
                                                 device_tensor.dtype(),
                                                 device_tensor.shape()));
  if (host.TotalBytes() > 0) {
    RETURN_IF_ERROR(Cuda(cudaMemcpy(host.raw_data(), device_tensor.raw_data(),
                                    host.TotalBytes(), cudaMemcpyDeviceToHost),
                         "cudaMemcpy to host"));
  }
  return host;
}

namespace {

// Flat input (or output) indices of the args named in `host_args`.
absl::StatusOr<std::set<int>> HostIndices(
    const google::protobuf::RepeatedPtrField<OpDef::ArgDef>& arg_defs,
    const NodeDef& def, const std::vector<std::string>& host_args) {
  std::set<int> out;
  int index = 0;
  for (const OpDef::ArgDef& arg : arg_defs) {
    ASSIGN_OR_RETURN(int count, ArgCount(arg, def));
    const bool host = std::find(host_args.begin(), host_args.end(),
                                arg.name()) != host_args.end();
    for (int i = 0; i < count; ++i, ++index) {
      if (host) out.insert(index);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> RunKernel(
    Device* device, const std::string& op, const AttrValueMap& attrs,
    const std::vector<std::vector<Tensor>>& args,
    ResourceMgr* resource_manager) {
  ASSIGN_OR_RETURN(const OpRegistration* reg, OpRegistry::Global()->LookUp(op));
  NodeDef def;
  def.set_name(absl::StrCat("test_", op));
  def.set_op(op);
  *def.mutable_attr() = attrs;
  std::vector<std::vector<DataType>> arg_types;
  for (const auto& arg : args) {
    arg_types.emplace_back();
    for (const Tensor& t : arg) arg_types.back().push_back(t.dtype());
  }
  RETURN_IF_ERROR(InferAttrsFromInputs(reg->op_def, arg_types, &def));
  AddDefaultAttrs(reg->op_def, &def);
  RETURN_IF_ERROR(ValidateAttrs(reg->op_def, def));
  ASSIGN_OR_RETURN(const KernelDef* kdef,
                   KernelRegistry::Global()->Find(device->device_type(), def));
  ASSIGN_OR_RETURN(std::set<int> host_in,
                   HostIndices(reg->op_def.input_arg(), def,
                               kdef->host_memory_args));
  ASSIGN_OR_RETURN(std::set<int> host_out,
                   HostIndices(reg->op_def.output_arg(), def,
                               kdef->host_memory_args));
  ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel,
                   KernelRegistry::Global()->CreateKernel(device, def,
                                                          reg->op_def));
  std::vector<Tensor> inputs;
  for (const auto& arg : args) {
    for (const Tensor& t : arg) {
      const int i = static_cast<int>(inputs.size());
      if (host_in.count(i) > 0) {
        inputs.push_back(t);
      } else {
        ASSIGN_OR_RETURN(Tensor d, device->CopyFromHost(t));
        inputs.push_back(std::move(d));
      }
    }
  }
  if (static_cast<int>(inputs.size()) != kernel->num_inputs()) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, " expects ", kernel->num_inputs(), " inputs, got ", inputs.size()));
  }
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : inputs) ptrs.push_back(&t);
  OpKernelContext::Params params;
  params.device = device;
  params.op_kernel = kernel.get();
  params.inputs = ptrs.data();
  params.num_inputs = static_cast<int>(ptrs.size());
  params.resource_manager = resource_manager;
  std::vector<Tensor> outputs(kernel->num_outputs());
  OpKernelContext ctx(&params, outputs.data());
  kernel->Compute(&ctx);
  RETURN_IF_ERROR(ctx.status());
  RETURN_IF_ERROR(device->Sync());
  for (int i = 0; i < kernel->num_outputs(); ++i) {
    if (host_out.count(i) > 0) continue;
    ASSIGN_OR_RETURN(outputs[i], device->CopyToHost(outputs[i]));
  }
  return outputs;
}

}  // namespace tessera
