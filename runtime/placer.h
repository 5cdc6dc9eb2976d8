// Placer: picks the device each node runs on, following TensorFlow's rules.
//
// Nodes that must share a device form colocation groups: a TF1 reference
// variable with the ops that take its reference (Assign, Apply*, its "read"
// Identity), a resource with the ops that take its handle (VarHandleOp with
// ReadVariableOp, AssignVariableOp, ResourceApply*...), and nodes whose
// `_class` attr lists "loc:@name". A group goes to a device where every
// member has a kernel: the one a member requested ("/gpu:0",
// "/device:GPU:0", "/job:localhost/replica:0/task:0/device:GPU:0"), else the
// first accelerator that can run it all, else the CPU. A request that cannot
// be met falls back to the CPU under soft placement and is an error
// otherwise.
//
// The graph may grow between calls (TF1 style); nodes are placed once, and a
// new node joining a placed group takes the group's device.
#ifndef TESSERA_RUNTIME_PLACER_H_
#define TESSERA_RUNTIME_PLACER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/device.h"
#include "graph/graph.h"

namespace tessera {

struct PlacerOptions {
  bool allow_soft_placement = true;
  // Writes "node (Op): device" for each placed node, and each soft-placement
  // fallback, to stderr.
  bool log_device_placement = false;
};

// A parsed device string; empty type / negative index match any.
struct DeviceSpec {
  std::string type;  // upper case: "CPU", "GPU"
  int index = -1;
  bool Matches(const DeviceSpec& device) const;
  std::string ToString() const;
};

// Parses "", "/cpu:0", "/gpu:1", "/device:GPU:0", "/device:GPU:*" and full
// names "/job:localhost/replica:0/task:0/device:CPU:0".
absl::StatusOr<DeviceSpec> ParseDeviceSpec(const std::string& device);

class Placer {
 public:
  // `devices` (not owned) must start with the CPU device, the fallback.
  Placer(const Graph* graph, std::vector<Device*> devices,
         PlacerOptions options);

  // The device `node` runs on. Places every node added to the graph since
  // the last call first. An unsatisfiable or malformed request is an error
  // for the members of that node's group only. Not thread-safe.
  absl::StatusOr<Device*> DeviceFor(const Node* node);

 private:
  absl::Status PlaceNewNodes();
  std::vector<std::vector<const Node*>> ColocationGroups() const;
  void PlaceGroup(const std::vector<const Node*>& group);
  // Joins new members to a group that already has a device.
  void JoinPlacedGroup(const std::vector<const Node*>& group, Device* device);
  absl::StatusOr<Device*> ChooseDevice(
      const std::vector<const Node*>& group);
  absl::StatusOr<DeviceSpec> GroupRequest(
      const std::vector<const Node*>& group);
  bool Supports(const Node* node, const Device* device);
  bool SupportsAll(const std::vector<const Node*>& group,
                   const Device* device);
  std::string Unsatisfiable(const std::vector<const Node*>& group,
                            const DeviceSpec& spec);
  void Log(const std::string& line) const;

  const Graph* graph_;
  std::vector<Device*> devices_;
  std::vector<DeviceSpec> device_specs_;  // parsed device names
  PlacerOptions options_;
  int num_placed_ = 0;
  std::vector<Device*> assigned_;                    // by node id
  absl::flat_hash_map<int, absl::Status> errors_;    // by node id
  std::vector<std::vector<std::string>> supported_;  // kernel device types
};

}  // namespace tessera

#endif  // TESSERA_RUNTIME_PLACER_H_
