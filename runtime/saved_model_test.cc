// SavedModel: TF-written models load and run; Tessera's own SavedModels
// (binary and text, with assets and a main op) round trip; errors.
#include "core/test_files.h"
#include "runtime/saved_model.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/state_ops.h"
#include "ops/variables.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kHalfPlusTwo =
    "tests/testdata/tf/saved_model_half_plus_two_cpu/00000123";
const std::string kCounter = "tests/testdata/tf/saved_model_counter/00000123";

std::string RunSig(const SavedModelBundle& b, const std::string& sig,
                const std::map<std::string, Tensor>& in = {}) {
  auto out = b.RunSignature(sig, in);
  if (!out.ok()) return std::string(out.status().message());
  std::string s;
  for (const auto& [k, v] : *out) s += k + "=" + v.SummarizeValue(10) + " ";
  return s;
}

TEST(SavedModelTest, TensorFlowHalfPlusTwoPredicts) {
  // Its regress/classify signatures parse tf.Example protos; the predict
  // signature alone needs only Tessera's ops.
  LoadSavedModelOptions options;
  options.signature_keys = {"serving_default"};
  auto bundle = LoadSavedModel(kHalfPlusTwo, {kSavedModelTagServe}, options);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  Tensor x = Tensor::FromVector<float>({1, 2, 5}, {3, 1});
  EXPECT_EQ(RunSig(**bundle, "serving_default", {{"x", x}}), "y=[[2.5] [3] [4.5]] ");
  // The variables came from the TF checkpoint (Snappy-compressed index).
  std::vector<Tensor> out;
  ASSERT_TRUE((*bundle)->session->Run(
      std::vector<std::pair<std::string, Tensor>>{}, {"a:0", "b:0"}, {}, &out).ok());
  EXPECT_EQ(out[0].SummarizeValue(), "0.5");
  EXPECT_EQ(out[1].SummarizeValue(), "2");
}

TEST(SavedModelTest, TensorFlowHalfPlusTwoFullGraph) {
  auto bundle = LoadSavedModel(kHalfPlusTwo, {kSavedModelTagServe});
  if (OpRegistry::Global()->LookUp("ParseExample").ok()) {
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    Tensor x = Tensor::FromVector<float>({1, 2, 5}, {3, 1});
    EXPECT_EQ(RunSig(**bundle, "serving_default", {{"x", x}}),
              "y=[[2.5] [3] [4.5]] ");
  } else {
    // Without ParseExample the whole graph cannot load; the error names
    // every missing op and the nodes using it.
    ASSERT_FALSE(bundle.ok());
    EXPECT_THAT(bundle.status().message(),
                HasSubstr("1 op(s) that Tessera does not support: ParseExample "
                          "(used by ParseExample/ParseExample)"));
  }
}

TEST(SavedModelTest, TensorFlowCounterKeepsStateAcrossRuns) {
  auto bundle = LoadSavedModel(kCounter, {kSavedModelTagServe});
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  const SavedModelBundle& b = **bundle;
  EXPECT_EQ(RunSig(b, "get_counter"), "output=0 ");
  EXPECT_EQ(RunSig(b, "incr_counter"), "output=1 ");
  EXPECT_EQ(RunSig(b, "incr_counter"), "output=2 ");
  EXPECT_EQ(RunSig(b, "incr_counter_by", {{"delta", Tensor::Scalar<float>(3)}}),
            "output=5 ");
  EXPECT_EQ(RunSig(b, "reset_counter"), "output=0 ");
  EXPECT_THAT(RunSig(b, "nope"), HasSubstr("no signature 'nope'; the model has: "
                                        "get_counter, incr_counter"));
  EXPECT_THAT(RunSig(b, "incr_counter_by", {{"x", Tensor::Scalar<float>(3)}}),
              HasSubstr("has no input 'x'"));
}

