#include "core/bfc_allocator.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "core/tensor.h"

namespace tessera {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kMin = BfcAllocator::kMinAllocationSize;

size_t RoundUp(size_t n) { return (std::max<size_t>(n, 1) + kMin - 1) / kMin * kMin; }

// Host memory that counts what it hands out and refuses regions above
// `max_region` bytes.
class CountingSubAllocator : public SubAllocator {
 public:
  explicit CountingSubAllocator(size_t max_region = SIZE_MAX,
                                int64_t* outstanding = nullptr)
      : max_region_(max_region), outstanding_(outstanding) {}
  void* Alloc(size_t alignment, size_t num_bytes) override {
    if (num_bytes > max_region_) return nullptr;
    void* p = host_.Alloc(alignment, num_bytes);
    if (p != nullptr && outstanding_ != nullptr) *outstanding_ += num_bytes;
    return p;
  }
  void Free(void* ptr, size_t num_bytes) override {
    if (outstanding_ != nullptr) *outstanding_ -= num_bytes;
    host_.Free(ptr, num_bytes);
  }

 private:
  HostSubAllocator host_;
  const size_t max_region_;
  int64_t* outstanding_;
};

std::unique_ptr<BfcAllocator> MakeBfc(size_t limit, bool growth,
                                      size_t max_region = SIZE_MAX,
                                      int64_t* outstanding = nullptr) {
  BfcAllocator::Options o;
  o.allow_growth = growth;
  o.name = "test_bfc";
  return std::make_unique<BfcAllocator>(
      std::make_unique<CountingSubAllocator>(max_region, outstanding), limit,
      o);
}

// The pool's structure against what the test believes is allocated
// (pointer -> requested bytes).
void CheckInvariants(const BfcAllocator& a,
                     const std::map<uintptr_t, size_t>& live) {
  BfcAllocator::Snapshot s = a.TakeSnapshot();
  int64_t reserved = 0, in_use = 0, live_seen = 0;
  std::array<BfcAllocator::BinInfo, BfcAllocator::kNumBins> bins{};
  for (const auto& r : s.regions) {
    reserved += r.size;
    ASSERT_EQ(r.ptr % kMin, 0u);
    uintptr_t at = r.ptr;
    bool prev_free = false;
    for (const auto& c : r.chunks) {
      ASSERT_EQ(c.ptr, at) << "chunks must tile their region";
      ASSERT_EQ(c.size % kMin, 0u);
      ASSERT_GT(c.size, 0u);
      at += c.size;
      if (c.in_use) {
        auto it = live.find(c.ptr);
        ASSERT_NE(it, live.end()) << "chunk in use that was never returned";
        EXPECT_EQ(c.requested, it->second);
        EXPECT_GE(c.size, RoundUp(it->second));
        // Split whenever the rest is a whole minimum chunk.
        EXPECT_LT(c.size - RoundUp(it->second), kMin);
        in_use += c.size;
        ++live_seen;
        prev_free = false;
      } else {
        ASSERT_FALSE(prev_free) << "two adjacent free chunks not coalesced";
        ASSERT_EQ(c.bin, BfcAllocator::BinForSize(c.size));
        bins[c.bin].num_chunks++;
        bins[c.bin].total_bytes += c.size;
        prev_free = true;
      }
    }
    ASSERT_EQ(at, r.ptr + r.size);
  }
  EXPECT_EQ(live_seen, static_cast<int64_t>(live.size()));
  for (int b = 0; b < BfcAllocator::kNumBins; ++b) {
    EXPECT_EQ(bins[b].num_chunks, s.bins[b].num_chunks) << "bin " << b;
    EXPECT_EQ(bins[b].total_bytes, s.bins[b].total_bytes) << "bin " << b;
  }
  EXPECT_EQ(s.stats.bytes_in_use, in_use);
  EXPECT_EQ(s.stats.bytes_reserved, reserved);
  EXPECT_LE(s.stats.bytes_reserved, s.stats.bytes_limit);
}

void ExpectFullyCoalesced(const BfcAllocator& a) {
  for (const auto& r : a.TakeSnapshot().regions) {
    ASSERT_EQ(r.chunks.size(), 1u);
    EXPECT_FALSE(r.chunks[0].in_use);
    EXPECT_EQ(r.chunks[0].size, r.size);
  }
}

TEST(BfcAllocatorTest, BinForSize) {
  EXPECT_EQ(BfcAllocator::BinForSize(256), 0);
  EXPECT_EQ(BfcAllocator::BinForSize(511), 0);
  EXPECT_EQ(BfcAllocator::BinForSize(512), 1);
  EXPECT_EQ(BfcAllocator::BinForSize(kMiB), 12);
  EXPECT_EQ(BfcAllocator::BinForSize(size_t{1} << 40),
            BfcAllocator::kNumBins - 1);
}

TEST(BfcAllocatorTest, RandomSequenceAgainstOracle) {
  int64_t outstanding = 0;
  {
    auto a = MakeBfc(256 * kMiB, /*growth=*/true, SIZE_MAX, &outstanding);
    std::mt19937 rng(1234);
    std::map<uintptr_t, size_t> live;
    std::map<uintptr_t, unsigned char> pattern;
    int64_t num_allocs = 0, peak = 0, largest = 0, in_use = 0;
    auto random_size = [&]() -> size_t {
      switch (rng() % 4) {
        case 0: return rng() % 300;               // incl. 0 and sub-256
        case 1: return rng() % 8192;
        case 2: return rng() % (256 * 1024);
        default: return rng() % (2 * kMiB);
      }
    };
    for (int step = 0; step < 4000; ++step) {
      if (live.empty() || (live.size() < 120 && rng() % 2 == 0)) {
        size_t n = random_size();
        void* p = a->AllocateRaw(64, n);
        ASSERT_NE(p, nullptr) << "step " << step << " size " << n;
        uintptr_t u = reinterpret_cast<uintptr_t>(p);
        ASSERT_EQ(u % kMin, 0u);
        ASSERT_EQ(live.count(u), 0u) << "pointer handed out twice";
        unsigned char pat = static_cast<unsigned char>(rng());
        std::memset(p, pat, n);
        live[u] = n;
        pattern[u] = pat;
        int64_t size = static_cast<int64_t>(a->AllocatedSize(p));
        ++num_allocs;
        in_use += size;
        peak = std::max(peak, in_use);
        largest = std::max(largest, size);
      } else {
        auto it = live.begin();
        std::advance(it, rng() % live.size());
        auto* p = reinterpret_cast<unsigned char*>(it->first);
        // Overlapping chunks would have clobbered each other's pattern.
        unsigned char pat = pattern[it->first];
        size_t bad = std::find_if(p, p + it->second,
                                  [pat](unsigned char b) { return b != pat; }) -
                     p;
        ASSERT_EQ(bad, it->second) << "byte " << bad << " clobbered";
        in_use -= static_cast<int64_t>(a->AllocatedSize(p));
        a->DeallocateRaw(p, it->second);
        pattern.erase(it->first);
        live.erase(it);
      }
      if (step % 97 == 0) CheckInvariants(*a, live);
      AllocatorStats st = a->GetStats();
      ASSERT_EQ(st.num_allocs, num_allocs);
      ASSERT_EQ(st.bytes_in_use, in_use);
      ASSERT_EQ(st.peak_bytes_in_use, peak);
      ASSERT_EQ(st.largest_alloc_size, largest);
      ASSERT_EQ(st.bytes_limit, static_cast<int64_t>(256 * kMiB));
    }
    CheckInvariants(*a, live);
    for (auto& [u, n] : live) a->DeallocateRaw(reinterpret_cast<void*>(u), n);
    live.clear();
    CheckInvariants(*a, live);
    ExpectFullyCoalesced(*a);
    EXPECT_EQ(a->GetStats().bytes_in_use, 0);
    EXPECT_EQ(outstanding, a->GetStats().bytes_reserved);
  }
  EXPECT_EQ(outstanding, 0) << "regions not returned on destruction";
}

TEST(BfcAllocatorTest, BestFitSplitAndCoalesce) {
  auto a = MakeBfc(kMiB, /*growth=*/false);
  ASSERT_EQ(a->TakeSnapshot().regions.size(), 1u);
  void* p1 = a->AllocateRaw(64, 1000);  // 1024
  void* p2 = a->AllocateRaw(64, 4000);  // 4096
  void* p3 = a->AllocateRaw(64, 1024);
  void* p4 = a->AllocateRaw(64, 2000);  // 2048
  void* p5 = a->AllocateRaw(64, 256);
  ASSERT_TRUE(p1 && p2 && p3 && p4 && p5);
  // Chunks are carved in address order from one region.
  EXPECT_EQ(static_cast<char*>(p2), static_cast<char*>(p1) + 1024);
  EXPECT_EQ(static_cast<char*>(p3), static_cast<char*>(p2) + 4096);
  a->DeallocateRaw(p2, 4000);
  a->DeallocateRaw(p4, 2000);
  // Best fit: 1800 -> the 2048 hole, not the 4096 one nor the big tail.
  void* q = a->AllocateRaw(64, 1800);
  EXPECT_EQ(q, p4);
  // 1024 fits in the 4096 hole and splits it: the rest follows it.
  void* r = a->AllocateRaw(64, 1024);
  EXPECT_EQ(r, p2);
  void* t = a->AllocateRaw(64, 3072);
  EXPECT_EQ(static_cast<char*>(t), static_cast<char*>(p2) + 1024);
  std::map<uintptr_t, size_t> live = {
      {reinterpret_cast<uintptr_t>(p1), 1000},
      {reinterpret_cast<uintptr_t>(r), 1024},
      {reinterpret_cast<uintptr_t>(t), 3072},
      {reinterpret_cast<uintptr_t>(p3), 1024},
      {reinterpret_cast<uintptr_t>(q), 1800},
      {reinterpret_cast<uintptr_t>(p5), 256}};
  CheckInvariants(*a, live);
  // Free the middle ones: r+t merge, then p3 joins them.
  a->DeallocateRaw(r, 1024);
  a->DeallocateRaw(t, 3072);
  a->DeallocateRaw(p3, 1024);
  live.erase(reinterpret_cast<uintptr_t>(r));
  live.erase(reinterpret_cast<uintptr_t>(t));
  live.erase(reinterpret_cast<uintptr_t>(p3));
  CheckInvariants(*a, live);
  auto chunks = a->TakeSnapshot().regions[0].chunks;
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_FALSE(chunks[1].in_use);
  EXPECT_EQ(chunks[1].size, 4096u + 1024u);
  for (void* p : {p1, q, p5}) a->DeallocateRaw(p, 0);
  ExpectFullyCoalesced(*a);
}

TEST(BfcAllocatorTest, ReserveUpFrontAndLimit) {
  auto a = MakeBfc(kMiB, /*growth=*/false);
  AllocatorStats st = a->GetStats();
  EXPECT_EQ(st.bytes_reserved, static_cast<int64_t>(kMiB));
  EXPECT_EQ(st.bytes_in_use, 0);
  void* all = a->AllocateRaw(64, kMiB);
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(a->AllocateRaw(64, 1), nullptr);
  EXPECT_EQ(a->AllocateRaw(64, 0), nullptr);
  a->DeallocateRaw(all, kMiB);
  EXPECT_EQ(a->AllocateRaw(64, kMiB + 1), nullptr);
  EXPECT_EQ(a->AllocateRaw(64, SIZE_MAX), nullptr);
  EXPECT_EQ(a->AllocateRaw(64, SIZE_MAX - 10), nullptr);
  st = a->GetStats();
  EXPECT_EQ(st.bytes_in_use, 0);
  EXPECT_EQ(st.num_allocs, 1);
  EXPECT_EQ(st.bytes_reserved, static_cast<int64_t>(kMiB));
  EXPECT_EQ(a->TakeSnapshot().regions.size(), 1u);
}

TEST(BfcAllocatorTest, GrowthDoublesRegionsUpToTheLimit) {
  int64_t outstanding = 0;
  auto a = MakeBfc(16 * kMiB, /*growth=*/true, SIZE_MAX, &outstanding);
  EXPECT_EQ(a->GetStats().bytes_reserved, 0);
  void* p = a->AllocateRaw(64, 1024);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(2 * kMiB));
  void* q = a->AllocateRaw(64, 3 * kMiB);  // needs a second, 4 MiB region
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(6 * kMiB));
  void* r = a->AllocateRaw(64, 5 * kMiB);  // 8 MiB region
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(14 * kMiB));
  // Free: 2 MiB - 1 KiB, 1 MiB and 3 MiB tails; 2 MiB left under the limit.
  EXPECT_EQ(a->AllocateRaw(64, 3 * kMiB + 256), nullptr);
  EXPECT_EQ(a->TakeSnapshot().regions.size(), 3u);
  void* t = a->AllocateRaw(64, 3 * kMiB);  // the 8 MiB region's tail
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(14 * kMiB));
  void* s = a->AllocateRaw(64, 2 * kMiB);  // a last region, cut to the limit
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(16 * kMiB));
  EXPECT_EQ(a->AllocateRaw(64, 2 * kMiB), nullptr);
  EXPECT_EQ(outstanding, static_cast<int64_t>(16 * kMiB));
  for (void* x : {p, q, r, s, t}) a->DeallocateRaw(x, 0);
  ExpectFullyCoalesced(*a);
  // Regions are kept for reuse, not returned.
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(16 * kMiB));
  EXPECT_NE(a->AllocateRaw(64, 7 * kMiB), nullptr);
  EXPECT_EQ(a->GetStats().bytes_reserved, static_cast<int64_t>(16 * kMiB));
}

