// Counting NaN and Inf values: shared by the CheckNumerics kernel and the
// session's check_numerics option.
#ifndef TESSERA_CORE_NUMERICS_H_
#define TESSERA_CORE_NUMERICS_H_

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace tessera {

struct NonFiniteCount {
  int64_t nan = 0;
  int64_t inf = 0;
  int64_t first_index = -1;  // flat index of the first NaN/Inf, -1 if none
  bool any() const { return nan + inf > 0; }
  // "3 NaN and 1 Inf values (first at flat index 7)".
  std::string ToString() const;
};

// Counts over a host tensor of a floating dtype (half, bfloat16, float,
// double); other dtypes hold no NaN and give zero counts.
NonFiniteCount CountNonFinite(const Tensor& t);

}  // namespace tessera

#endif  // TESSERA_CORE_NUMERICS_H_
