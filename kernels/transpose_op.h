// Transpose planning shared by the CPU and GPU kernels: permutation
// checking and simplification to an equivalent transpose of lower rank.
#ifndef TESSERA_KERNELS_TRANSPOSE_OP_H_
#define TESSERA_KERNELS_TRANSPOSE_OP_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "core/tensor.h"

namespace tessera {

// An equivalent, smaller transpose: input dims `dims`, output dim k is
// input dim perm[k].
struct TransposePlan {
  std::vector<int64_t> dims;
  std::vector<int> perm;
};

// Drops size-1 dims and merges input dims that stay adjacent in the output.
TransposePlan SimplifyTranspose(const TensorShape& shape,
                                const std::vector<int64_t>& perm);

// Checks that `perm` is a permutation of [0, rank); the error names perm.
absl::Status CheckPermutation(const std::vector<int64_t>& perm, int rank);

}  // namespace tessera

#endif  // TESSERA_KERNELS_TRANSPOSE_OP_H_
