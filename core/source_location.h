// Where a node was built in the user's C++ code, for error messages. Taken
// as a defaulted argument: `SourceLocation loc = SourceLocation::Current()`.
#ifndef TESSERA_CORE_SOURCE_LOCATION_H_
#define TESSERA_CORE_SOURCE_LOCATION_H_

#include <string>

#include "absl/strings/str_cat.h"

namespace tessera {

struct SourceLocation {
  const char* file = nullptr;
  int line = 0;

  static constexpr SourceLocation Current(const char* file = __builtin_FILE(),
                                          int line = __builtin_LINE()) {
    return SourceLocation{file, line};
  }
  bool known() const { return file != nullptr && line > 0; }
  // "model.cc:42", or "unknown location".
  std::string ToString() const {
    return known() ? absl::StrCat(file, ":", line) : "unknown location";
  }
};

}  // namespace tessera

#endif  // TESSERA_CORE_SOURCE_LOCATION_H_
