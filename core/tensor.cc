#include "core/tensor.h"

#include <algorithm>
#include <cstdint>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace tessera {

std::shared_ptr<TensorBuffer> TensorBuffer::Allocate(Allocator* allocator,
                                                     DataType dtype,
                                                     int64_t n) {
  size_t elem = ElementSize(dtype);
  if (elem == 0 || n < 0) return nullptr;
  if (n > 0 && static_cast<size_t>(n) > SIZE_MAX / elem) return nullptr;
  size_t bytes = static_cast<size_t>(n) * elem;
  void* data = allocator->AllocateRaw(kAllocatorAlignment, bytes);
  if (data == nullptr) return nullptr;
  if (dtype == DT_STRING) {
    auto* s = static_cast<tstring*>(data);
    for (int64_t i = 0; i < n; ++i) new (s + i) tstring();
  } else if (dtype == DT_RESOURCE) {
    auto* r = static_cast<ResourceHandle*>(data);
    for (int64_t i = 0; i < n; ++i) new (r + i) ResourceHandle();
  } else if (dtype == DT_VARIANT) {
    auto* v = static_cast<Variant*>(data);
    for (int64_t i = 0; i < n; ++i) new (v + i) Variant();
  }
  return std::shared_ptr<TensorBuffer>(
      new TensorBuffer(allocator, data, bytes, dtype, n));
}

TensorBuffer::~TensorBuffer() {
  if (dtype_ == DT_STRING) {
    auto* s = static_cast<tstring*>(data_);
    for (int64_t i = 0; i < n_; ++i) s[i].~tstring();
  } else if (dtype_ == DT_RESOURCE) {
    auto* r = static_cast<ResourceHandle*>(data_);
    for (int64_t i = 0; i < n_; ++i) r[i].~ResourceHandle();
  } else if (dtype_ == DT_VARIANT) {
    auto* v = static_cast<Variant*>(data_);
    for (int64_t i = 0; i < n_; ++i) v[i].~Variant();
  }
  allocator_->DeallocateRaw(data_, size_);
}

Tensor::Tensor(DataType dtype, const TensorShape& shape)
    : Tensor(CpuAllocator(), dtype, shape) {}

Tensor::Tensor(Allocator* allocator, DataType dtype, const TensorShape& shape)
    : dtype_(dtype), shape_(shape), num_elements_(shape.num_elements()) {
  buffer_ = TensorBuffer::Allocate(allocator, dtype, num_elements_);
}

absl::StatusOr<Tensor> Tensor::Allocate(Allocator* allocator, DataType dtype,
                                        const TensorShape& shape) {
  if (ElementSize(dtype) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot allocate a tensor of type ", DataTypeString(dtype)));
  }
  Tensor t(allocator, dtype, shape);
  if (t.buffer_ == nullptr) {
    size_t elem = ElementSize(dtype);
    return absl::ResourceExhaustedError(absl::StrCat(
        "out of memory allocating a ", DataTypeString(dtype), " tensor of shape ",
        shape.DebugString(), " (", static_cast<double>(elem) * t.num_elements_,
        " bytes) from allocator ", allocator->Name(),
        allocator->OomDebugString()));
  }
  return t;
}

size_t Tensor::TotalBytes() const {
  if (dtype_ == DT_STRING) {
    size_t total = 0;
    for (const auto& s : flat<tstring>()) total += s.size();
    return total;
  }
  return static_cast<size_t>(num_elements_) * DataTypeSize(dtype_);
}

absl::StatusOr<Tensor> Tensor::Slice(int64_t start, int64_t limit) const {
  if (dims() < 1) {
    return absl::InvalidArgumentError("cannot slice a scalar tensor");
  }
  if (start < 0 || limit > dim_size(0) || start > limit) {
    return absl::OutOfRangeError(absl::StrCat(
        "slice [", start, ", ", limit, ") is outside dim 0 of shape ",
        shape_.DebugString()));
  }
  Tensor t = *this;
  int64_t row = dim_size(0) == 0 ? 0 : num_elements_ / dim_size(0);
  size_t elem = ElementSize(dtype_);
  t.offset_ += static_cast<size_t>(start * row) * elem;
  t.shape_.set_dim(0, limit - start);
  t.num_elements_ = row * (limit - start);
  return t;
}

