#include "core/shape_inference.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace tessera {

InferenceContext::InferenceContext(const ::tensorflow::NodeDef* node_def,
                                   std::vector<PartialTensorShape> input_shapes,
                                   std::vector<const Tensor*> input_tensors,
                                   int num_outputs)
    : node_def_(node_def),
      inputs_(std::move(input_shapes)),
      input_tensors_(std::move(input_tensors)),
      outputs_(num_outputs) {
  input_tensors_.resize(inputs_.size(), nullptr);
}

absl::Status InferenceContext::InputAsShape(int i,
                                            PartialTensorShape* shape) const {
  const Tensor* t = input_tensor(i);
  if (t == nullptr) {
    // Rank is known if the shape vector's length is.
    const PartialTensorShape& s = input(i);
    if (s.dims() == 1 && s.dim_size(0) >= 0) {
      *shape = PartialTensorShape::UnknownOfRank(static_cast<int>(s.dim_size(0)));
    } else {
      *shape = PartialTensorShape::Unknown();
    }
    return absl::OkStatus();
  }
  if (t->dims() > 1 || (t->dtype() != DT_INT32 && t->dtype() != DT_INT64)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input ", i, " must be a 1-D int32 or int64 shape vector, got ",
        t->DebugString()));
  }
  *shape = PartialTensorShape::UnknownOfRank(0);
  for (int64_t k = 0; k < t->NumElements(); ++k) {
    int64_t d = t->dtype() == DT_INT32 ? t->data<int32_t>()[k]
                                       : t->data<int64_t>()[k];
    if (d < -1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input ", i, " has invalid dim ", d, " in shape ", t->SummarizeValue()));
    }
    shape->AddDim(d);
  }
  return absl::OkStatus();
}

absl::Status InferenceContext::WithRank(int input_index, int rank,
                                        PartialTensorShape* out) const {
  const PartialTensorShape& s = input(input_index);
  if (s.unknown_rank()) {
    *out = PartialTensorShape::UnknownOfRank(rank);
    return absl::OkStatus();
  }
  if (s.dims() != rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("input ", input_index, " must be rank ", rank,
                     " but has shape ", s.DebugString()));
  }
  *out = s;
  return absl::OkStatus();
}

absl::Status InferenceContext::WithRankAtLeast(int input_index, int rank,
                                               PartialTensorShape* out) const {
  const PartialTensorShape& s = input(input_index);
  if (!s.unknown_rank() && s.dims() < rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("input ", input_index, " must be at least rank ", rank,
                     " but has shape ", s.DebugString()));
  }
  *out = s;
  return absl::OkStatus();
}

absl::Status InferenceContext::WithRankAtMost(int input_index, int rank,
                                              PartialTensorShape* out) const {
  const PartialTensorShape& s = input(input_index);
  if (!s.unknown_rank() && s.dims() > rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("input ", input_index, " must be at most rank ", rank,
                     " but has shape ", s.DebugString()));
  }
  *out = s;
  return absl::OkStatus();
}

absl::StatusOr<PartialTensorShape> BroadcastShapes(
    const PartialTensorShape& a, const PartialTensorShape& b) {
  if (a.unknown_rank() || b.unknown_rank()) return PartialTensorShape();
  int rank = std::max(a.dims(), b.dims());
  PartialTensorShape out = PartialTensorShape::UnknownOfRank(rank);
  for (int i = 0; i < rank; ++i) {
    int ia = a.dims() - rank + i, ib = b.dims() - rank + i;
    int64_t da = ia >= 0 ? a.dim_size(ia) : 1;
    int64_t db = ib >= 0 ? b.dim_size(ib) : 1;
    int64_t d;
    if (da == 1) {
      d = db;
    } else if (db == 1) {
      d = da;
    } else if (da < 0 || db < 0) {
      d = da < 0 ? db : da;  // the known one, or unknown if both are
    } else if (da == db) {
      d = da;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("incompatible shapes for broadcasting: ",
                       a.DebugString(), " and ", b.DebugString()));
    }
    out.set_dim(i, d);
  }
  return out;
}

namespace shape_fn {

absl::Status UnchangedShape(InferenceContext* c) {
  c->set_output(0, c->input(0));
  if (c->input_handle_data(0).known()) {
    c->set_output_handle_data(0, c->input_handle_data(0));
  }
  return absl::OkStatus();
}

absl::Status ScalarShape(InferenceContext* c) {
  for (int i = 0; i < c->num_outputs(); ++i) {
    c->set_output(i, PartialTensorShape::UnknownOfRank(0));
  }
  return absl::OkStatus();
}

absl::Status UnknownShape(InferenceContext* c) {
  for (int i = 0; i < c->num_outputs(); ++i) {
    c->set_output(i, PartialTensorShape::Unknown());
  }
  return absl::OkStatus();
}

absl::Status BroadcastBinaryOpShape(InferenceContext* c) {
  ASSIGN_OR_RETURN(PartialTensorShape out,
                   BroadcastShapes(c->input(0), c->input(1)));
  c->set_output(0, std::move(out));
  return absl::OkStatus();
}

}  // namespace shape_fn
}  // namespace tessera
