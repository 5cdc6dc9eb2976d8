#include "core/op_registry.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/attr_value.h"
#include "core/status.h"
#include "google/protobuf/text_format.h"

namespace tessera {
namespace {

using ::tensorflow::AttrValue;

absl::string_view Trim(absl::string_view s) {
  return absl::StripAsciiWhitespace(s);
}

const std::vector<DataType>& RealNumberTypes() {
  static const auto* types = new std::vector<DataType>{
      DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_INT64,
      DT_BFLOAT16, DT_UINT16, DT_HALF, DT_UINT32, DT_UINT64};
  return *types;
}

// Named sets of types usable in attr specs, as in TensorFlow.
bool TypeAlias(absl::string_view name, std::vector<DataType>* out) {
  if (name == "realnumbertype") {
    *out = RealNumberTypes();
  } else if (name == "numbertype") {
    *out = RealNumberTypes();
    out->push_back(DT_COMPLEX64);
    out->push_back(DT_COMPLEX128);
  } else if (name == "floatingpoint") {
    *out = {DT_HALF, DT_BFLOAT16, DT_FLOAT, DT_DOUBLE};
  } else {
    return false;
  }
  return true;
}

// A lower-case type literal such as "float" or "int32".
bool ParseTypeLiteral(absl::string_view s, DataType* dt) {
  if (s.empty() || !absl::ascii_islower(s[0]) || absl::StrContains(s, "_ref")) {
    return false;
  }
  auto parsed = DataTypeFromString(s);
  if (!parsed.ok()) return false;
  *dt = *parsed;
  return true;
}

absl::Status ParseDefault(absl::string_view text, OpDef::AttrDef* attr) {
  const std::string& type = attr->type();
  AttrValue* v = attr->mutable_default_value();
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot parse default value '", text, "' for attr of type ", type));
  };
  auto unquote = [](absl::string_view s) {
    s = Trim(s);
    if (s.size() >= 2 && (s[0] == '\'' || s[0] == '"')) {
      s = s.substr(1, s.size() - 2);
    }
    return std::string(s);
  };
  if (type == "int") {
    int64_t i;
    if (!absl::SimpleAtoi(text, &i)) return bad();
    v->set_i(i);
  } else if (type == "float") {
    float f;
    if (!absl::SimpleAtof(text, &f)) return bad();
    v->set_f(f);
  } else if (type == "bool") {
    if (text != "true" && text != "false") return bad();
    v->set_b(text == "true");
  } else if (type == "string") {
    v->set_s(unquote(text));
  } else if (type == "type") {
    auto dt = DataTypeFromString(text);
    if (!dt.ok()) return bad();
    v->set_type(*dt);
  } else if (type == "shape" || type == "tensor") {
    auto* msg = type == "shape"
                    ? static_cast<google::protobuf::Message*>(v->mutable_shape())
                    : v->mutable_tensor();
    std::string body(Trim(text));
    if (absl::StartsWith(body, "{")) body = body.substr(1, body.size() - 2);
    if (!google::protobuf::TextFormat::ParseFromString(body, msg)) return bad();
  } else if (absl::StartsWith(type, "list(")) {
    absl::string_view body = Trim(text);
    if (!absl::ConsumePrefix(&body, "[") || !absl::ConsumeSuffix(&body, "]")) {
      return bad();
    }
    auto* list = v->mutable_list();
    for (absl::string_view item : absl::StrSplit(body, ',', absl::SkipWhitespace())) {
      item = Trim(item);
      int64_t i;
      float f;
      if (type == "list(int)" && absl::SimpleAtoi(item, &i)) {
        list->add_i(i);
      } else if (type == "list(float)" && absl::SimpleAtof(item, &f)) {
        list->add_f(f);
      } else if (type == "list(string)") {
        list->add_s(unquote(item));
      } else if (type == "list(type)" && DataTypeFromString(item).ok()) {
        list->add_type(*DataTypeFromString(item));
      } else {
        return bad();
      }
    }
  } else {
    return bad();
  }
  return absl::OkStatus();
}

// Fills type / allowed_values / minimum of `attr` from e.g. "int >= 1",
// "{float, int32}", "list({'a', 'b'})", "numbertype".
absl::Status ParseAttrType(absl::string_view spec, OpDef::AttrDef* attr) {
  spec = Trim(spec);
  bool is_list = absl::ConsumePrefix(&spec, "list(");
  if (is_list && !absl::ConsumeSuffix(&spec, ")")) {
    // "list(int) >= 1": the minimum follows the parenthesis.
    size_t close = spec.find(')');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("unbalanced 'list('");
    }
    absl::string_view rest = Trim(spec.substr(close + 1));
    spec = spec.substr(0, close);
    if (!absl::ConsumePrefix(&rest, ">=")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected '", rest, "'"));
    }
    int64_t min;
    if (!absl::SimpleAtoi(Trim(rest), &min)) {
      return absl::InvalidArgumentError("bad minimum");
    }
    attr->set_has_minimum(true);
    attr->set_minimum(min);
  }
  spec = Trim(spec);
  std::string base;
  std::vector<DataType> alias;
  if (absl::ConsumePrefix(&spec, "{")) {
    if (!absl::ConsumeSuffix(&spec, "}")) {
      return absl::InvalidArgumentError("unbalanced '{'");
    }
    auto* allowed = attr->mutable_allowed_values()->mutable_list();
    for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
      item = Trim(item);
      if (!item.empty() && (item[0] == '\'' || item[0] == '"')) {
        base = "string";
        allowed->add_s(std::string(item.substr(1, item.size() - 2)));
      } else {
        DataType dt;
        if (!ParseTypeLiteral(item, &dt)) {
          return absl::InvalidArgumentError(absl::StrCat("unknown type '", item, "'"));
        }
        base = "type";
        allowed->add_type(dt);
      }
    }
  } else if (TypeAlias(spec, &alias)) {
    base = "type";
    auto* allowed = attr->mutable_allowed_values()->mutable_list();
    for (DataType dt : alias) allowed->add_type(dt);
  } else {
    std::vector<absl::string_view> parts = absl::StrSplit(spec, ">=");
    base = std::string(Trim(parts[0]));
    if (parts.size() == 2) {
      int64_t min;
      if (!absl::SimpleAtoi(Trim(parts[1]), &min)) {
        return absl::InvalidArgumentError("bad minimum");
      }
      attr->set_has_minimum(true);
      attr->set_minimum(min);
    }
    static const char* const kKinds[] = {"string", "int", "float", "bool",
                                         "type", "shape", "tensor", "func"};
    if (std::find(std::begin(kKinds), std::end(kKinds), base) == std::end(kKinds)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown attr type '", base, "'"));
    }
  }
  attr->set_type(is_list ? absl::StrCat("list(", base, ")") : base);
  return absl::OkStatus();
}

