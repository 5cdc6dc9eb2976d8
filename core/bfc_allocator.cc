#include "core/bfc_allocator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace tessera {
namespace {

constexpr size_t kMin = BfcAllocator::kMinAllocationSize;

size_t RoundUp(size_t n) { return (n + kMin - 1) / kMin * kMin; }
size_t RoundDown(size_t n) { return n / kMin * kMin; }

}  // namespace

void* HostSubAllocator::Alloc(size_t alignment, size_t num_bytes) {
  if (alignment < kAllocatorAlignment) alignment = kAllocatorAlignment;
  size_t rounded = (num_bytes + alignment - 1) / alignment * alignment;
  if (rounded < num_bytes || rounded == 0) return nullptr;
  return std::aligned_alloc(alignment, rounded);
}

void HostSubAllocator::Free(void* ptr, size_t) { std::free(ptr); }

BfcAllocator::BfcAllocator(std::unique_ptr<SubAllocator> sub_allocator,
                           size_t memory_limit, Options options)
    : sub_allocator_(std::move(sub_allocator)),
      memory_limit_(RoundDown(memory_limit)),
      options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  stats_.bytes_limit = static_cast<int64_t>(memory_limit_);
  if (options_.allow_growth) {
    next_region_size_ = std::min(kInitialGrowthRegion, memory_limit_);
    if (next_region_size_ == 0) next_region_size_ = kMin;
  } else {
    // Reserve the whole pool now (backing off if the sub-allocator cannot
    // provide it all, as TF does); allocations then never grow it.
    next_region_size_ = std::max(memory_limit_, kMin);
    if (memory_limit_ > 0) Extend(kMin);
  }
}

BfcAllocator::~BfcAllocator() {
  absl::MutexLock lock(&mu_);
  if (!in_use_.empty()) {
    std::fprintf(stderr,
                 "BfcAllocator %s destroyed with %zu chunks (%lld bytes) "
                 "still allocated\n",
                 options_.name.c_str(), in_use_.size(),
                 static_cast<long long>(stats_.bytes_in_use));
  }
  for (const Region& r : regions_) sub_allocator_->Free(r.ptr, r.size);
}

int BfcAllocator::BinForSize(size_t bytes) {
  uint64_t v = static_cast<uint64_t>(bytes) / kMin;
  if (v == 0) return 0;
  int b = 63 - __builtin_clzll(v);
  return std::min(b, kNumBins - 1);
}

BfcAllocator::ChunkHandle BfcAllocator::NewChunk() {
  if (!free_handles_.empty()) {
    ChunkHandle h = free_handles_.back();
    free_handles_.pop_back();
    chunks_[h] = Chunk();
    return h;
  }
  chunks_.emplace_back();
  return static_cast<ChunkHandle>(chunks_.size() - 1);
}

void BfcAllocator::DeleteChunk(ChunkHandle h) {
  chunks_[h] = Chunk();
  free_handles_.push_back(h);
}

void BfcAllocator::InsertFree(ChunkHandle h) {
  Chunk& c = chunks_[h];
  c.bin = BinForSize(c.size);
  bins_[c.bin].insert({c.size, reinterpret_cast<uintptr_t>(c.ptr), h});
}

void BfcAllocator::RemoveFree(ChunkHandle h) {
  Chunk& c = chunks_[h];
  bins_[c.bin].erase({c.size, reinterpret_cast<uintptr_t>(c.ptr), h});
  c.bin = -1;
}

BfcAllocator::ChunkHandle BfcAllocator::FindFree(size_t rounded) {
  // Bins below rounded's hold only smaller chunks; within a bin the set is
  // ordered by size, so the first fit found is the best fit overall.
  for (int b = BinForSize(rounded); b < kNumBins; ++b) {
    auto it = bins_[b].lower_bound({rounded, 0, kInvalidChunk});
    if (it != bins_[b].end()) return it->handle;
  }
  return kInvalidChunk;
}

