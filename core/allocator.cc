#include "core/allocator.h"

#include <cstdlib>

namespace tessera {
namespace {

void* AlignedAlloc(size_t alignment, size_t num_bytes) {
  if (alignment < kAllocatorAlignment) alignment = kAllocatorAlignment;
  // aligned_alloc wants a size that is a multiple of the alignment.
  size_t rounded = (num_bytes + alignment - 1) / alignment * alignment;
  if (rounded == 0) rounded = alignment;
  if (rounded < num_bytes) return nullptr;  // overflow
  return std::aligned_alloc(alignment, rounded);
}

void UpdatePeak(std::atomic<int64_t>& peak, int64_t value) {
  int64_t old = peak.load(std::memory_order_relaxed);
  while (value > old &&
         !peak.compare_exchange_weak(old, value, std::memory_order_relaxed)) {
  }
}

class BasicCpuAllocator : public Allocator {
 public:
  std::string Name() const override { return "cpu"; }
  void* AllocateRaw(size_t alignment, size_t num_bytes) override {
    void* p = AlignedAlloc(alignment, num_bytes);
    if (p != nullptr) {
      num_allocs_.fetch_add(1, std::memory_order_relaxed);
      int64_t now = in_use_.fetch_add(num_bytes, std::memory_order_relaxed) +
                    static_cast<int64_t>(num_bytes);
      UpdatePeak(peak_, now);
    }
    return p;
  }
  void DeallocateRaw(void* ptr, size_t num_bytes) override {
    if (ptr == nullptr) return;
    in_use_.fetch_sub(num_bytes, std::memory_order_relaxed);
    std::free(ptr);
  }
  AllocatorStats GetStats() const override {
    AllocatorStats s;
    s.num_allocs = num_allocs_.load();
    s.bytes_in_use = in_use_.load();
    s.peak_bytes_in_use = peak_.load();
    return s;
  }

 private:
  std::atomic<int64_t> in_use_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> num_allocs_{0};
};

}  // namespace

Allocator* CpuAllocator() {
  static Allocator* allocator = new BasicCpuAllocator;
  return allocator;
}

void* LimitedCpuAllocator::AllocateRaw(size_t alignment, size_t num_bytes) {
  int64_t now = in_use_.fetch_add(num_bytes) + static_cast<int64_t>(num_bytes);
  if (now > limit_) {
    in_use_.fetch_sub(num_bytes);
    return nullptr;
  }
  void* p = AlignedAlloc(alignment, num_bytes);
  if (p == nullptr) {
    in_use_.fetch_sub(num_bytes);
    return nullptr;
  }
  num_allocs_.fetch_add(1);
  UpdatePeak(peak_, now);
  return p;
}

void LimitedCpuAllocator::DeallocateRaw(void* ptr, size_t num_bytes) {
  if (ptr == nullptr) return;
  in_use_.fetch_sub(num_bytes);
  std::free(ptr);
}

AllocatorStats LimitedCpuAllocator::GetStats() const {
  AllocatorStats s;
  s.num_allocs = num_allocs_.load();
  s.bytes_in_use = in_use_.load();
  s.peak_bytes_in_use = peak_.load();
  s.bytes_limit = limit_;
  return s;
}

}  // namespace tessera
