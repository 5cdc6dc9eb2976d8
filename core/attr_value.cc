#include "core/attr_value.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status.h"

namespace tessera {
namespace {

using ::tensorflow::AttrValue;

absl::StatusOr<const AttrValue*> Find(const AttrValueMap& attrs,
                                      absl::string_view name,
                                      AttrValue::ValueCase want,
                                      const char* type_name) {
  auto it = attrs.find(std::string(name));
  if (it == attrs.end()) {
    return absl::NotFoundError(absl::StrCat("no attr named '", name, "'"));
  }
  if (it->second.value_case() != want &&
      !(want == AttrValue::kList &&
        it->second.value_case() == AttrValue::VALUE_NOT_SET)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attr '", name, "' has value ", SummarizeAttrValue(it->second),
        ", expected a value of type ", type_name));
  }
  return &it->second;
}

}  // namespace

#define TS_SCALAR_GETTER(CPP, CASE, TYPE_NAME, EXPR)                       \
  absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,  \
                       CPP* value) {                                       \
    ASSIGN_OR_RETURN(const AttrValue* v,                                   \
                     Find(attrs, name, AttrValue::CASE, TYPE_NAME));       \
    *value = EXPR;                                                         \
    return absl::OkStatus();                                               \
  }
TS_SCALAR_GETTER(std::string, kS, "string", v->s())
TS_SCALAR_GETTER(int64_t, kI, "int", v->i())
TS_SCALAR_GETTER(int32_t, kI, "int", static_cast<int32_t>(v->i()))
TS_SCALAR_GETTER(float, kF, "float", v->f())
TS_SCALAR_GETTER(bool, kB, "bool", v->b())
TS_SCALAR_GETTER(DataType, kType, "type", v->type())
TS_SCALAR_GETTER(NameAttrList, kFunc, "func", v->func())
#undef TS_SCALAR_GETTER

absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     PartialTensorShape* value) {
  ASSIGN_OR_RETURN(const AttrValue* v,
                   Find(attrs, name, AttrValue::kShape, "shape"));
  ASSIGN_OR_RETURN(*value, PartialTensorShape::FromProto(v->shape()));
  return absl::OkStatus();
}

absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     Tensor* value) {
  ASSIGN_OR_RETURN(const AttrValue* v,
                   Find(attrs, name, AttrValue::kTensor, "tensor"));
  auto t = Tensor::FromProto(v->tensor());
  if (!t.ok()) return AnnotateStatus(t.status(), absl::StrCat("attr '", name, "'"));
  *value = *std::move(t);
  return absl::OkStatus();
}

#define TS_LIST_GETTER(CPP, FIELD, TYPE_NAME)                                \
  absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,    \
                       std::vector<CPP>* value) {                            \
    ASSIGN_OR_RETURN(const AttrValue* v,                                     \
                     Find(attrs, name, AttrValue::kList, TYPE_NAME));        \
    value->clear();                                                          \
    for (const auto& x : v->list().FIELD()) {                                \
      value->push_back(static_cast<CPP>(x));                                 \
    }                                                                        \
    return absl::OkStatus();                                                 \
  }
TS_LIST_GETTER(std::string, s, "list(string)")
TS_LIST_GETTER(int64_t, i, "list(int)")
TS_LIST_GETTER(int32_t, i, "list(int)")
TS_LIST_GETTER(float, f, "list(float)")
TS_LIST_GETTER(DataType, type, "list(type)")
#undef TS_LIST_GETTER

absl::Status GetAttr(const AttrValueMap& attrs, absl::string_view name,
                     std::vector<PartialTensorShape>* value) {
  ASSIGN_OR_RETURN(const AttrValue* v,
                   Find(attrs, name, AttrValue::kList, "list(shape)"));
  value->clear();
  for (const auto& s : v->list().shape()) {
    ASSIGN_OR_RETURN(PartialTensorShape shape, PartialTensorShape::FromProto(s));
    value->push_back(shape);
  }
  return absl::OkStatus();
}

