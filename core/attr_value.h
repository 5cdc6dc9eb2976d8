// Typed access to AttrValue maps (NodeDef attrs) and construction of
// AttrValues from C++ values.
#ifndef TESSERA_CORE_ATTR_VALUE_H_
#define TESSERA_CORE_ATTR_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "core/tensor_shape.h"
#include "core/types.h"
#include "proto/attr_value.pb.h"

namespace tessera {

using AttrValue = ::tensorflow::AttrValue;
using AttrValueMap = google::protobuf::Map<std::string, AttrValue>;
using NameAttrList = ::tensorflow::NameAttrList;

// Reads attr `name` as a C++ value; errors name the attr and the type wanted.
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::string* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     int64_t* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     int32_t* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     float* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     bool* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     DataType* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     PartialTensorShape* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     Tensor* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     NameAttrList* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<std::string>* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<int64_t>* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<int32_t>* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<float>* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<DataType>* value);
absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<PartialTensorShape>* value);

// Builds AttrValues; `MakeAttr(3)`, `MakeAttr(DT_FLOAT)`, `MakeAttr("SAME")`.
AttrValue MakeAttr(absl::string_view value);
inline AttrValue MakeAttr(const char* value) {
  return MakeAttr(absl::string_view(value));
}
inline AttrValue MakeAttr(const std::string& value) {
  return MakeAttr(absl::string_view(value));
}
AttrValue MakeAttr(int64_t value);
inline AttrValue MakeAttr(int value) { return MakeAttr(int64_t{value}); }
AttrValue MakeAttr(float value);
AttrValue MakeAttr(bool value);
AttrValue MakeAttr(DataType value);
AttrValue MakeAttr(const PartialTensorShape& value);
inline AttrValue MakeAttr(const TensorShape& value) {
  return MakeAttr(PartialTensorShape(value));
}
AttrValue MakeAttr(const Tensor& value);
AttrValue MakeAttr(const NameAttrList& value);
AttrValue MakeAttr(const std::vector<std::string>& value);
AttrValue MakeAttr(const std::vector<int64_t>& value);
AttrValue MakeAttr(const std::vector<int>& value);
AttrValue MakeAttr(const std::vector<float>& value);
AttrValue MakeAttr(const std::vector<DataType>& value);
AttrValue MakeAttr(const std::vector<PartialTensorShape>& value);

// Short human form: "3", "DT_FLOAT" -> "float", "[1, 2]", "\"SAME\"".
std::string SummarizeAttrValue(const AttrValue& value);

}  // namespace tessera

#endif  // TESSERA_CORE_ATTR_VALUE_H_
