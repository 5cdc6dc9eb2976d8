// Broadcast planning shared by the element-wise kernels.
#include "kernels/cwise_ops.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_join.h"

namespace tessera {
namespace cwise {
namespace {

std::string ShapesString(absl::Span<const TensorShape* const> shapes) {
  return absl::StrJoin(shapes, " vs. ",
                       [](std::string* out, const TensorShape* s) {
                         out->append(s->DebugString());
                       });
}

// Operand `s`'s dim at output position i of an output of rank `rank`
// (leading dims it lacks count as 1).
int64_t PaddedDim(const TensorShape& s, int rank, int i) {
  int j = i - (rank - s.dims());
  return j < 0 ? 1 : s.dim_size(j);
}

}  // namespace

absl::Status MakeBroadcastPlan(absl::Span<const TensorShape* const> shapes,
                               BroadcastPlan* plan) {
  const int k_num = static_cast<int>(shapes.size());
  if (k_num < 1 || k_num > kMaxOperands) {
    return absl::InternalError("broadcast plan needs 1 to 3 operands");
  }
  int rank = 0;
  for (const TensorShape* s : shapes) rank = std::max(rank, s->dims());
  plan->num_operands = k_num;
  // Bit k of the pattern: operand k is broadcast along this dim.
  absl::InlinedVector<uint32_t, 6> patterns;
  for (int i = 0; i < rank; ++i) {
    int64_t d = 1;
    for (const TensorShape* s : shapes) {
      const int64_t sd = PaddedDim(*s, rank, i);
      if (sd == 1 || sd == d) continue;
      if (d != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("Incompatible shapes: ", ShapesString(shapes)));
      }
      d = sd;
    }
    plan->out_shape.AddDim(d);
    if (d == 1) continue;  // contributes nothing to any offset
    uint32_t pattern = 0;
    for (int k = 0; k < k_num; ++k) {
      if (PaddedDim(*shapes[k], rank, i) != d) pattern |= 1u << k;
    }
    if (!patterns.empty() && patterns.back() == pattern) {
      plan->dims.back() *= d;
    } else {
      plan->dims.push_back(d);
      patterns.push_back(pattern);
    }
  }
  if (plan->dims.empty()) {
    plan->dims.push_back(1);
    patterns.push_back(0);
  }
  const int r = static_cast<int>(plan->dims.size());
  for (int k = 0; k < k_num; ++k) {
    StrideVector& st = plan->strides[k];
    st.assign(r, 0);
    int64_t acc = 1;
    for (int j = r - 1; j >= 0; --j) {
      if ((patterns[j] >> k) & 1u) continue;
      st[j] = acc;
      acc *= plan->dims[j];
    }
  }
  return absl::OkStatus();
}

}  // namespace cwise
}  // namespace tessera
