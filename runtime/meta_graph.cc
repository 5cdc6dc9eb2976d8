// MetaGraphDef export and import: collections <-> CollectionDef the way TF's
// meta_graph.py encodes them, Variables <-> VariableDef.
#include "runtime/meta_graph.h"

#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "proto/variable.pb.h"

namespace tessera {
namespace {

using ::tensorflow::CollectionDef;
using ::tensorflow::MetaGraphDef;
using ::tensorflow::VariableDef;

std::string OutputName(const Node* node, int index) {
  return Output{const_cast<Node*>(node), index}.name();
}

VariableDef ToVariableDef(const Variable& v) {
  VariableDef def;
  def.set_variable_name(OutputName(v.handle, 0));
  if (v.initializer != nullptr) def.set_initializer_name(v.initializer->name());
  if (v.read != nullptr) def.set_snapshot_name(OutputName(v.read, 0));
  if (v.initial_value != nullptr) {
    def.set_initial_value_name(
        OutputName(v.initial_value, v.initial_value_index));
  }
  def.set_is_resource(v.is_resource);
  def.set_trainable(v.trainable);
  return def;
}

// One collection as TF encodes it; every item must be of one kind
// (operations and tensors share node_list).
absl::Status ToCollectionDef(const std::string& key,
                             const std::vector<CollectionItem>& items,
                             CollectionDef* def) {
  for (const CollectionItem& item : items) {
    if (auto* v = std::get_if<const Variable*>(&item)) {
      *def->mutable_bytes_list()->add_value() =
          ToVariableDef(**v).SerializeAsString();
    } else if (auto* op = std::get_if<Operation>(&item)) {
      def->mutable_node_list()->add_value(op->name());
    } else if (auto* out = std::get_if<Output>(&item)) {
      def->mutable_node_list()->add_value(out->name());
    } else if (auto* s = std::get_if<std::string>(&item)) {
      def->mutable_bytes_list()->add_value(*s);
    } else if (auto* i = std::get_if<int64_t>(&item)) {
      def->mutable_int64_list()->add_value(*i);
    } else if (auto* f = std::get_if<float>(&item)) {
      def->mutable_float_list()->add_value(*f);
    }
  }
  // A oneof keeps only the last kind set: count what survived.
  int kept = def->node_list().value_size() + def->bytes_list().value_size() +
             def->int64_list().value_size() + def->float_list().value_size();
  bool variables = false, strings = false;
  for (const CollectionItem& item : items) {
    variables |= std::holds_alternative<const Variable*>(item);
    strings |= std::holds_alternative<std::string>(item);
  }
  if (kept != static_cast<int>(items.size()) || (variables && strings)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "collection '", key,
        "' mixes kinds of items (variables, operations/tensors, strings, "
        "numbers); a CollectionDef holds one kind"));
  }
  return absl::OkStatus();
}

void AddStrippedOps(const Graph& graph, MetaGraphDef* mgd) {
  std::set<std::string> used;
  for (const Node* n : graph.nodes()) used.insert(n->type_string());
  auto* list = mgd->mutable_meta_info_def()->mutable_stripped_op_list();
  for (const std::string& op : used) {
    auto reg = graph.op_registry()->LookUp(op);
    if (reg.ok()) *list->add_op() = (*reg)->op_def;
  }
}

std::string Prefixed(const std::string& scope, const std::string& name) {
  if (scope.empty()) return name;
  return absl::StartsWith(name, "^") ? "^" + scope + "/" + name.substr(1)
                                     : scope + "/" + name;
}

// A data tensor named in a VariableDef or a node list. Graph::FindOutput
// also accepts "^node" (a control output, index -1), which no tensor name
// in a MetaGraphDef may be: it would export as "node:-1".
absl::StatusOr<Output> FindTensor(const Graph& graph, const std::string& name) {
  if (absl::StartsWith(name, "^")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' names a control dependency, not a tensor"));
  }
  return graph.FindOutput(name);
}

