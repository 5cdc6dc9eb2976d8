// Malformed GraphDefs, MetaGraphDefs and SavedModels: each gives an error
// naming the file or the node, never a crash (also run under --config=asan).
#include <filesystem>
#include <fstream>

#include "core/test_files.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "graph/graph_def_io.h"
#include "runtime/meta_graph.h"
#include "runtime/saved_model.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kHalfPlusTwo =
    "tests/testdata/tf/saved_model_half_plus_two_cpu/00000123";

// Imports a text GraphDef; returns the error message ("" on success).
std::string ImportText(const std::string& text) {
  ::tensorflow::GraphDef gd;
  if (!google::protobuf::TextFormat::ParseFromString(text, &gd)) return "parse";
  Graph g;
  absl::Status s = ImportGraphDef(gd, &g);
  EXPECT_EQ(s.ok(), g.num_nodes() == 3 || g.num_nodes() == 2);
  return std::string(s.message());
}

constexpr char kConstX[] = R"(
node { name: "x" op: "Const"
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
)";

TEST(MalformedGraphTest, ValidGraphImports) {
  EXPECT_EQ(ImportText(std::string(kConstX) + R"(
node { name: "y" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } })"),
            "");
}

TEST(MalformedGraphTest, UnknownAttrNamesTheNode) {
  EXPECT_THAT(ImportText(std::string(kConstX) + R"(
node { name: "y" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } }
  attr { key: "bogus" value { i: 3 } } })"),
              HasSubstr("'y'"));
}

TEST(MalformedGraphTest, DanglingInputNamesTheNode) {
  EXPECT_THAT(ImportText(std::string(kConstX) + R"(
node { name: "y" op: "Add" input: "x" input: "nowhere:0"
  attr { key: "T" value { type: DT_FLOAT } } })"),
              HasSubstr("node 'y' has input 'nowhere:0', which is not a node"));
}

TEST(MalformedGraphTest, CycleNamesTheNodes) {
  EXPECT_THAT(ImportText(std::string(kConstX) + R"(
node { name: "a" op: "Add" input: "x" input: "b" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } })"),
              HasSubstr("cycle"));
}

TEST(MalformedGraphTest, WrongDtypeAttrNamesTheNode) {
  // Identity's T says int32 but its input is a float.
  const std::string msg = ImportText(std::string(kConstX) + R"(
node { name: "y" op: "Identity" input: "x" attr { key: "T" value { type: DT_INT32 } } })");
  EXPECT_THAT(msg, HasSubstr("'y'"));
  // A type attr holding something that is not a type.
  EXPECT_THAT(ImportText(std::string(kConstX) + R"(
node { name: "z" op: "Identity" input: "x" attr { key: "T" value { s: "float" } } })"),
              HasSubstr("'z'"));
}

TEST(MalformedGraphTest, BadInputIndexNamesTheNode) {
  EXPECT_THAT(ImportText(std::string(kConstX) + R"(
node { name: "y" op: "Identity" input: "x:7" attr { key: "T" value { type: DT_FLOAT } } })"),
              HasSubstr("'y'"));
}

TEST(MalformedGraphTest, TruncatedFilesNameTheFile) {
  const std::string dir = FreshTestDir("truncated");
  const std::string bytes = ReadTestFile(kHalfPlusTwo + "/saved_model.pb");
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t cut : {bytes.size() / 2, bytes.size() - 3, size_t{7}}) {
    const std::string model_dir = absl::StrCat(dir, "/", cut);
    fs::create_directories(model_dir);
    std::ofstream(model_dir + "/saved_model.pb", std::ios::binary)
        << bytes.substr(0, cut);
    auto bundle = LoadSavedModel(model_dir, {"serve"});
    ASSERT_FALSE(bundle.ok()) << cut;
    EXPECT_THAT(bundle.status().message(), HasSubstr("saved_model.pb"));
    Graph g;
    auto imported = ImportMetaGraph(model_dir + "/saved_model.pb", &g);
    EXPECT_FALSE(imported.ok());
  }
  ::tensorflow::GraphDef gd;
  std::ofstream(dir + "/g.pb", std::ios::binary) << bytes.substr(0, 100);
  absl::Status s = ReadGraphDef(dir + "/g.pb", &gd);
  EXPECT_THAT(s.message(), HasSubstr("g.pb"));
}

TEST(MalformedGraphTest, CorruptVariablesNameTheCheckpoint) {
  const std::string dir = FreshTestDir("corrupt_vars");
  fs::copy(kHalfPlusTwo, dir, fs::copy_options::recursive);
  const std::string data = dir + "/variables/variables.data-00000-of-00001";
  fs::permissions(data, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = ReadTestFile(data);
  bytes[0] ^= 0x55;
  std::ofstream(data, std::ios::binary | std::ios::trunc) << bytes;
  LoadSavedModelOptions options;
  options.signature_keys = {"serving_default"};
  auto bundle = LoadSavedModel(dir, {"serve"}, options);
  ASSERT_FALSE(bundle.ok());
  EXPECT_THAT(bundle.status().message(), HasSubstr("variables.data-00000-of-00001"));
}

TEST(MalformedGraphTest, BadCollectionsAndSaverDefNameWhatIsWrong) {
  ::tensorflow::MetaGraphDef mgd;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat("graph_def {", kConstX, "}",
                   R"(collection_def { key: "variables" value { bytes_list { value: "\377\377" } } })"),
      &mgd));
  Graph g;
  auto imported = ImportMetaGraph(mgd, &g);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(imported.status().message(), HasSubstr("collection 'variables'"));
  mgd.clear_collection_def();
  mgd.mutable_saver_def()->set_filename_tensor_name("x:0");
  mgd.mutable_saver_def()->set_save_tensor_name("x:0");
  mgd.mutable_saver_def()->set_restore_op_name("missing_restore");
  Graph g2;
  imported = ImportMetaGraph(mgd, &g2);
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(imported.status().message(), HasSubstr("missing_restore"));
}

}  // namespace
}  // namespace tessera