TEST(BfcAllocatorTest, BacksOffWhenTheSubAllocatorHasLess) {
  // Asked to reserve 10 MiB up front, the sub-allocator gives at most 4.
  auto a = MakeBfc(10 * kMiB, /*growth=*/false, 4 * kMiB);
  AllocatorStats st = a->GetStats();
  EXPECT_GT(st.bytes_reserved, static_cast<int64_t>(3 * kMiB));
  EXPECT_LE(st.bytes_reserved, static_cast<int64_t>(4 * kMiB));
  void* p = a->AllocateRaw(64, 3 * kMiB);
  EXPECT_NE(p, nullptr);
  // More than any region it can get: nullptr, not an abort.
  EXPECT_EQ(a->AllocateRaw(64, 5 * kMiB), nullptr);
  a->DeallocateRaw(p, 0);
}

TEST(BfcAllocatorTest, AlignmentZeroBytesAndBadFrees) {
  auto a = MakeBfc(kMiB, /*growth=*/true);
  EXPECT_EQ(a->AllocateRaw(512, 10), nullptr);
  void* z1 = a->AllocateRaw(256, 0);
  void* z2 = a->AllocateRaw(1, 0);
  ASSERT_NE(z1, nullptr);
  ASSERT_NE(z2, nullptr);
  EXPECT_NE(z1, z2);
  EXPECT_EQ(a->AllocatedSize(z1), kMin);
  AllocatorStats before = a->GetStats();
  int local = 0;
  a->DeallocateRaw(&local, 4);                           // not ours
  a->DeallocateRaw(static_cast<char*>(z1) + 128, 0);     // not a chunk start
  a->DeallocateRaw(nullptr, 0);
  a->DeallocateRaw(z1, 0);
  a->DeallocateRaw(z1, 0);                               // double free
  AllocatorStats after = a->GetStats();
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use - static_cast<int64_t>(kMin));
  EXPECT_EQ(a->AllocatedSize(z1), 0u);
  a->DeallocateRaw(z2, 0);
  ExpectFullyCoalesced(*a);
}

