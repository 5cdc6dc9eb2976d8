#include "core/numerics.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tessera {
namespace {

template <typename T>
NonFiniteCount Count(const Tensor& t) {
  NonFiniteCount c;
  const T* p = t.flat<T>().data();
  const int64_t n = t.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(p[i]);
    if (std::isfinite(v)) continue;
    if (std::isnan(v)) ++c.nan; else ++c.inf;
    if (c.first_index < 0) c.first_index = i;
  }
  return c;
}

}  // namespace

std::string NonFiniteCount::ToString() const {
  return absl::StrCat(nan, " NaN and ", inf, " Inf values (first at flat index ",
                      first_index, ")");
}

NonFiniteCount CountNonFinite(const Tensor& t) {
  if (!t.IsInitialized()) return {};
  switch (t.dtype()) {
    case DT_FLOAT: return Count<float>(t);
    case DT_DOUBLE: return Count<double>(t);
    case DT_HALF: return Count<half>(t);
    case DT_BFLOAT16: return Count<bfloat16>(t);
    default: return {};
  }
}

}  // namespace tessera