absl::StatusOr<Tensor> Tensor::SubSlice(int64_t index) const {
  ASSIGN_OR_RETURN(Tensor row, Slice(index, index + 1));
  row.shape_.RemoveDim(0);
  return row;
}

absl::StatusOr<Tensor> Tensor::Reshaped(const TensorShape& shape) const {
  if (shape.num_elements() != num_elements_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot reshape a tensor with ", num_elements_, " elements to shape ",
        shape.DebugString(), " (", shape.num_elements(), " elements)"));
  }
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::DeepCopy(Allocator* allocator) const {
  Tensor t(allocator, dtype_, shape_);
  if (!t.IsInitialized() || !IsInitialized()) return t;
  if (dtype_ == DT_STRING) {
    std::copy_n(data<tstring>(), num_elements_, t.data<tstring>());
  } else if (dtype_ == DT_RESOURCE) {
    std::copy_n(data<ResourceHandle>(), num_elements_,
                t.data<ResourceHandle>());
  } else if (dtype_ == DT_VARIANT) {
    std::copy_n(data<Variant>(), num_elements_, t.data<Variant>());
  } else if (num_elements_ > 0) {
    std::memcpy(t.raw_data(), raw_data(), TotalBytes());
  }
  return t;
}

}  // namespace tessera

namespace tessera {
namespace {

template <typename T>
std::string FormatValue(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, tstring>) {
    return absl::StrCat("\"", v, "\"");
  } else if constexpr (std::is_same_v<T, half> ||
                       std::is_same_v<T, bfloat16>) {
    return absl::StrCat(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, complex64> ||
                       std::is_same_v<T, complex128>) {
    return absl::StrCat("(", v.real(), ",", v.imag(), ")");
  } else if constexpr (std::is_same_v<T, int8_t> ||
                       std::is_same_v<T, uint8_t>) {
    return absl::StrCat(static_cast<int>(v));
  } else {
    return absl::StrCat(v);
  }
}

}  // namespace

std::string Tensor::SummarizeValue(int max_entries) const {
  if (!IsInitialized()) return "<uninitialized>";
  if (dtype_ == DT_RESOURCE) {
    std::string out;
    for (int64_t i = 0; i < std::min<int64_t>(max_entries, num_elements_); ++i) {
      const ResourceHandle& h = data<ResourceHandle>()[i];
      absl::StrAppend(&out, i ? " " : "", "<", h.type_name, " ", h.container,
                      "/", h.name, ">");
    }
    return out;
  }
  if (dtype_ == DT_VARIANT) {
    std::string out;
    for (int64_t i = 0; i < std::min<int64_t>(max_entries, num_elements_); ++i) {
      const Variant& v = data<Variant>()[i];
      absl::StrAppend(&out, i ? " " : "", "<",
                      v.value ? v.value->DebugString() : "empty variant", ">");
    }
    return out;
  }
  std::string out;
  int64_t limit = std::min<int64_t>(max_entries, num_elements_);
  // Dim d's brackets group blocks of block[d] consecutive elements.
  std::vector<int64_t> block(dims(), 1);
  for (int d = dims() - 1; d >= 0; --d) {
    block[d] = dim_size(d) * (d + 1 < dims() ? block[d + 1] : 1);
  }
  VisitDataType(dtype_, [&](auto tag) {
    using T = decltype(tag);
    const T* v = data<T>();
    for (int64_t i = 0; i < limit; ++i) {
      if (i > 0) out += " ";
      for (int d = 0; d < dims(); ++d) {
        if (i % block[d] == 0) out += "[";
      }
      out += FormatValue(v[i]);
      for (int d = 0; d < dims(); ++d) {
        if ((i + 1) % block[d] == 0) out += "]";
      }
    }
  });
  if (limit < num_elements_) out += "...";
  if (dims() > 0 && num_elements_ == 0) out = "[]";
  return out;
}

std::string Tensor::DebugString(int max_entries) const {
  return absl::StrCat("Tensor<type: ", DataTypeString(dtype_),
                      " shape: ", shape_.DebugString(),
                      " values: ", SummarizeValue(max_entries), ">");
}

std::vector<int64_t> IndexValues(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.NumElements()));
  if (t.dtype() == DT_INT32) {
    std::copy_n(t.data<int32_t>(), v.size(), v.begin());
  } else {
    std::copy_n(t.data<int64_t>(), v.size(), v.begin());
  }
  return v;
}

}  // namespace tessera