AttrValue MakeAttr(absl::string_view value) {
  AttrValue a;
  a.set_s(std::string(value));
  return a;
}
AttrValue MakeAttr(int64_t value) {
  AttrValue a;
  a.set_i(value);
  return a;
}
AttrValue MakeAttr(float value) {
  AttrValue a;
  a.set_f(value);
  return a;
}
AttrValue MakeAttr(bool value) {
  AttrValue a;
  a.set_b(value);
  return a;
}
AttrValue MakeAttr(DataType value) {
  AttrValue a;
  a.set_type(value);
  return a;
}
AttrValue MakeAttr(const PartialTensorShape& value) {
  AttrValue a;
  value.AsProto(a.mutable_shape());
  return a;
}
AttrValue MakeAttr(const Tensor& value) {
  AttrValue a;
  // Small tensors read better as typed fields in .pbtxt; big ones as bytes.
  if (value.NumElements() <= 16 || DataTypeIsObject(value.dtype())) {
    value.AsProtoField(a.mutable_tensor());
  } else {
    value.AsProtoTensorContent(a.mutable_tensor());
  }
  return a;
}
AttrValue MakeAttr(const NameAttrList& value) {
  AttrValue a;
  *a.mutable_func() = value;
  return a;
}

#define TS_LIST_MAKER(CPP, ADD)                     \
  AttrValue MakeAttr(const std::vector<CPP>& value) { \
    AttrValue a;                                    \
    auto* list = a.mutable_list();                  \
    for (const auto& x : value) list->ADD(x);       \
    return a;                                       \
  }
TS_LIST_MAKER(std::string, add_s)
TS_LIST_MAKER(int64_t, add_i)
TS_LIST_MAKER(int, add_i)
TS_LIST_MAKER(float, add_f)
TS_LIST_MAKER(DataType, add_type)
#undef TS_LIST_MAKER

AttrValue MakeAttr(const std::vector<PartialTensorShape>& value) {
  AttrValue a;
  auto* list = a.mutable_list();
  for (const auto& s : value) s.AsProto(list->add_shape());
  return a;
}

std::string SummarizeAttrValue(const AttrValue& v) {
  switch (v.value_case()) {
    case AttrValue::kS: return absl::StrCat("\"", v.s(), "\"");
    case AttrValue::kI: return absl::StrCat(v.i());
    case AttrValue::kF: return absl::StrCat(v.f());
    case AttrValue::kB: return v.b() ? "true" : "false";
    case AttrValue::kType: return DataTypeString(v.type());
    case AttrValue::kShape: {
      auto s = PartialTensorShape::FromProto(v.shape());
      return s.ok() ? s->DebugString() : "<bad shape>";
    }
    case AttrValue::kTensor: {
      auto t = Tensor::FromProto(v.tensor());
      return t.ok() ? t->DebugString(5) : "<bad tensor>";
    }
    case AttrValue::kFunc: return absl::StrCat("func ", v.func().name());
    case AttrValue::kPlaceholder: return absl::StrCat("$", v.placeholder());
    case AttrValue::kList: {
      const auto& l = v.list();
      std::vector<std::string> parts;
      for (const auto& x : l.s()) parts.push_back(absl::StrCat("\"", x, "\""));
      for (auto x : l.i()) parts.push_back(absl::StrCat(x));
      for (auto x : l.f()) parts.push_back(absl::StrCat(x));
      for (auto x : l.b()) parts.push_back(x ? "true" : "false");
      for (auto x : l.type()) {
        parts.push_back(DataTypeString(static_cast<DataType>(x)));
      }
      for (const auto& x : l.shape()) {
        auto s = PartialTensorShape::FromProto(x);
        parts.push_back(s.ok() ? s->DebugString() : "<bad shape>");
      }
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
    default: return "<unset>";
  }
}

}  // namespace tessera
