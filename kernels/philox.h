// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11): a counter-based generator. Each call maps (key, counter) to
// four 32-bit words and bumps the counter, so any position of the stream
// can be reached in O(1) with Skip() — which lets kernels fill disjoint
// chunks of an output in parallel and still get one deterministic stream.
#ifndef TESSERA_KERNELS_PHILOX_H_
#define TESSERA_KERNELS_PHILOX_H_

#include <array>
#include <cstdint>

// Callable from CUDA device code too (kernels/random_ops_gpu.cu.cc).
#ifdef __CUDACC__
#define TS_PHILOX_FN __host__ __device__
#else
#define TS_PHILOX_FN
#endif

namespace tessera {

class Philox4x32 {
 public:
  using Block = std::array<uint32_t, 4>;

  // The key comes from `seed`, the high half of the counter from `seed2`
  // (the layout TensorFlow uses for its (seed, seed2) attrs).
  TS_PHILOX_FN Philox4x32(uint64_t seed, uint64_t seed2)
      : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
        counter_{0, 0, static_cast<uint32_t>(seed2),
                 static_cast<uint32_t>(seed2 >> 32)} {}

  // The next four words of the stream.
  TS_PHILOX_FN Block Next() {
    Block c = counter_;
    std::array<uint32_t, 2> k = key_;
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k[0] += kWeyl0;
        k[1] += kWeyl1;
      }
      c = Round(c, k);
    }
    Skip(1);
    return c;
  }

  // Advances the counter by `n` blocks (128-bit add on the counter).
  TS_PHILOX_FN void Skip(uint64_t n) {
    const uint64_t lo = (uint64_t{counter_[1]} << 32) | counter_[0];
    const uint64_t sum = lo + n;
    counter_[0] = static_cast<uint32_t>(sum);
    counter_[1] = static_cast<uint32_t>(sum >> 32);
    if (sum < lo && ++counter_[2] == 0) ++counter_[3];
  }

 private:
  static constexpr uint32_t kMul0 = 0xD2511F53, kMul1 = 0xCD9E8D57;
  static constexpr uint32_t kWeyl0 = 0x9E3779B9, kWeyl1 = 0xBB67AE85;

  TS_PHILOX_FN static Block Round(const Block& c,
                                  const std::array<uint32_t, 2>& k) {
    const uint64_t p0 = uint64_t{kMul0} * c[0];
    const uint64_t p1 = uint64_t{kMul1} * c[2];
    return {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0],
            static_cast<uint32_t>(p1),
            static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1],
            static_cast<uint32_t>(p0)};
  }

  std::array<uint32_t, 2> key_;
  Block counter_;
};

}  // namespace tessera

#undef TS_PHILOX_FN

#endif  // TESSERA_KERNELS_PHILOX_H_