TEST(SavedModelTest, WrongTagsListTheAvailableOnes) {
  auto bundle = LoadSavedModel(kCounter, {"train"});
  ASSERT_FALSE(bundle.ok());
  EXPECT_THAT(bundle.status().message(),
              HasSubstr("available tag sets: [serve]"));
  auto missing = LoadSavedModel(FreshTestPath("nothing_here"), {"serve"});
  EXPECT_THAT(missing.status().message(), HasSubstr("neither saved_model.pb"));
}

// y = a * x + b with a=0.5, b=2 set by assignment, an asset file read by
// the main op into a string variable.
void SaveAndLoad(bool as_text) {
  const std::string dir = FreshTestPath(absl::StrCat("export", as_text));
  const std::string asset_src = FreshTestPath("asset_src");
  fs::create_directories(asset_src);
  std::ofstream(asset_src + "/vocab.txt") << "hello\n";

  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  const Variable* a = GetVariable(root, "a", {}, DT_FLOAT, init::Zeros());
  const Variable* b = GetVariable(root, "b", {}, DT_FLOAT, init::Zeros());
  Output y = ops::Add(root.WithOpName("y"), ops::Mul(root, x, a), b);
  Output asset = ops::Const(root.WithOpName("asset_path"),
                            Tensor::Scalar<tstring>(asset_src + "/vocab.txt"));
  root.graph()->AddToCollection(GraphKeys::kAssetFilepaths, asset);
  VariableOptions local;
  local.trainable = false;
  local.collections = {GraphKeys::kLocalVariables};
  init::Initializer empty = [](const Scope& s, const TensorShape&, DataType) {
    return ops::Const(s, Tensor::Scalar<tstring>(""));
  };
  const Variable* vocab =
      GetVariable(root, "vocab_path", {}, DT_STRING, empty, local);
  Operation main_op = AssignVariable(root.WithOpName("main_op"), vocab, asset);
  auto session = Session::Create(root).value();
  ASSERT_TRUE(session->Run({}, {}, {GlobalVariablesInitializer(root)}, nullptr).ok());
  ASSERT_TRUE(session->Run({}, {}, {AssignVariable(root, a, 0.5f),
                                    AssignVariable(root, b, 2.f)}, nullptr).ok());
  SaveSavedModelOptions options;
  options.as_text = as_text;
  options.main_op = main_op;
  absl::Status s = SaveSavedModel(
      root, session.get(), dir, {kSavedModelTagServe},
      {{kDefaultServingSignatureDefKey, PredictSignatureDef({{"x", x}}, {{"y", y}})}},
      options);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(fs::exists(dir + (as_text ? "/saved_model.pbtxt" : "/saved_model.pb")));
  EXPECT_TRUE(fs::exists(dir + "/variables/variables.index"));
  EXPECT_TRUE(fs::exists(dir + "/variables/variables.data-00000-of-00001"));
  EXPECT_FALSE(fs::exists(dir + "/variables/checkpoint"));
  EXPECT_TRUE(fs::exists(dir + "/assets/vocab.txt"));
  EXPECT_THAT(SaveSavedModel(root, session.get(), dir, {"serve"}, {}).message(),
              HasSubstr("already exists"));

  auto bundle = LoadSavedModel(dir, {kSavedModelTagServe});
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(RunSig(**bundle, "serving_default",
                {{"x", Tensor::FromVector<float>({1, 2, 5})}}),
            "y=[2.5 3 4.5] ");
  std::vector<Tensor> out;
  ASSERT_TRUE((*bundle)->session->Run(
      std::vector<std::pair<std::string, Tensor>>{},
      {"vocab_path/Read/ReadVariableOp:0"}, {}, &out).ok());
  EXPECT_EQ(std::string(out[0].data<tstring>()[0]), dir + "/assets/vocab.txt");
}

TEST(SavedModelTest, SaveAndLoadBinary) { SaveAndLoad(false); }
TEST(SavedModelTest, SaveAndLoadText) { SaveAndLoad(true); }

}  // namespace
}  // namespace tessera