void BfcAllocator::Split(ChunkHandle h, size_t rounded) {
  ChunkHandle r = NewChunk();  // may move chunks_: index, don't hold refs
  chunks_[r].ptr = chunks_[h].ptr + rounded;
  chunks_[r].size = chunks_[h].size - rounded;
  chunks_[h].size = rounded;
  chunks_[r].prev = h;
  chunks_[r].next = chunks_[h].next;
  if (chunks_[h].next != kInvalidChunk) chunks_[chunks_[h].next].prev = r;
  chunks_[h].next = r;
  InsertFree(r);
}

void BfcAllocator::MergeNext(ChunkHandle h) {
  ChunkHandle n = chunks_[h].next;
  chunks_[h].size += chunks_[n].size;
  chunks_[h].next = chunks_[n].next;
  if (chunks_[n].next != kInvalidChunk) chunks_[chunks_[n].next].prev = h;
  DeleteChunk(n);
}

bool BfcAllocator::Extend(size_t rounded) {
  size_t reserved = static_cast<size_t>(stats_.bytes_reserved);
  if (reserved >= memory_limit_) return false;
  size_t available = RoundDown(memory_limit_ - reserved);
  if (rounded > available) return false;
  size_t bytes = next_region_size_;
  while (bytes < rounded && bytes <= available / 2) bytes *= 2;
  bytes = std::clamp(bytes, rounded, available);
  void* mem = sub_allocator_->Alloc(kMin, bytes);
  // The sub-allocator may hold less than the limit (a GPU shared with other
  // processes): back off by 10% down to the request.
  while (mem == nullptr && bytes > rounded) {
    bytes = std::max(rounded, RoundDown(bytes / 10 * 9));
    mem = sub_allocator_->Alloc(kMin, bytes);
  }
  if (mem == nullptr) return false;
  if (next_region_size_ <= memory_limit_ / 2) next_region_size_ *= 2;
  ChunkHandle h = NewChunk();
  chunks_[h].ptr = static_cast<char*>(mem);
  chunks_[h].size = bytes;
  regions_.push_back({static_cast<char*>(mem), bytes, h});
  stats_.bytes_reserved += static_cast<int64_t>(bytes);
  InsertFree(h);
  return true;
}

void* BfcAllocator::AllocateRaw(size_t alignment, size_t num_bytes) {
  if (alignment > kMin || num_bytes > SIZE_MAX - kMin) return nullptr;
  size_t rounded = RoundUp(std::max<size_t>(num_bytes, 1));
  absl::MutexLock lock(&mu_);
  ChunkHandle h = FindFree(rounded);
  if (h == kInvalidChunk) {
    if (!Extend(rounded)) return nullptr;
    h = FindFree(rounded);
    if (h == kInvalidChunk) return nullptr;
  }
  RemoveFree(h);
  if (chunks_[h].size - rounded >= kMin) Split(h, rounded);
  Chunk& c = chunks_[h];
  c.in_use = true;
  c.requested = num_bytes;
  in_use_[c.ptr] = h;
  int64_t size = static_cast<int64_t>(c.size);
  stats_.num_allocs++;
  stats_.bytes_in_use += size;
  stats_.peak_bytes_in_use =
      std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  stats_.largest_alloc_size = std::max(stats_.largest_alloc_size, size);
  return c.ptr;
}

void BfcAllocator::DeallocateRaw(void* ptr, size_t num_bytes) {
  if (ptr == nullptr) return;
  absl::MutexLock lock(&mu_);
  auto it = in_use_.find(ptr);
  if (it == in_use_.end()) {
    std::fprintf(stderr,
                 "BfcAllocator %s: ignoring free of %p (%zu bytes), which it "
                 "did not allocate or already freed\n",
                 options_.name.c_str(), ptr, num_bytes);
    return;
  }
  ChunkHandle h = it->second;
  in_use_.erase(it);
  chunks_[h].in_use = false;
  chunks_[h].requested = 0;
  stats_.bytes_in_use -= static_cast<int64_t>(chunks_[h].size);
  ChunkHandle next = chunks_[h].next;
  if (next != kInvalidChunk && !chunks_[next].in_use) {
    RemoveFree(next);
    MergeNext(h);
  }
  ChunkHandle prev = chunks_[h].prev;
  if (prev != kInvalidChunk && !chunks_[prev].in_use) {
    RemoveFree(prev);
    MergeNext(prev);
    h = prev;
  }
  InsertFree(h);
}

