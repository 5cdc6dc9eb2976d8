// TensorShape (every dim known) and PartialTensorShape (unknown dims as -1,
// or unknown rank), with conversion to and from TensorShapeProto.
#ifndef TESSERA_CORE_TENSOR_SHAPE_H_
#define TESSERA_CORE_TENSOR_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "proto/tensor_shape.pb.h"

namespace tessera {

using DimVector = absl::InlinedVector<int64_t, 4>;

class TensorShape {
 public:
  TensorShape() = default;  // a scalar
  TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit TensorShape(absl::Span<const int64_t> dims)
      : dims_(dims.begin(), dims.end()) {}

  // Fails on negative dims or an element count that overflows int64.
  static absl::StatusOr<TensorShape> FromDims(absl::Span<const int64_t> dims);
  static absl::StatusOr<TensorShape> FromProto(
      const ::tensorflow::TensorShapeProto& proto);

  int dims() const { return static_cast<int>(dims_.size()); }
  int64_t dim_size(int i) const { return dims_[i]; }
  absl::Span<const int64_t> dim_sizes() const { return dims_; }
  int64_t num_elements() const;

  void AddDim(int64_t size) { dims_.push_back(size); }
  void InsertDim(int index, int64_t size) {
    dims_.insert(dims_.begin() + index, size);
  }
  void RemoveDim(int index) { dims_.erase(dims_.begin() + index); }
  void set_dim(int index, int64_t size) { dims_[index] = size; }

  bool IsScalar() const { return dims_.empty(); }
  bool IsSameSize(const TensorShape& other) const {
    return dims_ == other.dims_;
  }
  bool operator==(const TensorShape& o) const { return dims_ == o.dims_; }
  bool operator!=(const TensorShape& o) const { return dims_ != o.dims_; }

  void AsProto(::tensorflow::TensorShapeProto* proto) const;
  std::string DebugString() const;  // "[2,3]"

 private:
  DimVector dims_;
};

// A shape that may be only partly known. Unknown dims are -1.
class PartialTensorShape {
 public:
  // Unknown rank.
  PartialTensorShape() = default;
  PartialTensorShape(std::initializer_list<int64_t> dims)
      : known_rank_(true), dims_(dims) {}
  explicit PartialTensorShape(absl::Span<const int64_t> dims)
      : known_rank_(true), dims_(dims.begin(), dims.end()) {}
  PartialTensorShape(const TensorShape& shape)  // NOLINT: implicit on purpose
      : known_rank_(true),
        dims_(shape.dim_sizes().begin(), shape.dim_sizes().end()) {}

  static PartialTensorShape Unknown() { return PartialTensorShape(); }
  static PartialTensorShape UnknownOfRank(int rank);
  static absl::StatusOr<PartialTensorShape> FromProto(
      const ::tensorflow::TensorShapeProto& proto);

  bool unknown_rank() const { return !known_rank_; }
  // -1 for unknown rank.
  int dims() const { return known_rank_ ? static_cast<int>(dims_.size()) : -1; }
  int64_t dim_size(int i) const { return dims_[i]; }
  absl::Span<const int64_t> dim_sizes() const { return dims_; }
  bool IsFullyDefined() const;
  // -1 if any dim (or the rank) is unknown.
  int64_t num_elements() const;
  absl::StatusOr<TensorShape> AsTensorShape() const;

  void AddDim(int64_t size);
  void set_dim(int index, int64_t size) { dims_[index] = size; }

  // True if some fully defined shape could match both.
  bool IsCompatibleWith(const PartialTensorShape& other) const;
  // True if `shape` is one of the shapes this partial shape describes.
  bool IsCompatibleWith(const TensorShape& shape) const;
  // Combines the knowledge of both; fails if they disagree.
  absl::StatusOr<PartialTensorShape> MergeWith(
      const PartialTensorShape& other) const;
  PartialTensorShape Concatenate(const PartialTensorShape& other) const;
  // Identical knowledge (unknown == unknown).
  bool IsIdenticalTo(const PartialTensorShape& other) const;

  void AsProto(::tensorflow::TensorShapeProto* proto) const;
  std::string DebugString() const;  // "[?,3]" or "<unknown>"

 private:
  bool known_rank_ = false;
  DimVector dims_;
};

}  // namespace tessera

#endif  // TESSERA_CORE_TENSOR_SHAPE_H_