// Rebuilds (or finds, when listed under several keys) a Variable.
// With `commit` false only checks that it can (nothing is added).
absl::StatusOr<const Variable*> ImportVariable(
    Graph* graph, const VariableDef& def, const std::string& scope,
    const std::set<std::string>& trainable, bool commit) {
  ASSIGN_OR_RETURN(Output handle,
                   FindTensor(*graph, Prefixed(scope, def.variable_name())));
  if (const Variable* v = graph->FindVariable(handle.node->name())) return v;
  Variable v;
  v.name = handle.node->name();
  v.handle = handle.node;
  v.is_resource = def.is_resource();
  v.trainable = def.trainable() || trainable.count(def.variable_name()) > 0;
  RETURN_IF_ERROR(GetAttr(handle.node->attrs(), "dtype", &v.dtype));
  if (handle.node->attrs().count("shape") > 0) {
    RETURN_IF_ERROR(GetAttr(handle.node->attrs(), "shape", &v.shape));
  }
  if (!def.snapshot_name().empty()) {
    ASSIGN_OR_RETURN(Output read,
                     FindTensor(*graph, Prefixed(scope, def.snapshot_name())));
    v.read = read.node;
  } else {
    v.read = handle.node;
  }
  if (!def.initializer_name().empty()) {
    v.initializer = graph->FindNode(Prefixed(scope, def.initializer_name()));
  }
  if (!def.initial_value_name().empty()) {
    ASSIGN_OR_RETURN(Output init, FindTensor(*graph, Prefixed(
                                      scope, def.initial_value_name())));
    v.initial_value = init.node;
    v.initial_value_index = init.index;
  }
  if (!commit) return nullptr;
  return graph->AddVariable(std::move(v));
}

// With `commit` false only checks every item (nothing is added).
absl::Status ImportCollection(Graph* graph, const std::string& key,
                              const CollectionDef& def,
                              const std::string& scope,
                              const std::set<std::string>& trainable,
                              bool commit) {
  if (def.has_bytes_list() && IsVariableCollection(key)) {
    for (const std::string& bytes : def.bytes_list().value()) {
      VariableDef vd;
      if (!vd.ParseFromString(bytes)) {
        return absl::DataLossError("an entry is not a valid VariableDef");
      }
      ASSIGN_OR_RETURN(const Variable* v,
                       ImportVariable(graph, vd, scope, trainable, commit));
      if (commit) graph->AddToCollection(key, v);
    }
  } else if (def.has_node_list()) {
    for (const std::string& name : def.node_list().value()) {
      const std::string full = Prefixed(scope, name);
      if (absl::StrContains(name, ':')) {
        ASSIGN_OR_RETURN(Output out, FindTensor(*graph, full));
        if (commit) graph->AddToCollection(key, out);
        continue;
      }
      Node* node = graph->FindNode(full);
      if (node == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("operation '", full, "' is not in the graph"));
      }
      if (commit) graph->AddToCollection(key, Operation(node));
    }
  } else if (!commit) {
    return absl::OkStatus();
  } else if (def.has_bytes_list()) {
    for (const std::string& s : def.bytes_list().value()) {
      graph->AddToCollection(key, s);
    }
  } else if (def.has_int64_list()) {
    for (int64_t i : def.int64_list().value()) graph->AddToCollection(key, i);
  } else if (def.has_float_list()) {
    for (float f : def.float_list().value()) graph->AddToCollection(key, f);
  }
  return absl::OkStatus();
}

}  // namespace

bool IsVariableCollection(const std::string& key) {
  static const auto* keys = new std::set<std::string>{
      GraphKeys::kGlobalVariables,   GraphKeys::kLocalVariables,
      GraphKeys::kTrainableVariables, GraphKeys::kModelVariables,
      GraphKeys::kMetricVariables,   GraphKeys::kGlobalStep,
      "moving_average_variables",    "concatenated_variables",
      "trainable_resource_variables"};
  return keys->count(key) > 0;
}

absl::StatusOr<MetaGraphDef> ExportMetaGraphDef(
    const Graph& graph, const ExportMetaGraphOptions& options) {
  MetaGraphDef mgd;
  auto* info = mgd.mutable_meta_info_def();
  for (const std::string& tag : options.tags) info->add_tags(tag);
  info->set_tensorflow_git_version("tessera");
  AddStrippedOps(graph, &mgd);
  graph.ToGraphDef(mgd.mutable_graph_def());
  if (options.clear_devices) {
    for (auto& node : *mgd.mutable_graph_def()->mutable_node()) {
      node.clear_device();
    }
  }
  if (options.saver_def.has_value()) *mgd.mutable_saver_def() = *options.saver_def;
  std::vector<std::string> keys = options.collection_list;
  if (keys.empty()) keys = graph.CollectionKeys();
  for (const std::string& key : keys) {
    std::vector<CollectionItem> items = graph.GetCollection(key);
    if (items.empty()) continue;
    RETURN_IF_ERROR(
        ToCollectionDef(key, items, &(*mgd.mutable_collection_def())[key]));
  }
  for (const auto& [key, sig] : options.signature_defs) {
    (*mgd.mutable_signature_def())[key] = sig;
  }
  return mgd;
}

