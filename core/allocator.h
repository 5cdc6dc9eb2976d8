// Allocator interface; every Tensor buffer comes from one. The CPU allocator
// hands out 64-byte aligned memory (one cache line, one AVX-512 vector).
#ifndef TESSERA_CORE_ALLOCATOR_H_
#define TESSERA_CORE_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera {

inline constexpr size_t kAllocatorAlignment = 64;

struct AllocatorStats {
  int64_t num_allocs = 0;
  int64_t bytes_in_use = 0;
  int64_t peak_bytes_in_use = 0;
  int64_t bytes_limit = 0;  // 0: no limit
  int64_t largest_alloc_size = 0;
  // Memory held from the system (pool allocators; else 0).
  int64_t bytes_reserved = 0;
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual std::string Name() const = 0;
  // Returns nullptr when the memory cannot be had (never throws or aborts).
  virtual void* AllocateRaw(size_t alignment, size_t num_bytes) = 0;
  virtual void DeallocateRaw(void* ptr, size_t num_bytes) = 0;
  virtual AllocatorStats GetStats() const { return {}; }
  // Extra detail for out-of-memory errors (a pool's bins); "" if none.
  virtual std::string OomDebugString() const { return ""; }
};

// Process-wide CPU allocator (thread-safe, keeps statistics).
Allocator* CpuAllocator();

// A CPU allocator that refuses allocations past `bytes_limit` bytes in use;
// used for per-session memory caps and to test allocation failures.
class LimitedCpuAllocator : public Allocator {
 public:
  explicit LimitedCpuAllocator(int64_t bytes_limit) : limit_(bytes_limit) {}
  std::string Name() const override { return "cpu_limited"; }
  void* AllocateRaw(size_t alignment, size_t num_bytes) override;
  void DeallocateRaw(void* ptr, size_t num_bytes) override;
  AllocatorStats GetStats() const override;

 private:
  const int64_t limit_;
  std::atomic<int64_t> in_use_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> num_allocs_{0};
};

}  // namespace tessera

#endif  // TESSERA_CORE_ALLOCATOR_H_