absl::Status ParseAttrSpec(const std::string& spec, OpDef::AttrDef* attr) {
  std::pair<absl::string_view, absl::string_view> name_rest =
      absl::StrSplit(spec, absl::MaxSplits(':', 1));
  attr->set_name(std::string(Trim(name_rest.first)));
  absl::string_view rest = name_rest.second;
  // The default follows the first '=' that is not part of '>='.
  size_t eq = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '=' && (i == 0 || rest[i - 1] != '>')) {
      eq = i;
      break;
    }
  }
  RETURN_IF_ERROR(ParseAttrType(rest.substr(0, eq), attr));
  if (eq != absl::string_view::npos) {
    RETURN_IF_ERROR(ParseDefault(Trim(rest.substr(eq + 1)), attr));
  }
  return absl::OkStatus();
}

absl::Status ParseArgSpec(const std::string& spec, const OpDef& op_def,
                          OpDef::ArgDef* arg) {
  std::pair<absl::string_view, absl::string_view> name_rest =
      absl::StrSplit(spec, absl::MaxSplits(':', 1));
  arg->set_name(std::string(Trim(name_rest.first)));
  absl::string_view rest = Trim(name_rest.second);
  if (absl::ConsumePrefix(&rest, "Ref(")) {
    if (!absl::ConsumeSuffix(&rest, ")")) {
      return absl::InvalidArgumentError("unbalanced 'Ref('");
    }
    arg->set_is_ref(true);
  }
  size_t star = rest.find('*');
  if (star != absl::string_view::npos) {
    arg->set_number_attr(std::string(Trim(rest.substr(0, star))));
    rest = Trim(rest.substr(star + 1));
  }
  DataType dt;
  if (ParseTypeLiteral(rest, &dt)) {
    arg->set_type(dt);
    return absl::OkStatus();
  }
  for (const auto& attr : op_def.attr()) {
    if (attr.name() != rest) continue;
    if (attr.type() == "type") {
      arg->set_type_attr(attr.name());
    } else if (attr.type() == "list(type)" && arg->number_attr().empty()) {
      arg->set_type_list_attr(attr.name());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "attr '", rest, "' of type ", attr.type(), " cannot type an arg"));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", rest, "' is neither a type nor a declared attr"));
}

}  // namespace