absl::Status ExportMetaGraph(const Graph& graph, const std::string& path,
                             const ExportMetaGraphOptions& options) {
  ASSIGN_OR_RETURN(MetaGraphDef mgd, ExportMetaGraphDef(graph, options));
  return options.as_text ? WriteTextProto(mgd, path)
                         : WriteBinaryProto(mgd, path);
}

absl::Status ReadMetaGraphDef(const std::string& path, MetaGraphDef* mgd) {
  const bool text = absl::EndsWith(path, ".pbtxt") ||
                    absl::EndsWith(path, ".txt");
  absl::Status s = text ? ReadTextProto(path, mgd) : ReadBinaryProto(path, mgd);
  if (s.ok() || absl::IsNotFound(s)) return s;
  mgd->Clear();
  absl::Status other =
      text ? ReadBinaryProto(path, mgd) : ReadTextProto(path, mgd);
  return other.ok() ? other : s;
}

absl::StatusOr<ImportedMetaGraph> ImportMetaGraph(
    const MetaGraphDef& meta_graph_def, Graph* graph,
    const ImportMetaGraphOptions& options) {
  ImportedMetaGraph result;
  result.meta_graph_def = meta_graph_def;
  ::tensorflow::GraphDef gd = meta_graph_def.graph_def();
  if (options.clear_devices) {
    for (auto& node : *gd.mutable_node()) node.clear_device();
  }
  const int start = graph->num_nodes();
  RETURN_IF_ERROR(ImportGraphDef(
      gd, graph, {options.import_scope, options.input_map, {}}, nullptr));
  if (meta_graph_def.has_saver_def()) {
    ::tensorflow::SaverDef sd = meta_graph_def.saver_def();
    sd.set_filename_tensor_name(
        Prefixed(options.import_scope, sd.filename_tensor_name()));
    sd.set_save_tensor_name(Prefixed(options.import_scope, sd.save_tensor_name()));
    sd.set_restore_op_name(Prefixed(options.import_scope, sd.restore_op_name()));
    auto saver = Saver::FromSaverDef(*graph, sd);
    if (!saver.ok()) {
      graph->TruncateTo(start);
      return saver.status();
    }
    result.saver = *std::move(saver);
  }
  std::set<std::string> trainable;
  auto it = meta_graph_def.collection_def().find(GraphKeys::kTrainableVariables);
  if (it != meta_graph_def.collection_def().end()) {
    for (const std::string& bytes : it->second.bytes_list().value()) {
      VariableDef vd;
      if (vd.ParseFromString(bytes)) trainable.insert(vd.variable_name());
    }
  }
  // Sorted keys: "trainable_variables" and "variables" meet the same
  // Variable objects, whichever comes first.
  std::map<std::string, CollectionDef> sorted(
      meta_graph_def.collection_def().begin(),
      meta_graph_def.collection_def().end());
  // Check every collection, then add: a bad one leaves the graph as it was.
  for (bool commit : {false, true}) {
    for (const auto& [key, def] : sorted) {
      absl::Status s = ImportCollection(graph, key, def, options.import_scope,
                                        trainable, commit);
      if (!s.ok()) {
        graph->TruncateTo(start);
        return AnnotateStatus(s,
                              absl::StrCat("importing collection '", key, "'"));
      }
    }
  }
  return result;
}

absl::StatusOr<ImportedMetaGraph> ImportMetaGraph(
    const std::string& path, Graph* graph,
    const ImportMetaGraphOptions& options) {
  MetaGraphDef mgd;
  RETURN_IF_ERROR(ReadMetaGraphDef(path, &mgd));
  absl::StatusOr<ImportedMetaGraph> result =
      ImportMetaGraph(mgd, graph, options);
  if (!result.ok()) return AnnotateStatus(result.status(), path);
  return result;
}

absl::StatusOr<std::string> WriteGraph(const Graph& graph,
                                       const std::string& dir,
                                       const std::string& name, bool as_text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create directory ", dir, ": ", ec.message()));
  }
  ::tensorflow::GraphDef gd;
  graph.ToGraphDef(&gd);
  const std::string path = dir + "/" + name;
  RETURN_IF_ERROR(WriteGraphDef(gd, path, as_text));
  return path;
}

}  // namespace tessera
