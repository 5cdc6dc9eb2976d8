// Device code for the GPU random kernels (see random_ops_gpu.h): the CPU
// kernels' draws (kernels/random_ops.cc), word for word.
#include <cstdint>
#include <type_traits>

#include "kernels/random_ops_gpu.h"

namespace tessera {
namespace gpu {
namespace {

constexpr int kThreads = 128;
constexpr double kPi = 3.14159265358979323846;

// Words of a Philox stream, one at a time.
class WordSource {
 public:
  __device__ explicit WordSource(Philox4x32 gen) : gen_(gen) {}
  __device__ uint32_t Next() {
    if (pos_ == 4) {
      block_ = gen_.Next();
      pos_ = 0;
    }
    return block_[pos_++];
  }

 private:
  Philox4x32 gen_;
  Philox4x32::Block block_{};
  int pos_ = 4;
};

// Uniform in [0, 1): 24 random mantissa bits for float, 53 for double.
template <typename T>
__device__ double Uniform(WordSource& w) {
  if constexpr (std::is_same_v<T, double>) {
    const uint32_t hi = w.Next();
    const uint64_t v = (uint64_t{hi} << 21) ^ (w.Next() >> 11);
    return ldexp(static_cast<double>(v & ((uint64_t{1} << 53) - 1)), -53);
  } else {
    return ldexp(static_cast<double>(w.Next() >> 8), -24);
  }
}

// Box-Muller, cosine half only (a fixed number of words per value).
template <typename T>
__device__ double Normal(WordSource& w) {
  const double u1 = 1.0 - Uniform<double>(w);  // (0, 1]
  const double u2 = Uniform<T>(w);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * kPi * u2);
}

template <typename T>
__global__ void RandomKernel(RandomDist dist, Philox4x32 slice, T* out,
                             int64_t n) {
  const int64_t chunks = (n + kRandomChunk - 1) / kRandomChunk;
  for (int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; c < chunks;
       c += int64_t{blockDim.x} * gridDim.x) {
    Philox4x32 gen = slice;
    gen.Skip(static_cast<uint64_t>(c) * kRandomBlocksPerChunk);
    WordSource w(gen);
    const int64_t end = (c + 1) * kRandomChunk < n ? (c + 1) * kRandomChunk : n;
    for (int64_t i = c * kRandomChunk; i < end; ++i) {
      double v;
      if (dist == RandomDist::kUniform) {
        v = Uniform<T>(w);
      } else if (dist == RandomDist::kNormal) {
        v = Normal<T>(w);
      } else {
        do {  // redraw beyond two standard deviations
          v = Normal<T>(w);
        } while (!(fabs(v) < 2.0));
      }
      out[i] = static_cast<T>(v);
    }
  }
}

}  // namespace

template <typename T>
cudaError_t LaunchRandom(RandomDist dist, Philox4x32 slice, T* out, int64_t n,
                         cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const int64_t chunks = (n + kRandomChunk - 1) / kRandomChunk;
  int64_t blocks = (chunks + kThreads - 1) / kThreads;
  if (blocks > (1 << 20)) blocks = 1 << 20;
  RandomKernel<T><<<blocks, kThreads, 0, stream>>>(dist, slice, out, n);
  return cudaGetLastError();
}

template cudaError_t LaunchRandom<float>(RandomDist, Philox4x32, float*,
                                         int64_t, cudaStream_t);
template cudaError_t LaunchRandom<double>(RandomDist, Philox4x32, double*,
                                          int64_t, cudaStream_t);

}  // namespace gpu
}  // namespace tessera