TEST(BfcAllocatorTest, TensorsAndOutOfMemoryMessage) {
  auto a = MakeBfc(kMiB, /*growth=*/true);
  auto empty = Tensor::Allocate(a.get(), DT_FLOAT, TensorShape({0, 3}));
  ASSERT_TRUE(empty.ok()) << empty.status();
  auto t = Tensor::Allocate(a.get(), DT_DOUBLE, TensorShape({100}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->raw_data()) % kMin, 0u);
  auto big = Tensor::Allocate(a.get(), DT_FLOAT, TensorShape({1024, 1024}));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("pool test_bfc"), std::string::npos)
      << big.status();
  EXPECT_NE(big.status().message().find("limit 1048576"), std::string::npos);
  std::string dump = a->DebugString();
  EXPECT_NE(dump.find("bin "), std::string::npos) << dump;
  EXPECT_NE(dump.find("in use (requested 800)"), std::string::npos) << dump;
}

TEST(BfcAllocatorTest, MultithreadedStress) {
  int64_t outstanding = 0;
  auto a = MakeBfc(256 * kMiB, /*growth=*/true, SIZE_MAX, &outstanding);
  constexpr int kThreads = 8, kSteps = 3000;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::vector<std::pair<unsigned char*, size_t>> mine;
      for (int i = 0; i < kSteps; ++i) {
        if (mine.empty() || rng() % 2 == 0) {
          size_t n = rng() % (rng() % 8 == 0 ? 512 * 1024 : 4096);
          auto* p = static_cast<unsigned char*>(a->AllocateRaw(64, n));
          if (p == nullptr) { ++failures[t]; continue; }
          std::memset(p, t + 1, n);
          mine.emplace_back(p, n);
        } else {
          size_t k = rng() % mine.size();
          auto [p, n] = mine[k];
          for (size_t j = 0; j < n; ++j) {
            if (p[j] != t + 1) { ++failures[t]; break; }
          }
          a->DeallocateRaw(p, n);
          mine[k] = mine.back();
          mine.pop_back();
        }
      }
      for (auto [p, n] : mine) a->DeallocateRaw(p, n);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << t;
  AllocatorStats st = a->GetStats();
  EXPECT_EQ(st.bytes_in_use, 0);
  EXPECT_GT(st.num_allocs, kThreads * kSteps / 3);
  EXPECT_EQ(outstanding, st.bytes_reserved);
  CheckInvariants(*a, {});
  ExpectFullyCoalesced(*a);
}

}  // namespace
}  // namespace tessera
