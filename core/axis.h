// Axis arguments as TF takes them: in [-rank, rank), negative from the end.
#ifndef TESSERA_CORE_AXIS_H_
#define TESSERA_CORE_AXIS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace tessera {

// Maps `axis` in [-rank, rank) to [0, rank); `what` names the argument in
// the error ("Expected concat axis in the range [-2, 2), but got 3").
inline absl::StatusOr<int> CanonicalAxis(int64_t axis, int rank,
                                         absl::string_view what) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("Expected ", what, " in the range [", -rank, ", ", rank,
                     "), but got ", axis));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace tessera

#endif  // TESSERA_CORE_AXIS_H_
