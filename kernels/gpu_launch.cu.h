// Launch geometry shared by the GPU kernels' device code (*_gpu.cu.cc, nvcc
// only): 256-thread blocks, grids capped at 2^20 blocks, and grid-stride
// loops over int64 indices so any element count fits one launch.
#ifndef TESSERA_KERNELS_GPU_LAUNCH_CU_H_
#define TESSERA_KERNELS_GPU_LAUNCH_CU_H_

#include <cstdint>

namespace tessera {
namespace gpu {

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 1 << 20;

// Blocks for `n` work units, `per_block` to a block (capped).
inline int64_t NumBlocks(int64_t n, int64_t per_block = kThreads) {
  const int64_t b = (n + per_block - 1) / per_block;
  return b < kMaxBlocks ? b : kMaxBlocks;
}

}  // namespace gpu
}  // namespace tessera

#define TS_GRID_LOOP(i, n)                                                  \
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < (n); \
       i += int64_t{blockDim.x} * gridDim.x)

#endif  // TESSERA_KERNELS_GPU_LAUNCH_CU_H_