OpDefBuilder::OpDefBuilder(std::string op_name) {
  op_def_.set_name(std::move(op_name));
}
OpDefBuilder& OpDefBuilder::Input(std::string spec) {
  inputs_.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::Output(std::string spec) {
  outputs_.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::Attr(std::string spec) {
  attrs_.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::SetIsCommutative() {
  op_def_.set_is_commutative(true);
  return *this;
}
OpDefBuilder& OpDefBuilder::SetIsAggregate() {
  op_def_.set_is_aggregate(true);
  return *this;
}
OpDefBuilder& OpDefBuilder::SetIsStateful() {
  op_def_.set_is_stateful(true);
  return *this;
}
OpDefBuilder& OpDefBuilder::SetAllowsUninitializedInput() {
  op_def_.set_allows_uninitialized_input(true);
  return *this;
}
OpDefBuilder& OpDefBuilder::SetShapeFn(ShapeFn fn) {
  shape_fn_ = std::move(fn);
  return *this;
}
OpDefBuilder& OpDefBuilder::Doc(std::string summary) {
  op_def_.set_summary(std::move(summary));
  return *this;
}

absl::StatusOr<OpRegistration> OpDefBuilder::Finalize() const {
  OpRegistration reg;
  reg.op_def = op_def_;
  auto fail = [&](const std::string& spec, const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op ", op_def_.name(), ": bad spec '", spec, "': ", s.message()));
  };
  for (const auto& spec : attrs_) {
    absl::Status s = ParseAttrSpec(spec, reg.op_def.add_attr());
    if (!s.ok()) return fail(spec, s);
  }
  for (const auto& spec : inputs_) {
    absl::Status s = ParseArgSpec(spec, reg.op_def, reg.op_def.add_input_arg());
    if (!s.ok()) return fail(spec, s);
  }
  for (const auto& spec : outputs_) {
    absl::Status s = ParseArgSpec(spec, reg.op_def, reg.op_def.add_output_arg());
    if (!s.ok()) return fail(spec, s);
  }
  reg.shape_fn = shape_fn_ ? shape_fn_ : shape_fn::UnknownShape;
  return reg;
}

OpRegistry* OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry;
  return registry;
}

void OpRegistry::Register(const OpDefBuilder& builder) {
  absl::StatusOr<OpRegistration> reg = builder.Finalize();
  absl::MutexLock lock(&mu_);
  if (!reg.ok()) {
    // The op name is the first word after "op ".
    std::string msg(reg.status().message());
    std::string name = msg.substr(3, msg.find(':') - 3);
    errors_[name] = reg.status();
    return;
  }
  const std::string name = reg->op_def.name();
  if (ops_.contains(name)) {
    errors_[name] = absl::AlreadyExistsError(
        absl::StrCat("op ", name, " is registered twice"));
    return;
  }
  ops_[name] = std::make_unique<OpRegistration>(*std::move(reg));
}

absl::StatusOr<const OpRegistration*> OpRegistry::LookUp(
    const std::string& op) const {
  absl::MutexLock lock(&mu_);
  auto err = errors_.find(op);
  if (err != errors_.end()) return err->second;
  auto it = ops_.find(op);
  if (it == ops_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "op type not registered: '", op,
        "' (Tessera has no op of that name; check the spelling or the build "
        "deps that register it)"));
  }
  return it->second.get();
}

std::vector<std::string> OpRegistry::ListOps() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, reg] : ops_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status OpRegistry::CheckAllRegistrations() const {
  absl::MutexLock lock(&mu_);
  if (errors_.empty()) return absl::OkStatus();
  std::vector<std::string> msgs;
  for (const auto& [name, s] : errors_) msgs.emplace_back(s.message());
  std::sort(msgs.begin(), msgs.end());
  return absl::InternalError(absl::StrJoin(msgs, "; "));
}

}  // namespace tessera
