#include "runtime/gpu/gpu_process_state.h"

#include <algorithm>
#include <map>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "core/gpu/gpu_status.h"
#include "core/status.h"

namespace tessera {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kPinnedHostLimit = size_t{64} << 30;

// Runs with `ordinal` as the calling thread's current device, restoring the
// previous one: pool growth may happen on any executor thread.
class ScopedDevice {
 public:
  explicit ScopedDevice(int ordinal) {
    if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
    if (previous_ != ordinal) cudaSetDevice(ordinal);
  }
  ~ScopedDevice() {
    if (previous_ >= 0) cudaSetDevice(previous_);
  }

 private:
  int previous_ = -1;
};

absl::Status CreateResources(int ordinal, const GpuOptions& options,
                             GpuResources* r) {
  const std::string where = absl::StrCat("GPU ", ordinal);
  r->cuda_ordinal = ordinal;
  CUDA_RETURN_IF_ERROR(cudaSetDevice(ordinal), where);
  cudaDeviceProp prop;
  CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, ordinal), where);
  r->multiprocessor_count = prop.multiProcessorCount;
  r->description = absl::StrCat(prop.name, ", compute capability ",
                                prop.major, ".", prop.minor);
  size_t free = 0, total = 0;
  CUDA_RETURN_IF_ERROR(cudaMemGetInfo(&free, &total), where);
  r->total_memory = total;
  ASSIGN_OR_RETURN(size_t limit, GpuMemoryLimit(options, free, total));
  // Non-blocking: no implicit sync with the legacy default stream, which
  // Tessera never uses.
  for (cudaStream_t* s : {&r->compute_stream, &r->host_to_device_stream,
                          &r->device_to_host_stream}) {
    CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(s, cudaStreamNonBlocking),
                         where);
  }
  CUDA_RETURN_IF_ERROR(cublasCreate(&r->cublas), where);
  CUDA_RETURN_IF_ERROR(cublasSetStream(r->cublas, r->compute_stream), where);
  CUDA_RETURN_IF_ERROR(cudnnCreate(&r->cudnn), where);
  CUDA_RETURN_IF_ERROR(cudnnSetStream(r->cudnn, r->compute_stream), where);
  BfcAllocator::Options bfc;
  bfc.allow_growth = options.allow_growth;
  bfc.name = absl::StrCat("GPU_", ordinal, "_bfc");
  r->device_allocator = new BfcAllocator(
      std::make_unique<GpuMemorySubAllocator>(ordinal), limit, bfc);
  return absl::OkStatus();
}

}  // namespace

void* GpuMemorySubAllocator::Alloc(size_t alignment, size_t num_bytes) {
  if (alignment > 256) return nullptr;  // cudaMalloc aligns to 256
  ScopedDevice device(ordinal_);
  void* ptr = nullptr;
  if (cudaMalloc(&ptr, num_bytes) != cudaSuccess) {
    cudaGetLastError();  // out of memory is not sticky: clear it
    return nullptr;
  }
  return ptr;
}

void GpuMemorySubAllocator::Free(void* ptr, size_t) {
  ScopedDevice device(ordinal_);
  cudaFree(ptr);
}

void* PinnedHostSubAllocator::Alloc(size_t alignment, size_t num_bytes) {
  if (alignment > 4096) return nullptr;  // cudaHostAlloc is page-aligned
  void* ptr = nullptr;
  if (cudaHostAlloc(&ptr, num_bytes, cudaHostAllocPortable) != cudaSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return ptr;
}

void PinnedHostSubAllocator::Free(void* ptr, size_t) { cudaFreeHost(ptr); }

int GpuDeviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // no driver / no device: a CPU-only machine
    return 0;
  }
  return count;
}

absl::StatusOr<std::vector<int>> ParseVisibleDeviceList(
    const std::string& list, int device_count) {
  std::vector<int> ids;
  if (list.empty()) {
    for (int i = 0; i < device_count; ++i) ids.push_back(i);
    return ids;
  }
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    int id = -1;
    if (!absl::SimpleAtoi(part, &id) || id < 0 || id >= device_count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "visible_device_list \"", list, "\": \"", part,
          "\" is not a GPU id in [0, ", device_count, ")"));
    }
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "visible_device_list \"", list, "\": GPU ", id, " listed twice"));
    }
    ids.push_back(id);
  }
  return ids;
}

absl::StatusOr<size_t> GpuMemoryLimit(const GpuOptions& options, size_t free,
                                      size_t total) {
  double fraction = options.per_process_gpu_memory_fraction;
  if (fraction < 0 || fraction > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "per_process_gpu_memory_fraction ", fraction,
        " is outside [0, 1] (values above 1, TF's unified memory, are not "
        "supported)"));
  }
  if (fraction > 0) return static_cast<size_t>(total * fraction);
  size_t reserve = std::max(free / 20, 256 * kMiB);
  if (free <= reserve) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "only ", free, " bytes of GPU memory are free (of ", total,
        "); at least ", reserve, " are kept for the CUDA context"));
  }
  return free - reserve;
}

absl::StatusOr<GpuResources*> GetGpuResources(int cuda_ordinal,
                                              const GpuOptions& options) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* all = new std::map<int, GpuResources*>;  // never destroyed
  absl::MutexLock lock(&mu);
  auto it = all->find(cuda_ordinal);
  if (it != all->end()) return it->second;
  auto r = std::make_unique<GpuResources>();
  // A failure part-way leaks what was created: it is reported once and the
  // GPU is then unusable anyway.
  RETURN_IF_ERROR(CreateResources(cuda_ordinal, options, r.get()));
  return (*all)[cuda_ordinal] = r.release();
}

Allocator* GpuPinnedHostAllocator() {
  static Allocator* pinned = [] {
    BfcAllocator::Options o;
    o.allow_growth = true;
    o.name = "gpu_host_bfc";
    return new BfcAllocator(std::make_unique<PinnedHostSubAllocator>(),
                            kPinnedHostLimit, o);
  }();
  return pinned;
}

}  // namespace tessera
