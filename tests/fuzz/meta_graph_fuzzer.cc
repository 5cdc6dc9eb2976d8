// Fuzz target: MetaGraphDef import (tf.train.import_meta_graph), binary and
// text. The input is parsed both ways; whatever parses goes through
// ImportMetaGraph into a fresh Graph: the graph_def import (see
// graph_def_fuzzer), the SaverDef (tensor and op names), and every
// collection (VariableDef bytes, node lists of operations and tensors,
// strings, numbers), all-or-nothing. Checked beyond "no crash": a failed
// import leaves the graph empty; a graph that imported exports again
// (ExportMetaGraphDef with the imported Saver and signature defs) and that
// export re-imports with the same collections (keys and item counts) and
// variables.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "graph/graph.h"
#include "proto/meta_graph.pb.h"
#include "runtime/meta_graph.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

class SilentErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, google::protobuf::io::ColumnNumber,
                const std::string&) override {}
};

[[noreturn]] void Fail(const std::string& what,
                       const google::protobuf::Message& proto) {
  std::fprintf(stderr, "meta_graph_fuzzer: %s\n%s\n", what.c_str(),
               proto.DebugString().c_str());
  std::abort();
}

// Collection keys with their item counts, and variable names.
std::string Summary(const tessera::Graph& g) {
  std::string s;
  for (const std::string& key : g.CollectionKeys()) {
    s += key + ":" + std::to_string(g.GetCollection(key).size()) + " ";
  }
  for (const tessera::Variable* v : g.variables()) s += "var " + v->name + " ";
  return s;
}

void ImportAndRoundTrip(const ::tensorflow::MetaGraphDef& mgd) {
  tessera::Graph graph;
  const int empty = graph.num_nodes();
  auto imported = tessera::ImportMetaGraph(mgd, &graph);
  tessera::fuzz::Note("import", imported.status());
  if (!imported.ok()) {
    if (graph.num_nodes() != empty || !graph.CollectionKeys().empty() ||
        !graph.variables().empty()) {
      Fail("a failed import left nodes, collections or variables behind: " +
               imported.status().ToString(),
           mgd);
    }
    return;
  }
  tessera::ExportMetaGraphOptions options;
  if (imported->saver != nullptr) options.saver_def = imported->saver->saver_def();
  options.signature_defs.insert(mgd.signature_def().begin(),
                                mgd.signature_def().end());
  auto exported = tessera::ExportMetaGraphDef(graph, options);
  if (!exported.ok()) {
    Fail("an imported meta graph does not export: " +
             exported.status().ToString(),
         mgd);
  }
  tessera::Graph again;
  auto reimported = tessera::ImportMetaGraph(*exported, &again);
  if (!reimported.ok()) {
    Fail("an exported meta graph does not re-import: " +
             reimported.status().ToString(),
         *exported);
  }
  if ((imported->saver == nullptr) != (reimported->saver == nullptr) ||
      Summary(graph) != Summary(again)) {
    Fail("re-import changed the collections, variables or saver: " +
             Summary(graph) + "| " + Summary(again),
         *exported);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ::tensorflow::MetaGraphDef mgd;
  if (mgd.ParseFromArray(data, static_cast<int>(size))) {
    ImportAndRoundTrip(mgd);
  }
  SilentErrors errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  mgd.Clear();
  if (parser.ParseFromString(
          std::string(reinterpret_cast<const char*>(data), size), &mgd)) {
    ImportAndRoundTrip(mgd);
  }
  return 0;
}
