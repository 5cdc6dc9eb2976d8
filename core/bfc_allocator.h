// BfcAllocator: TensorFlow-style best-fit-with-coalescing pool allocator.
// It takes large regions from a SubAllocator (cudaMalloc, cudaHostAlloc, or
// host memory in tests) and carves them into 256-byte aligned chunks. Free
// chunks sit in size-class bins; an allocation takes the smallest free chunk
// that fits, splits off the remainder, and a free merges the chunk with its
// free neighbours, so freeing everything leaves one free chunk per region.
// Device-independent; the GPU device builds its memory pools on it.
#ifndef TESSERA_CORE_BFC_ALLOCATOR_H_
#define TESSERA_CORE_BFC_ALLOCATOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/allocator.h"

namespace tessera {

// Where a pool's regions come from. Alloc returns nullptr on failure.
class SubAllocator {
 public:
  virtual ~SubAllocator() = default;
  virtual void* Alloc(size_t alignment, size_t num_bytes) = 0;
  virtual void Free(void* ptr, size_t num_bytes) = 0;
};

// Host memory (aligned_alloc): for tests and host pools.
class HostSubAllocator : public SubAllocator {
 public:
  void* Alloc(size_t alignment, size_t num_bytes) override;
  void Free(void* ptr, size_t num_bytes) override;
};

class BfcAllocator : public Allocator {
 public:
  static constexpr size_t kMinAllocationSize = 256;  // also the alignment
  static constexpr int kNumBins = 21;                // 256 B .. 256 MiB+
  // First region under allow_growth; later ones double.
  static constexpr size_t kInitialGrowthRegion = size_t{2} << 20;

  struct Options {
    // Grow regions on demand (2 MiB, then doubling) instead of reserving
    // `memory_limit` at construction.
    bool allow_growth = true;
    std::string name = "bfc";
  };

  // Never holds more than `memory_limit` bytes of regions (> 0).
  BfcAllocator(std::unique_ptr<SubAllocator> sub_allocator,
               size_t memory_limit, Options options);
  ~BfcAllocator() override;  // returns every region to the sub-allocator
  BfcAllocator(const BfcAllocator&) = delete;
  BfcAllocator& operator=(const BfcAllocator&) = delete;

  std::string Name() const override { return options_.name; }
  // nullptr when `alignment` exceeds 256 or the memory cannot be had. A
  // zero-byte request gets a (256-byte) chunk, so zero-element tensors are
  // ordinary buffers.
  void* AllocateRaw(size_t alignment, size_t num_bytes) override;
  // Unknown pointers are reported on stderr and ignored.
  void DeallocateRaw(void* ptr, size_t num_bytes) override;
  AllocatorStats GetStats() const override;
  std::string OomDebugString() const override;

  // Chunk bytes behind an allocated pointer (0 if not allocated here).
  size_t AllocatedSize(const void* ptr) const;

  // A consistent picture of the pool, for tests and dumps.
  struct ChunkInfo {
    uintptr_t ptr;
    size_t size;
    size_t requested;  // 0 for free chunks
    bool in_use;
    int bin;  // -1 for chunks in use
  };
  struct RegionInfo {
    uintptr_t ptr;
    size_t size;
    std::vector<ChunkInfo> chunks;  // in address order, tiling the region
  };
  struct BinInfo {
    int64_t num_chunks = 0;
    int64_t total_bytes = 0;
  };
  struct Snapshot {
    std::vector<RegionInfo> regions;
    std::array<BinInfo, kNumBins> bins;
    AllocatorStats stats;
  };
  Snapshot TakeSnapshot() const;
  // Stats, bins, and up to `max_chunks` chunks per region.
  std::string DebugString(int max_chunks = 32) const;

  static int BinForSize(size_t bytes);
  static size_t BinMinSize(int bin) { return kMinAllocationSize << bin; }

 private:
  using ChunkHandle = int64_t;
  static constexpr ChunkHandle kInvalidChunk = -1;

  struct Chunk {
    char* ptr = nullptr;
    size_t size = 0;
    size_t requested = 0;
    bool in_use = false;
    int bin = -1;  // bin while free
    ChunkHandle prev = kInvalidChunk;  // address-order neighbours within
    ChunkHandle next = kInvalidChunk;  // the same region
  };
  // Free chunks of a bin, ordered by (size, address): best fit first.
  struct FreeKey {
    size_t size;
    uintptr_t ptr;
    ChunkHandle handle;
    bool operator<(const FreeKey& o) const {
      return size != o.size ? size < o.size : ptr < o.ptr;
    }
  };
  struct Region {
    char* ptr;
    size_t size;
    ChunkHandle first;
  };

  ChunkHandle NewChunk() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteChunk(ChunkHandle h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InsertFree(ChunkHandle h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveFree(ChunkHandle h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ChunkHandle FindFree(size_t rounded) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Split(ChunkHandle h, size_t rounded) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Merges h's successor into h (both free, out of the bins).
  void MergeNext(ChunkHandle h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Extend(size_t rounded) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Snapshot SnapshotLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<SubAllocator> sub_allocator_;
  const size_t memory_limit_;
  const Options options_;

  mutable absl::Mutex mu_;
  std::vector<Chunk> chunks_ ABSL_GUARDED_BY(mu_);
  std::vector<ChunkHandle> free_handles_ ABSL_GUARDED_BY(mu_);
  std::array<std::set<FreeKey>, kNumBins> bins_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<const void*, ChunkHandle> in_use_ ABSL_GUARDED_BY(mu_);
  std::vector<Region> regions_ ABSL_GUARDED_BY(mu_);
  size_t next_region_size_ ABSL_GUARDED_BY(mu_);
  AllocatorStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera

#endif  // TESSERA_CORE_BFC_ALLOCATOR_H_
