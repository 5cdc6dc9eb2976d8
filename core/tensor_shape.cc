#include "core/tensor_shape.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tessera {
namespace {

std::string DimsString(absl::Span<const int64_t> dims) {
  return absl::StrCat(
      "[", absl::StrJoin(dims, ",", [](std::string* out, int64_t d) {
        absl::StrAppend(out, d < 0 ? "?" : absl::StrCat(d));
      }),
      "]");
}

}  // namespace

absl::StatusOr<TensorShape> TensorShape::FromDims(
    absl::Span<const int64_t> dims) {
  // The product of the non-zero dims must fit too: a zero dim makes the
  // whole shape empty, but a sub-shape without it (a record of an IDX file
  // with dims [0, 2^32-1, 2^32-1, 2^32-1]) must still count its elements.
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shape ", DimsString(dims), " has a negative or unknown dim"));
    }
    if (d == 0) continue;
    if (count > std::numeric_limits<int64_t>::max() / d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shape ", DimsString(dims), " has too many elements for int64"));
    }
    count *= d;
  }
  return TensorShape(dims);
}

absl::StatusOr<TensorShape> TensorShape::FromProto(
    const ::tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) {
    return absl::InvalidArgumentError("expected a fully defined shape, got "
                                      "one of unknown rank");
  }
  DimVector dims;
  for (const auto& d : proto.dim()) dims.push_back(d.size());
  return FromDims(dims);
}

int64_t TensorShape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

void TensorShape::AsProto(::tensorflow::TensorShapeProto* proto) const {
  proto->Clear();
  for (int64_t d : dims_) proto->add_dim()->set_size(d);
}

std::string TensorShape::DebugString() const { return DimsString(dims_); }

PartialTensorShape PartialTensorShape::UnknownOfRank(int rank) {
  PartialTensorShape s;
  s.known_rank_ = true;
  s.dims_.assign(rank, -1);
  return s;
}

absl::StatusOr<PartialTensorShape> PartialTensorShape::FromProto(
    const ::tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) {
    if (proto.dim_size() > 0) {
      return absl::InvalidArgumentError(
          "shape proto has unknown_rank set and also lists dims");
    }
    return PartialTensorShape();
  }
  PartialTensorShape s = UnknownOfRank(0);
  for (const auto& d : proto.dim()) {
    if (d.size() < -1) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape proto has an invalid dim size ", d.size()));
    }
    s.dims_.push_back(d.size());
  }
  return s;
}

bool PartialTensorShape::IsFullyDefined() const {
  if (!known_rank_) return false;
  for (int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

int64_t PartialTensorShape::num_elements() const {
  if (!IsFullyDefined()) return -1;
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

absl::StatusOr<TensorShape> PartialTensorShape::AsTensorShape() const {
  if (!IsFullyDefined()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shape ", DebugString(), " is not fully defined"));
  }
  return TensorShape::FromDims(dims_);
}

void PartialTensorShape::AddDim(int64_t size) {
  if (known_rank_) dims_.push_back(size);
}

bool PartialTensorShape::IsCompatibleWith(
    const PartialTensorShape& other) const {
  if (!known_rank_ || !other.known_rank_) return true;
  if (dims_.size() != other.dims_.size()) return false;
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (dims_[i] >= 0 && other.dims_[i] >= 0 && dims_[i] != other.dims_[i]) {
      return false;
    }
  }
  return true;
}

bool PartialTensorShape::IsCompatibleWith(const TensorShape& shape) const {
  return IsCompatibleWith(PartialTensorShape(shape));
}

absl::StatusOr<PartialTensorShape> PartialTensorShape::MergeWith(
    const PartialTensorShape& other) const {
  if (!IsCompatibleWith(other)) {
    return absl::InvalidArgumentError(
        absl::StrCat("shapes ", DebugString(), " and ", other.DebugString(),
                     " are not compatible"));
  }
  if (!known_rank_) return other;
  if (!other.known_rank_) return *this;
  PartialTensorShape merged = *this;
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (merged.dims_[i] < 0) merged.dims_[i] = other.dims_[i];
  }
  return merged;
}

PartialTensorShape PartialTensorShape::Concatenate(
    const PartialTensorShape& other) const {
  if (!known_rank_ || !other.known_rank_) return PartialTensorShape();
  PartialTensorShape s = *this;
  s.dims_.insert(s.dims_.end(), other.dims_.begin(), other.dims_.end());
  return s;
}

bool PartialTensorShape::IsIdenticalTo(const PartialTensorShape& other) const {
  return known_rank_ == other.known_rank_ && dims_ == other.dims_;
}

void PartialTensorShape::AsProto(::tensorflow::TensorShapeProto* proto) const {
  proto->Clear();
  if (!known_rank_) {
    proto->set_unknown_rank(true);
    return;
  }
  for (int64_t d : dims_) proto->add_dim()->set_size(d);
}

std::string PartialTensorShape::DebugString() const {
  return known_rank_ ? DimsString(dims_) : "<unknown>";
}

}  // namespace tessera
