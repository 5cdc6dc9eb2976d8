#include "core/status.h"

namespace tessera {

absl::Status AnnotateStatus(const absl::Status& status,
                            absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(context, ": ", status.message()));
}

}  // namespace tessera
