// Launch functions for the GPU random kernels (random_ops_gpu.cu.cc). They
// reproduce the CPU kernels' stream layout (kernels/random_ops.cc): the
// output is cut into chunks of kRandomChunk elements, chunk c draws its
// words in order from block c * kRandomBlocksPerChunk of the run's slice
// of the Philox stream. One device thread per chunk, so for the same seeds
// the GPU yields the CPU's values (normals up to the last-ulp differences of
// the device's log/cos). T: float, double.
#ifndef TESSERA_KERNELS_RANDOM_OPS_GPU_H_
#define TESSERA_KERNELS_RANDOM_OPS_GPU_H_

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/philox.h"

namespace tessera {
namespace gpu {

inline constexpr int64_t kRandomChunk = 256;
inline constexpr uint64_t kRandomBlocksPerChunk = kRandomChunk * 8;

enum class RandomDist : int { kUniform, kNormal, kTruncatedNormal };

// out[0, n) from the stream slice starting at `slice`.
template <typename T>
cudaError_t LaunchRandom(RandomDist dist, Philox4x32 slice, T* out, int64_t n,
                         cudaStream_t stream);

}  // namespace gpu
}  // namespace tessera

#endif  // TESSERA_KERNELS_RANDOM_OPS_GPU_H_
