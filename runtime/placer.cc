#include "runtime/placer.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "core/types.h"

namespace tessera {
namespace {

bool IsIdentifier(absl::string_view s) {
  if (s.empty() || !absl::ascii_isalpha(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

// "0" -> 0, "*" -> -1 (any); false for anything else.
bool ParseIndex(absl::string_view s, int* index) {
  if (s == "*") {
    *index = -1;
    return true;
  }
  return !s.empty() && s[0] != '-' && s[0] != '+' &&
         absl::SimpleAtoi(s, index);
}

// Parses one "/"-separated part into `spec`; false if malformed.
bool ParsePart(absl::string_view part, DeviceSpec* spec, bool* has_device) {
  std::vector<absl::string_view> f = absl::StrSplit(part, ':');
  int n;
  if (f.size() == 2 && f[0] == "job") return IsIdentifier(f[1]);
  if (f.size() == 2 && (f[0] == "replica" || f[0] == "task")) {
    return ParseIndex(f[1], &n) && n >= 0;
  }
  if (*has_device) return false;  // two device parts
  if (f[0] == "device") f.erase(f.begin());  // "device:GPU:0"
  if (f.empty() || f.size() > 2 || !IsIdentifier(f[0])) return false;
  if (f.size() == 2 && !ParseIndex(f[1], &spec->index)) return false;
  spec->type = absl::AsciiStrToUpper(f[0]);
  *has_device = true;
  return true;
}

// Union-find over node ids.
int Root(std::vector<int>& parent, int x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}
void Union(std::vector<int>& parent, int a, int b) {
  a = Root(parent, a);
  b = Root(parent, b);
  if (a != b) parent[std::max(a, b)] = std::min(a, b);
}

// Whether the edge ties its ends to one device: reference and resource
// edges, and the Identity that reads a TF1 variable (TF puts a _class
// colocation attr on it).
bool ColocatingEdge(const Edge* e) {
  DataType src = e->src->output_type(e->src_output);
  DataType dst = e->dst->input_type(e->dst_input);
  if (IsRefType(dst)) return true;
  if (IsRefType(src) && e->dst->type_string() == "Identity") return true;
  return BaseType(src) == DT_RESOURCE && BaseType(dst) == DT_RESOURCE;
}

}  // namespace

absl::StatusOr<DeviceSpec> ParseDeviceSpec(const std::string& device) {
  DeviceSpec spec;
  bool has_device = false;
  for (absl::string_view part : absl::StrSplit(device, '/')) {
    if (part.empty()) continue;
    if (!ParsePart(part, &spec, &has_device)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed device specification '", device,
          "': expected e.g. \"/cpu:0\", \"/gpu:0\", \"/device:GPU:0\" or "
          "\"/job:localhost/replica:0/task:0/device:GPU:0\""));
    }
  }
  return spec;
}

bool DeviceSpec::Matches(const DeviceSpec& device) const {
  return (type.empty() || type == device.type) &&
         (index < 0 || index == device.index);
}

std::string DeviceSpec::ToString() const {
  return absl::StrCat("/device:", type.empty() ? "*" : type, ":",
                      index < 0 ? "*" : absl::StrCat(index));
}

Placer::Placer(const Graph* graph, std::vector<Device*> devices,
               PlacerOptions options)
    : graph_(graph), devices_(std::move(devices)), options_(options) {
  for (Device* d : devices_) {
    device_specs_.push_back(ParseDeviceSpec(d->name()).value_or(DeviceSpec{
        absl::AsciiStrToUpper(d->device_type()), 0}));
  }
}

absl::StatusOr<Device*> Placer::DeviceFor(const Node* node) {
  if (node->id() >= num_placed_) RETURN_IF_ERROR(PlaceNewNodes());
  auto it = errors_.find(node->id());
  if (it != errors_.end()) return it->second;
  return assigned_[node->id()];
}

std::vector<std::vector<const Node*>> Placer::ColocationGroups() const {
  const int n = graph_->num_nodes();
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  for (int id = 0; id < n; ++id) {
    const Node* node = graph_->node(id);
    for (const Edge* e : node->in_edges()) {
      if (!e->IsControlEdge() && ColocatingEdge(e)) {
        Union(parent, e->src->id(), id);
      }
    }
    auto cls = node->attrs().find("_class");
    if (cls == node->attrs().end()) continue;
    for (const std::string& s : cls->second.list().s()) {
      if (!absl::StartsWith(s, "loc:@")) continue;
      const Node* other = graph_->FindNode(s.substr(5));
      if (other != nullptr) Union(parent, other->id(), id);
    }
  }
  std::map<int, std::vector<const Node*>> by_root;
  for (int id = 0; id < n; ++id) {
    by_root[Root(parent, id)].push_back(graph_->node(id));
  }
  std::vector<std::vector<const Node*>> groups;
  for (auto& [root, members] : by_root) {
    if (members.back()->id() >= num_placed_) {
      groups.push_back(std::move(members));
    }
  }
  return groups;
}

absl::Status Placer::PlaceNewNodes() {
  const int n = graph_->num_nodes();
  assigned_.resize(n, nullptr);
  supported_.resize(n);
  for (int id = num_placed_; id < n; ++id) {
    supported_[id] =
        KernelRegistry::Global()->SupportedDeviceTypes(graph_->node(id)->def());
  }
  for (const auto& group : ColocationGroups()) {
    Device* placed = nullptr;
    for (const Node* m : group) {
      if (m->id() < num_placed_ && assigned_[m->id()] != nullptr) {
        placed = assigned_[m->id()];
        break;
      }
    }
    if (placed != nullptr) {
      JoinPlacedGroup(group, placed);
    } else {
      PlaceGroup(group);
    }
  }
  if (options_.log_device_placement) {
    for (int id = num_placed_; id < n; ++id) {
      if (assigned_[id] == nullptr) continue;
      const Node* node = graph_->node(id);
      Log(absl::StrCat(node->name(), " (", node->type_string(),
                       "): ", assigned_[id]->name()));
    }
  }
  num_placed_ = n;
  return absl::OkStatus();
}

void Placer::PlaceGroup(const std::vector<const Node*>& group) {
  absl::StatusOr<Device*> device = ChooseDevice(group);
  for (const Node* m : group) {
    if (m->id() < num_placed_) continue;
    if (device.ok()) {
      assigned_[m->id()] = *device;
    } else {
      errors_[m->id()] = device.status();
    }
  }
}

void Placer::JoinPlacedGroup(const std::vector<const Node*>& group,
                             Device* device) {
  for (const Node* m : group) {
    if (m->id() < num_placed_) continue;
    absl::Status s;
    auto spec = ParseDeviceSpec(m->requested_device());
    if (!spec.ok()) {
      s = AnnotateStatus(spec.status(), m->Describe());
    } else if (!Supports(m, device)) {
      s = absl::InvalidArgumentError(Unsatisfiable(
          {m}, DeviceSpec{absl::AsciiStrToUpper(device->device_type()), -1}));
    }
    if (s.ok()) {
      assigned_[m->id()] = device;
    } else if (options_.allow_soft_placement) {
      Log(absl::StrCat(s.message(), "; placing it on ", devices_[0]->name(),
                       " (soft placement)"));
      assigned_[m->id()] = devices_[0];
    } else {
      errors_[m->id()] = s;
    }
  }
}

absl::StatusOr<Device*> Placer::ChooseDevice(
    const std::vector<const Node*>& group) {
  ASSIGN_OR_RETURN(DeviceSpec spec, GroupRequest(group));
  bool requested = !spec.type.empty() || spec.index >= 0;
  if (!requested) {
    // TF's default: an accelerator when one can run the whole group.
    for (size_t i = 1; i < devices_.size(); ++i) {
      if (SupportsAll(group, devices_[i])) return devices_[i];
    }
    return devices_[0];
  }
  for (size_t i = 0; i < devices_.size(); ++i) {
    if (spec.Matches(device_specs_[i]) && SupportsAll(group, devices_[i])) {
      return devices_[i];
    }
  }
  std::string why = Unsatisfiable(group, spec);
  if (!options_.allow_soft_placement) {
    return absl::InvalidArgumentError(
        absl::StrCat(why, ". Set SessionOptions::allow_soft_placement to run "
                          "it on the CPU instead"));
  }
  Log(absl::StrCat(why, "; placing it on ", devices_[0]->name(),
                   " (soft placement)"));
  return devices_[0];
}

absl::StatusOr<DeviceSpec> Placer::GroupRequest(
    const std::vector<const Node*>& group) {
  DeviceSpec merged;
  const Node* first = nullptr;
  for (const Node* m : group) {
    if (m->requested_device().empty()) continue;
    absl::StatusOr<DeviceSpec> spec = ParseDeviceSpec(m->requested_device());
    if (!spec.ok()) return AnnotateStatus(spec.status(), m->Describe());
    if (first != nullptr) {
      bool conflict =
          (!merged.type.empty() && !spec->type.empty() &&
           merged.type != spec->type) ||
          (merged.index >= 0 && spec->index >= 0 && merged.index != spec->index);
      if (conflict) {
        std::string why = absl::StrCat(
            "Cannot colocate ", first->Describe(), " (device '",
            first->requested_device(), "') with ", m->Describe(),
            " (device '", m->requested_device(),
            "'): a reference, resource or _class colocation ties them to "
            "one device");
        if (!options_.allow_soft_placement) {
          return absl::InvalidArgumentError(why);
        }
        Log(absl::StrCat(why, "; keeping '", first->requested_device(),
                         "' (soft placement)"));
        continue;
      }
    } else {
      first = m;
    }
    if (merged.type.empty()) merged.type = spec->type;
    if (merged.index < 0) merged.index = spec->index;
  }
  return merged;
}

bool Placer::Supports(const Node* node, const Device* device) {
  const auto& types = supported_[node->id()];
  return std::find(types.begin(), types.end(), device->device_type()) !=
         types.end();
}

bool Placer::SupportsAll(const std::vector<const Node*>& group,
                         const Device* device) {
  for (const Node* m : group) {
    if (!Supports(m, device)) return false;
  }
  return true;
}

std::string Placer::Unsatisfiable(const std::vector<const Node*>& group,
                                   const DeviceSpec& spec) {
  const Node* requester = group.front();
  for (const Node* m : group) {
    if (!m->requested_device().empty()) {
      requester = m;
      break;
    }
  }
  std::string head = absl::StrCat(
      "Cannot assign a device for operation ", requester->Describe(),
      ": could not satisfy device specification '",
      requester->requested_device().empty() ? spec.ToString()
                                            : requester->requested_device(),
      "' because ");
  std::vector<std::string> names;
  const Device* match = nullptr;
  for (size_t i = 0; i < devices_.size(); ++i) {
    names.push_back(devices_[i]->name());
    if (match == nullptr && spec.Matches(device_specs_[i])) match = devices_[i];
  }
  if (match == nullptr) {
    return absl::StrCat(head, "no such device exists; devices: [",
                        absl::StrJoin(names, ", "), "]");
  }
  for (const Node* m : group) {
    if (Supports(m, match)) continue;
    return absl::StrCat(
        head, "no supported kernel for ", match->device_type(),
        " devices is available",
        m == requester ? "" : absl::StrCat(" for colocated ", m->Describe()),
        "; device types with kernels for op ", m->type_string(), ": [",
        absl::StrJoin(supported_[m->id()], ", "), "]");
  }
  return absl::StrCat(head, "its colocation group cannot be placed there");
}

void Placer::Log(const std::string& line) const {
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace tessera