AllocatorStats BfcAllocator::GetStats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

size_t BfcAllocator::AllocatedSize(const void* ptr) const {
  absl::MutexLock lock(&mu_);
  auto it = in_use_.find(ptr);
  return it == in_use_.end() ? 0 : chunks_[it->second].size;
}

BfcAllocator::Snapshot BfcAllocator::SnapshotLocked() const {
  Snapshot s;
  s.stats = stats_;
  for (const Region& r : regions_) {
    RegionInfo info{reinterpret_cast<uintptr_t>(r.ptr), r.size, {}};
    for (ChunkHandle h = r.first; h != kInvalidChunk; h = chunks_[h].next) {
      const Chunk& c = chunks_[h];
      info.chunks.push_back({reinterpret_cast<uintptr_t>(c.ptr), c.size,
                             c.requested, c.in_use, c.bin});
    }
    s.regions.push_back(std::move(info));
  }
  for (int b = 0; b < kNumBins; ++b) {
    for (const FreeKey& k : bins_[b]) {
      s.bins[b].num_chunks++;
      s.bins[b].total_bytes += static_cast<int64_t>(k.size);
    }
  }
  return s;
}

BfcAllocator::Snapshot BfcAllocator::TakeSnapshot() const {
  absl::MutexLock lock(&mu_);
  return SnapshotLocked();
}

std::string BfcAllocator::DebugString(int max_chunks) const {
  Snapshot s = TakeSnapshot();
  int64_t chunks_in_use = 0;
  for (const RegionInfo& r : s.regions) {
    for (const ChunkInfo& c : r.chunks) chunks_in_use += c.in_use;
  }
  std::string out = absl::StrCat(
      "BfcAllocator ", options_.name, ": ", s.stats.bytes_in_use,
      " bytes in use (peak ", s.stats.peak_bytes_in_use, ") in ",
      chunks_in_use, " chunks; ", s.stats.bytes_reserved, " reserved in ",
      s.regions.size(), " regions; limit ", s.stats.bytes_limit, "\n");
  for (int b = 0; b < kNumBins; ++b) {
    if (s.bins[b].num_chunks == 0) continue;
    absl::StrAppend(&out, "  bin ", b, " (>= ", BinMinSize(b), " B): ",
                    s.bins[b].num_chunks, " free chunks, ",
                    s.bins[b].total_bytes, " bytes\n");
  }
  for (const RegionInfo& r : s.regions) {
    absl::StrAppend(&out, "  region 0x", absl::Hex(r.ptr), " ", r.size,
                    " bytes, ", r.chunks.size(), " chunks\n");
    int shown = 0;
    for (const ChunkInfo& c : r.chunks) {
      if (shown++ == max_chunks) {
        absl::StrAppend(&out, "    ...\n");
        break;
      }
      absl::StrAppend(&out, "    0x", absl::Hex(c.ptr), " ", c.size,
                      c.in_use ? absl::StrCat(" in use (requested ",
                                              c.requested, ")")
                               : absl::StrCat(" free, bin ", c.bin),
                      "\n");
    }
  }
  return out;
}

std::string BfcAllocator::OomDebugString() const {
  absl::MutexLock lock(&mu_);
  size_t largest_free = 0;
  int64_t free_chunks = 0, free_bytes = 0;
  for (int b = 0; b < kNumBins; ++b) {
    if (bins_[b].empty()) continue;
    largest_free = std::max(largest_free, bins_[b].rbegin()->size);
    free_chunks += static_cast<int64_t>(bins_[b].size());
    for (const FreeKey& k : bins_[b]) free_bytes += static_cast<int64_t>(k.size);
  }
  return absl::StrCat(
      "; pool ", options_.name, ": ", stats_.bytes_in_use, " bytes in use in ",
      in_use_.size(), " chunks, ", free_bytes, " free in ", free_chunks,
      " chunks (largest ", largest_free, "), ", stats_.bytes_reserved,
      " reserved in ", regions_.size(), " regions, limit ", memory_limit_);
}

}  // namespace tessera
