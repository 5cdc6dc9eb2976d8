// GraphDef import and (binary / text) file I/O.
#ifndef TESSERA_GRAPH_GRAPH_DEF_IO_H_
#define TESSERA_GRAPH_GRAPH_DEF_IO_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "proto/graph.pb.h"

namespace tessera {

struct ImportGraphDefOptions {
  // Prepended as "prefix/" to every imported node name.
  std::string prefix;
  // Imported tensor name ("x:0") -> existing output that replaces it.
  std::map<std::string, Output> input_map;
  // Tensor ("y:0") or operation ("init") names to return, in order.
  std::vector<std::string> return_elements;
};

struct ImportGraphDefResults {
  std::vector<Output> return_tensors;      // for names with ':'
  std::vector<Operation> return_operations;  // for plain names
};

// Adds the nodes of `graph_def` to `graph` (which may already hold nodes).
// Node order in the GraphDef does not matter. Every unknown op is listed in
// one error; on any error nothing is added.
absl::Status ImportGraphDef(const ::tensorflow::GraphDef& graph_def,
                            Graph* graph,
                            const ImportGraphDefOptions& options = {},
                            ImportGraphDefResults* results = nullptr);

// Reads a GraphDef from a binary (.pb) or text (.pbtxt) file; the format is
// chosen by the extension, falling back to trying both.
absl::Status ReadGraphDef(const std::string& path,
                          ::tensorflow::GraphDef* graph_def);
// Writes binary, or text when `as_text` (TensorFlow's .pbtxt format).
absl::Status WriteGraphDef(const ::tensorflow::GraphDef& graph_def,
                           const std::string& path, bool as_text);

// Generic proto file helpers, used by other readers too.
absl::Status ReadBinaryProto(const std::string& path,
                             google::protobuf::Message* message);
absl::Status ReadTextProto(const std::string& path,
                           google::protobuf::Message* message);
absl::Status WriteBinaryProto(const google::protobuf::Message& message,
                              const std::string& path);
// Serializes with map entries in key order, so equal messages give equal
// bytes (files are reproducible and comparable).
std::string SerializeDeterministic(const google::protobuf::Message& message);
absl::Status WriteTextProto(const google::protobuf::Message& message,
                            const std::string& path);

}  // namespace tessera

#endif  // TESSERA_GRAPH_GRAPH_DEF_IO_H_
