// Status helpers used at every boundary: absl::Status / absl::StatusOr plus
// the two propagation macros.
#ifndef TESSERA_CORE_STATUS_H_
#define TESSERA_CORE_STATUS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define TS_CONCAT_INNER_(a, b) a##b
#define TS_CONCAT_(a, b) TS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::absl::Status ts_status_ = (expr);                        \
    if (!ts_status_.ok()) return ts_status_;                   \
  } while (0)

// ASSIGN_OR_RETURN(auto x, MakeX()): unwraps a StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  TS_ASSIGN_OR_RETURN_IMPL_(TS_CONCAT_(ts_statusor_, __LINE__), lhs, rexpr)
#define TS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

namespace tessera {

// Prefixes `status`'s message with `context`, keeping its code.
absl::Status AnnotateStatus(const absl::Status& status,
                            absl::string_view context);

}  // namespace tessera

#endif  // TESSERA_CORE_STATUS_H_
