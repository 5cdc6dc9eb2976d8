// Tensor: a dtype, a shape and a refcounted, 64-byte aligned buffer. Copies
// share the buffer; Slice() and Reshaped() view it without copying.
#ifndef TESSERA_CORE_TENSOR_H_
#define TESSERA_CORE_TENSOR_H_

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/allocator.h"
#include "core/tensor_shape.h"
#include "core/types.h"
#include "proto/tensor.pb.h"

namespace tessera {

// Owns the memory behind one or more Tensors. String elements are
// constructed and destroyed with the buffer.
class TensorBuffer {
 public:
  // Returns nullptr if the allocator refuses.
  static std::shared_ptr<TensorBuffer> Allocate(Allocator* allocator,
                                                DataType dtype,
                                                int64_t num_elements);
  ~TensorBuffer();
  TensorBuffer(const TensorBuffer&) = delete;
  TensorBuffer& operator=(const TensorBuffer&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }
  Allocator* allocator() const { return allocator_; }

 private:
  TensorBuffer(Allocator* a, void* data, size_t size, DataType dtype,
               int64_t n)
      : allocator_(a), data_(data), size_(size), dtype_(dtype), n_(n) {}
  Allocator* allocator_;
  void* data_;
  size_t size_;
  DataType dtype_;
  int64_t n_;
};

class Tensor {
 public:
  // An uninitialized tensor (dtype DT_INVALID, no buffer).
  Tensor() = default;
  // Allocates from the CPU allocator; IsInitialized() is false if that fails.
  Tensor(DataType dtype, const TensorShape& shape);
  // Allocates from `allocator`; use Allocate() to get the failure as status.
  Tensor(Allocator* allocator, DataType dtype, const TensorShape& shape);

  static absl::StatusOr<Tensor> Allocate(Allocator* allocator, DataType dtype,
                                         const TensorShape& shape);
  static absl::StatusOr<Tensor> FromProto(
      const ::tensorflow::TensorProto& proto,
      Allocator* allocator = CpuAllocator());

  template <typename T>
  static Tensor Scalar(T value) {
    Tensor t(DataTypeToEnum<T>::value, TensorShape());
    t.data<T>()[0] = std::move(value);
    return t;
  }
  // `values` must hold shape.num_elements() values, row-major.
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values,
                           const TensorShape& shape) {
    Tensor t(DataTypeToEnum<T>::value, shape);
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }
  // A rank-1 tensor.
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values) {
    return FromVector(values,
                      TensorShape({static_cast<int64_t>(values.size())}));
  }

  bool IsInitialized() const {
    return buffer_ != nullptr || (dtype_ != DT_INVALID && NumElements() == 0);
  }
  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  int dims() const { return shape_.dims(); }
  int64_t dim_size(int i) const { return shape_.dim_size(i); }
  int64_t NumElements() const { return num_elements_; }
  // Bytes of element data (for strings: the characters).
  size_t TotalBytes() const;
  bool SharesBufferWith(const Tensor& other) const {
    return buffer_ != nullptr && buffer_ == other.buffer_;
  }
  // Number of Tensors sharing this buffer (for in-place forwarding).
  long BufferRefCount() const { return buffer_.use_count(); }
  Allocator* allocator() const {
    return buffer_ ? buffer_->allocator() : nullptr;
  }

  void* raw_data() const {
    return buffer_ ? static_cast<char*>(buffer_->data()) + offset_ : nullptr;
  }
  template <typename T>
  T* data() const {
    return static_cast<T*>(raw_data());
  }
  template <typename T>
  absl::Span<T> flat() const {
    return absl::Span<T>(data<T>(), static_cast<size_t>(num_elements_));
  }
  template <typename T>
  T& scalar() const {
    return *data<T>();
  }

  // Rows [start, limit) of dim 0, sharing the buffer.
  absl::StatusOr<Tensor> Slice(int64_t start, int64_t limit) const;
  // Row `index` of dim 0 without that dim (shape [3, 4] gives [4]), sharing
  // the buffer; TF's Tensor::SubSlice.
  absl::StatusOr<Tensor> SubSlice(int64_t index) const;
  // Same elements under another shape of equal size, sharing the buffer.
  absl::StatusOr<Tensor> Reshaped(const TensorShape& shape) const;
  // A deep copy into a fresh buffer.
  Tensor DeepCopy(Allocator* allocator = CpuAllocator()) const;

  // Writes values into tensor_content (or string_val for strings).
  void AsProtoTensorContent(::tensorflow::TensorProto* proto) const;
  // Writes values into the typed repeated fields (float_val, int_val...).
  void AsProtoField(::tensorflow::TensorProto* proto) const;

  // "Tensor<type: float shape: [2] values: 1 2>"
  std::string DebugString(int max_entries = 10) const;
  // The values only: "[1 2 3]" or "[[1 2][3 4]]", at most max_entries.
  std::string SummarizeValue(int max_entries = 10) const;

 private:
  DataType dtype_ = DT_INVALID;
  TensorShape shape_;
  int64_t num_elements_ = 1;
  std::shared_ptr<TensorBuffer> buffer_;
  size_t offset_ = 0;  // bytes into buffer_, for slices
};

// The values of an int32 or int64 tensor (any other dtype reads as int64,
// so callers check the dtype first; op type constraints usually have).
std::vector<int64_t> IndexValues(const Tensor& t);

}  // namespace tessera

#endif  // TESSERA_CORE_TENSOR_H_
