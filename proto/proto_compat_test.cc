// Wire compatibility of proto/*.proto with TensorFlow: parses files written by
// real TensorFlow (tests/testdata/tf, see MANIFEST.md) and checks that no field
// is unknown anywhere (every tag TensorFlow wrote has the same number here),
// that every enum value is known, and that re-serialization round-trips.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/checkpoint_state.pb.h"
#include "proto/config.pb.h"
#include "proto/event.pb.h"
#include "proto/example.pb.h"
#include "proto/graph.pb.h"
#include "proto/meta_graph.pb.h"
#include "proto/saved_model.pb.h"
#include "proto/saved_tensor_slice.pb.h"
#include "proto/tensor_bundle.pb.h"
#include "proto/types.pb.h"
#include "proto/variable.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;
using google::protobuf::util::MessageDifferencer;

constexpr char kTfDir[] = "tests/testdata/tf/";

std::string ReadFileOrDie(const std::string& relpath) {
  std::ifstream in(kTfDir + relpath, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << kTfDir << relpath;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Recursively collects problems: unknown fields, unknown enum values, and
// Any payloads that do not parse cleanly into the named tensorflow type.
void CollectProblems(const Message& msg, const std::string& path,
                     std::vector<std::string>* problems) {
  const Reflection* refl = msg.GetReflection();
  const Descriptor* desc = msg.GetDescriptor();
  if (!refl->GetUnknownFields(msg).empty()) {
    problems->push_back(path + " (" + desc->full_name() + "): " +
                        std::to_string(refl->GetUnknownFields(msg).field_count()) +
                        " unknown field(s)");
  }
  // google.protobuf.Any: unpack the payload when its type is one of ours.
  if (desc->full_name() == "google.protobuf.Any") {
    const auto& any = static_cast<const google::protobuf::Any&>(msg);
    std::string type_name = any.type_url().substr(any.type_url().rfind('/') + 1);
    const Descriptor* payload_desc =
        DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
    // Types defined outside TensorFlow core (e.g. tensorflow.serving.*)
    // cannot be checked here.
    if (payload_desc == nullptr) return;
    std::unique_ptr<Message> payload(
        MessageFactory::generated_factory()->GetPrototype(payload_desc)->New());
    if (!payload->ParseFromString(any.value())) {
      problems->push_back(path + ": Any payload does not parse as " + type_name);
      return;
    }
    CollectProblems(*payload, path + "[" + type_name + "]", problems);
    return;
  }
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(msg, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string fpath = path + "." + f->name();
    if (f->is_repeated()) {
      const int n = refl->FieldSize(msg, f);
      for (int i = 0; i < n; ++i) {
        const std::string ipath = fpath + "[" + std::to_string(i) + "]";
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          CollectProblems(refl->GetRepeatedMessage(msg, f, i), ipath, problems);
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
          const int v = refl->GetRepeatedEnumValue(msg, f, i);
          if (f->enum_type()->FindValueByNumber(v) == nullptr) {
            problems->push_back(ipath + ": unknown enum value " +
                                std::to_string(v));
          }
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      CollectProblems(refl->GetMessage(msg, f), fpath, problems);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      const int v = refl->GetEnumValue(msg, f);
      if (f->enum_type()->FindValueByNumber(v) == nullptr) {
        problems->push_back(fpath + ": unknown enum value " + std::to_string(v));
      }
    }
  }
}

void ExpectFullyKnown(const Message& msg, const std::string& what) {
  std::vector<std::string> problems;
  CollectProblems(msg, what, &problems);
  for (const std::string& p : problems) ADD_FAILURE() << p;
  EXPECT_TRUE(problems.empty());
}

// Binary and text round trips.
void ExpectRoundTrips(const Message& msg, const std::string& original_bytes) {
  std::string reserialized;
  {
    google::protobuf::io::StringOutputStream sos(&reserialized);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    ASSERT_TRUE(msg.SerializeToCodedStream(&cos));
  }
  // Same size and the same bytes up to order: TensorFlow (Python) writes map
  // entries in insertion order while deterministic C++ output sorts them, so
  // files with maps are a permutation of map entries, not byte-identical.
  EXPECT_EQ(reserialized.size(), original_bytes.size());
  std::string sorted_a = reserialized, sorted_b = original_bytes;
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_b.begin(), sorted_b.end());
  EXPECT_TRUE(sorted_a == sorted_b) << "re-serialized bytes differ";
  std::unique_ptr<Message> reparsed(msg.New());
  ASSERT_TRUE(reparsed->ParseFromString(reserialized));
  EXPECT_TRUE(MessageDifferencer::Equals(msg, *reparsed));

  std::string text;
  ASSERT_TRUE(TextFormat::PrintToString(msg, &text));
  std::unique_ptr<Message> from_text(msg.New());
  ASSERT_TRUE(TextFormat::ParseFromString(text, from_text.get()));
  EXPECT_TRUE(MessageDifferencer::Equals(msg, *from_text));
}

// Values of the "variables" / "trainable_variables" collections are serialized
// VariableDef protos (bytes_list); check those too.
void ExpectVariableCollectionsParse(const tensorflow::MetaGraphDef& mg,
                                    int* num_variables) {
  *num_variables = 0;
  for (const char* key : {"variables", "trainable_variables"}) {
    auto it = mg.collection_def().find(key);
    if (it == mg.collection_def().end()) continue;
    ASSERT_EQ(it->second.kind_case(), tensorflow::CollectionDef::kBytesList);
    for (const std::string& bytes : it->second.bytes_list().value()) {
      tensorflow::VariableDef var;
      ASSERT_TRUE(var.ParseFromString(bytes));
      ExpectFullyKnown(var, std::string("collection ") + key);
      EXPECT_FALSE(var.variable_name().empty());
      if (std::string(key) == "variables") ++*num_variables;
    }
  }
}

// Map-free sub-messages re-serialize byte-identically: their bytes appear
// verbatim inside the file TensorFlow wrote.
void ExpectVerbatim(const Message& sub, const std::string& file,
                    const std::string& what) {
  const std::string bytes = sub.SerializeAsString();
  ASSERT_FALSE(bytes.empty()) << what;
  EXPECT_NE(file.find(bytes), std::string::npos) << what << " not verbatim";
}

const tensorflow::NodeDef* FindNode(const tensorflow::GraphDef& g,
                                    const std::string& name) {
  for (const auto& n : g.node()) {
    if (n.name() == name) return &n;
  }
  return nullptr;
}

TEST(ProtoCompatTest, SavedModelHalfPlusTwo) {
  const std::string bytes =
      ReadFileOrDie("saved_model_half_plus_two_cpu/00000123/saved_model.pb");
  ASSERT_FALSE(bytes.empty());
  tensorflow::SavedModel sm;
  ASSERT_TRUE(sm.ParseFromString(bytes));
  ExpectFullyKnown(sm, "SavedModel");
  ExpectRoundTrips(sm, bytes);

  EXPECT_EQ(sm.saved_model_schema_version(), 1);
  ASSERT_EQ(sm.meta_graphs_size(), 1);
  const tensorflow::MetaGraphDef& mg = sm.meta_graphs(0);
  ASSERT_EQ(mg.meta_info_def().tags_size(), 1);
  EXPECT_EQ(mg.meta_info_def().tags(0), "serve");
  EXPECT_GT(mg.meta_info_def().stripped_op_list().op_size(), 0);
  EXPECT_GT(mg.graph_def().node_size(), 0);
  EXPECT_GT(mg.graph_def().versions().producer(), 0);
  EXPECT_FALSE(mg.saver_def().filename_tensor_name().empty());
  ExpectVerbatim(mg.saver_def(), bytes, "saver_def");
  ExpectVerbatim(mg.meta_info_def().stripped_op_list(), bytes,
                 "stripped_op_list");
  ExpectVerbatim(mg.graph_def().versions(), bytes, "graph_def.versions");

  // The predict signature: x -> y = 0.5 * x + 2.
  ASSERT_TRUE(mg.signature_def().count("serving_default") ||
              mg.signature_def().count("predict"));
  bool found_predict = false;
  for (const auto& [key, sig] : mg.signature_def()) {
    if (sig.method_name() != "tensorflow/serving/predict") continue;
    found_predict = true;
    ASSERT_EQ(sig.inputs().count("x"), 1u) << key;
    ASSERT_EQ(sig.outputs().count("y"), 1u) << key;
    EXPECT_EQ(sig.inputs().at("x").dtype(), tensorflow::DT_FLOAT);
    EXPECT_FALSE(sig.inputs().at("x").name().empty());
  }
  EXPECT_TRUE(found_predict);

  // Asset foo.txt: TF1 SavedModels list assets in the "saved_model_assets"
  // collection as Any-packed tensorflow.AssetFileDef (newer ones also use
  // MetaGraphDef.asset_file_def).
  std::vector<std::string> asset_files;
  for (const auto& asset : mg.asset_file_def()) {
    asset_files.push_back(asset.filename());
  }
  auto assets = mg.collection_def().find("saved_model_assets");
  if (assets != mg.collection_def().end()) {
    for (const google::protobuf::Any& any : assets->second.any_list().value()) {
      EXPECT_EQ(any.type_url(), "type.googleapis.com/tensorflow.AssetFileDef");
      tensorflow::AssetFileDef asset;
      ASSERT_TRUE(any.UnpackTo(&asset));
      EXPECT_FALSE(asset.tensor_info().name().empty());
      asset_files.push_back(asset.filename());
    }
  }
  ASSERT_FALSE(asset_files.empty());
  EXPECT_EQ(asset_files[0], "foo.txt");

  int num_variables = 0;
  ExpectVariableCollectionsParse(mg, &num_variables);
  EXPECT_EQ(num_variables, 5);  // a, a2, b, c, c2

  // A Const node with a float tensor.
  const tensorflow::NodeDef* a = nullptr;
  for (const auto& n : mg.graph_def().node()) {
    if (n.op() == "Const" && n.attr().count("value") &&
        n.attr().at("value").tensor().dtype() == tensorflow::DT_FLOAT) {
      a = &n;
      break;
    }
  }
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->attr().at("dtype").type(), tensorflow::DT_FLOAT);
}

TEST(ProtoCompatTest, SavedModelCounter) {
  const std::string bytes =
      ReadFileOrDie("saved_model_counter/00000123/saved_model.pb");
  ASSERT_FALSE(bytes.empty());
  tensorflow::SavedModel sm;
  ASSERT_TRUE(sm.ParseFromString(bytes));
  ExpectFullyKnown(sm, "SavedModel");
  ExpectRoundTrips(sm, bytes);
  ASSERT_GE(sm.meta_graphs_size(), 1);
  const tensorflow::MetaGraphDef& mg = sm.meta_graphs(0);
  EXPECT_GT(mg.graph_def().node_size(), 0);
  EXPECT_GT(mg.signature_def_size(), 0);
  int num_variables = 0;
  ExpectVariableCollectionsParse(mg, &num_variables);
  EXPECT_EQ(num_variables, 1);  // counter
}

TEST(ProtoCompatTest, SessionBundleMetaGraph) {
  const std::string bytes =
      ReadFileOrDie("session_bundle_half_plus_two/00000123/export.meta");
  ASSERT_FALSE(bytes.empty());
  tensorflow::MetaGraphDef mg;
  ASSERT_TRUE(mg.ParseFromString(bytes));
  ExpectFullyKnown(mg, "MetaGraphDef");
  ExpectRoundTrips(mg, bytes);

  EXPECT_GT(mg.graph_def().node_size(), 0);
  EXPECT_GT(mg.meta_info_def().stripped_op_list().op_size(), 0);
  EXPECT_FALSE(mg.saver_def().filename_tensor_name().empty());
  EXPECT_FALSE(mg.saver_def().restore_op_name().empty());
  ExpectVerbatim(mg.saver_def(), bytes, "saver_def");
  ExpectVerbatim(mg.meta_info_def().stripped_op_list(), bytes,
                 "stripped_op_list");
  EXPECT_GT(mg.collection_def_size(), 0);
  // Session bundles keep their signatures in an Any-typed collection
  // ("serving_signatures", tensorflow.serving.Signatures): not one of ours, so
  // only check that it is there.
  EXPECT_EQ(mg.collection_def().count("serving_signatures"), 1u);
  int num_variables = 0;
  ExpectVariableCollectionsParse(mg, &num_variables);
  EXPECT_GE(num_variables, 2);  // a, b
  EXPECT_NE(FindNode(mg.graph_def(), mg.saver_def().restore_op_name()),
            nullptr);
}

// --- TensorFlow tables (checkpoint .index / V1 checkpoint files) ---
// A minimal reader for uncompressed LevelDB-style table blocks, enough to
// reach the protos stored as values.

bool GetVarint64(const std::string& s, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < s.size(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(s[(*pos)++]);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Returns false when the block is compressed (type byte != 0).
bool ReadBlock(const std::string& file, uint64_t offset, uint64_t size,
               std::vector<std::pair<std::string, std::string>>* entries) {
  EXPECT_LE(offset + size + 5, file.size());
  if (static_cast<uint8_t>(file[offset + size]) != 0) return false;
  const std::string block = file.substr(offset, size);
  uint32_t num_restarts = 0;
  for (int i = 0; i < 4; ++i) {
    num_restarts |= static_cast<uint32_t>(static_cast<uint8_t>(
                        block[block.size() - 4 + i]))
                    << (8 * i);
  }
  const size_t limit = block.size() - 4 - 4 * num_restarts;
  size_t pos = 0;
  std::string key;
  while (pos < limit) {
    uint64_t shared, non_shared, value_len;
    EXPECT_TRUE(GetVarint64(block, &pos, &shared));
    EXPECT_TRUE(GetVarint64(block, &pos, &non_shared));
    EXPECT_TRUE(GetVarint64(block, &pos, &value_len));
    key = key.substr(0, shared) + block.substr(pos, non_shared);
    pos += non_shared;
    entries->emplace_back(key, block.substr(pos, value_len));
    pos += value_len;
  }
  return true;
}

// All (key, value) pairs of a table; false if any block is compressed.
bool ReadTable(const std::string& file,
               std::vector<std::pair<std::string, std::string>>* entries) {
  const size_t kFooter = 48;
  EXPECT_GE(file.size(), kFooter);
  std::string footer = file.substr(file.size() - kFooter);
  const uint64_t kMagic = 0xdb4775248b80fb57ull;
  uint64_t magic = 0;
  for (int i = 0; i < 8; ++i) {
    magic |= static_cast<uint64_t>(static_cast<uint8_t>(footer[40 + i]))
             << (8 * i);
  }
  EXPECT_EQ(magic, kMagic);
  size_t pos = 0;
  uint64_t meta_off, meta_size, index_off, index_size;
  EXPECT_TRUE(GetVarint64(footer, &pos, &meta_off));
  EXPECT_TRUE(GetVarint64(footer, &pos, &meta_size));
  EXPECT_TRUE(GetVarint64(footer, &pos, &index_off));
  EXPECT_TRUE(GetVarint64(footer, &pos, &index_size));
  std::vector<std::pair<std::string, std::string>> index;
  if (!ReadBlock(file, index_off, index_size, &index)) return false;
  for (const auto& [unused_key, handle] : index) {
    size_t hp = 0;
    uint64_t off, size;
    EXPECT_TRUE(GetVarint64(handle, &hp, &off));
    EXPECT_TRUE(GetVarint64(handle, &hp, &size));
    if (!ReadBlock(file, off, size, entries)) return false;
  }
  return true;
}

TEST(ProtoCompatTest, TensorBundleIndex) {
  const std::string file =
      ReadFileOrDie("saved_model_counter/00000123/variables/variables.index");
  std::vector<std::pair<std::string, std::string>> entries;
  ASSERT_TRUE(ReadTable(file, &entries));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first, "");
  tensorflow::BundleHeaderProto header;
  ASSERT_TRUE(header.ParseFromString(entries[0].second));
  ExpectFullyKnown(header, "BundleHeaderProto");
  EXPECT_EQ(header.num_shards(), 1);
  EXPECT_EQ(header.endianness(), tensorflow::BundleHeaderProto::LITTLE);
  EXPECT_EQ(header.SerializeAsString(), entries[0].second);

  EXPECT_EQ(entries[1].first, "counter");
  tensorflow::BundleEntryProto entry;
  ASSERT_TRUE(entry.ParseFromString(entries[1].second));
  ExpectFullyKnown(entry, "BundleEntryProto");
  EXPECT_EQ(entry.dtype(), tensorflow::DT_FLOAT);
  EXPECT_EQ(entry.shape().dim_size(), 0);
  EXPECT_EQ(entry.shard_id(), 0);
  EXPECT_EQ(entry.offset(), 0);
  EXPECT_EQ(entry.size(), 4);
  EXPECT_NE(entry.crc32c(), 0u);
  EXPECT_EQ(entry.SerializeAsString(), entries[1].second);
}

TEST(ProtoCompatTest, V1CheckpointSlices) {
  const std::string file =
      ReadFileOrDie("session_bundle_half_plus_two/00000123/export-00000-of-00001");
  std::vector<std::pair<std::string, std::string>> entries;
  if (!ReadTable(file, &entries)) {
    GTEST_SKIP() << "compressed V1 checkpoint blocks";
  }
  ASSERT_GE(entries.size(), 3u);  // meta + a + b
  EXPECT_EQ(entries[0].first, "");
  tensorflow::SavedTensorSlices meta;
  ASSERT_TRUE(meta.ParseFromString(entries[0].second));
  ExpectFullyKnown(meta, "SavedTensorSlices(meta)");
  ASSERT_TRUE(meta.has_meta());
  EXPECT_GE(meta.meta().tensor_size(), 2);
  for (size_t i = 1; i < entries.size(); ++i) {
    tensorflow::SavedTensorSlices slice;
    ASSERT_TRUE(slice.ParseFromString(entries[i].second));
    ExpectFullyKnown(slice, "SavedTensorSlices(data)");
    ASSERT_TRUE(slice.has_data());
    EXPECT_FALSE(slice.data().name().empty());
    EXPECT_EQ(slice.data().data().float_val_size(), 1);
  }
}

// The checker itself: a tag this schema does not know is reported, nested.
TEST(ProtoCompatTest, CheckerFindsUnknownFields) {
  tensorflow::GraphDef graph;
  graph.add_node()->set_name("n");
  std::string bytes = graph.SerializeAsString();
  tensorflow::NodeDef node;
  node.set_name("m");
  std::string node_bytes = node.SerializeAsString();
  node_bytes += std::string("\xf8\x06\x01", 3);  // field 111, varint 1
  bytes += '\x0a';                                  // field 1 (node), LEN
  bytes += static_cast<char>(node_bytes.size());
  bytes += node_bytes;
  ASSERT_TRUE(graph.ParseFromString(bytes));
  std::vector<std::string> problems;
  CollectProblems(graph, "GraphDef", &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("GraphDef.node[1]"), std::string::npos)
      << problems[0];
}

// Exact numbers of a few values that TensorFlow files depend on.
TEST(ProtoCompatTest, EnumNumbers) {
  EXPECT_EQ(tensorflow::DT_FLOAT, 1);
  EXPECT_EQ(tensorflow::DT_HALF, 19);
  EXPECT_EQ(tensorflow::DT_RESOURCE, 20);
  EXPECT_EQ(tensorflow::DT_VARIANT, 21);
  EXPECT_EQ(tensorflow::DT_UINT64, 23);
  EXPECT_EQ(tensorflow::DT_FLOAT_REF, 101);
  EXPECT_EQ(tensorflow::DT_RESOURCE_REF, 120);
  for (int v = 1; v <= 33; ++v) {
    const auto* value = tensorflow::DataType_descriptor()->FindValueByNumber(v);
    ASSERT_NE(value, nullptr) << v;
    const auto* ref =
        tensorflow::DataType_descriptor()->FindValueByNumber(v + 100);
    ASSERT_NE(ref, nullptr) << v + 100;
    EXPECT_EQ(ref->name(), value->name() + "_REF");
  }
}

// Text format and Any type URLs use TensorFlow's names.
TEST(ProtoCompatTest, TextFormatNames) {
  tensorflow::CollectionDef col;
  google::protobuf::Any* any = col.mutable_any_list()->add_value();
  tensorflow::VariableDef var;
  var.set_variable_name("v:0");
  any->PackFrom(var);
  EXPECT_EQ(any->type_url(), "type.googleapis.com/tensorflow.VariableDef");

  tensorflow::Example ex;
  ASSERT_TRUE(TextFormat::ParseFromString(
      R"pb(features {
             feature {
               key: "x"
               value { float_list { value: [ 1, 2, 5 ] } }
             }
           })pb",
      &ex));
  EXPECT_EQ(ex.features().feature().at("x").float_list().value_size(), 3);

  tensorflow::CheckpointState state;
  ASSERT_TRUE(TextFormat::ParseFromString(
      "model_checkpoint_path: \"model.ckpt-2\"\n"
      "all_model_checkpoint_paths: \"model.ckpt-1\"\n"
      "all_model_checkpoint_paths: \"model.ckpt-2\"\n",
      &state));
  EXPECT_EQ(state.all_model_checkpoint_paths_size(), 2);

  tensorflow::RunOptions opts;
  ASSERT_TRUE(TextFormat::ParseFromString("trace_level: FULL_TRACE", &opts));
  EXPECT_EQ(opts.trace_level(), tensorflow::RunOptions::FULL_TRACE);
}

}  // namespace
