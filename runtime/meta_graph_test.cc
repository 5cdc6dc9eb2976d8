// MetaGraphDef round trip of a trained MLP (outputs, collections, Saver),
// text format against the protos, TF-written graphs, malformed inputs.
#include "core/test_files.h"
#include "runtime/meta_graph.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/losses.h"
#include "ops/optimizers.h"
#include "ops/state_ops.h"
#include "graph/gradients.h"
#include "ops/variables.h"
#include "proto/saved_model.pb.h"
#include "proto/variable.pb.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<std::string> Names(const std::vector<const Variable*>& vars) {
  std::vector<std::string> out;
  for (const Variable* v : vars) out.push_back(v->name);
  return out;
}

Tensor Batch() {
  return Tensor::FromVector<float>({0.1f, -0.2f, 0.3f, 0.4f, 1.f, 0.5f,
                                    -0.5f, 0.f, -1.f, 2.f, 0.25f, 0.75f},
                                   {3, 4});
}

// A trained 4-8-3 MLP (reference or resource variables), its checkpoint
// and MetaGraphDef.
struct TrainedMlp {
  Scope root = Scope::NewRootScope();
  Output x, logits;
  std::unique_ptr<Session> session;
  std::unique_ptr<Saver> saver;

  explicit TrainedMlp(bool use_resource) {
    x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
    Output labels = ops::Placeholder(root.WithOpName("labels"), DT_FLOAT, {-1, 3});
    VariableOptions vo;
    vo.use_resource = use_resource;
    auto dense = [&](const std::string& name, const Output& in, int64_t units) {
      Scope vs = root.WithVariableScope(name);
      const int64_t n_in = in.shape().dim_size(1);
      const Variable* w = GetVariable(vs, "kernel", {n_in, units}, DT_FLOAT,
                                      nullptr, vo);
      const Variable* b = GetVariable(vs, "bias", {units}, DT_FLOAT,
                                      init::Zeros(), vo);
      return ops::Add(vs, ops::MatMul(vs, in, w), b);
    };
    Output h = ops::Relu(root, dense("dense", x, 8));
    logits = dense("dense_1", h, 3);
    Output loss = losses::MeanSquaredError(root, labels, logits);
    root.graph()->AddToCollection(GraphKeys::kLosses, loss);
    const Variable* step = GetOrCreateGlobalStep(root);
    Operation train_op;
    if (use_resource) {
      train::AdamOptimizer adam(0.05);
      train_op = adam.Minimize(root, loss, {.global_step = step}).value();
    } else {
      // The optimizers update resource variables; SGD by hand with the
      // reference ops (AssignSub on the VariableV2) instead.
      std::vector<const Variable*> vars =
          root.graph()->GetVariables(GraphKeys::kTrainableVariables);
      std::vector<Output> xs;
      for (const Variable* v : vars) xs.push_back(Output{v->read, 0});
      std::vector<Output> grads = Gradients(root, {loss}, xs).value();
      std::vector<Operation> updates;
      for (size_t i = 0; i < vars.size(); ++i) {
        updates.push_back(ops::AssignSub(root, Output{vars[i]->handle, 0},
                                         ops::Mul(root, grads[i], 0.1f)));
      }
      updates.push_back(AssignAddVariable(root, step, int64_t{1}));
      train_op = ops::Group(root.WithOpName("train"), updates);
    }
    root.graph()->AddToCollection(GraphKeys::kTrainOp, train_op);
    root.graph()->AddToCollection("my_strings", std::string("hello"));
    root.graph()->AddToCollection("my_ints", int64_t{42});
    root.graph()->AddToCollection("my_floats", 2.5f);
    saver = Saver::Create(root).value();
    session = Session::Create(root).value();
    EXPECT_TRUE(session->Run({}, {}, {GlobalVariablesInitializer(root)}, nullptr).ok());
    Tensor y = Tensor::FromVector<float>({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3});
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(session->Run({{x, Batch()}, {labels, y}}, {}, {train_op}, nullptr).ok());
    }
  }

  Tensor Predict() {
    std::vector<Tensor> out;
    EXPECT_TRUE(session->Run({{x, Batch()}}, {logits}, &out).ok());
    return out[0];
  }
};

void RoundTrip(bool use_resource, bool as_text) {
  const std::string dir = FreshTestDir(absl::StrCat("mlp", use_resource, as_text));
  TrainedMlp m(use_resource);
  const Tensor expected = m.Predict();
  const std::string ckpt = m.saver->Save(m.session.get(), dir + "/model.ckpt").value();
  const std::string meta = dir + (as_text ? "/model.meta.pbtxt" : "/model.meta");
  ExportMetaGraphOptions options;
  options.as_text = as_text;
  options.saver_def = m.saver->saver_def();
  ASSERT_TRUE(ExportMetaGraph(*m.root.graph(), meta, options).ok());

  Graph g;
  auto imported = ImportMetaGraph(meta, &g);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_NE(imported->saver, nullptr);
  auto session = Session::Create(&g).value();
  ASSERT_TRUE(imported->saver->Restore(session.get(), ckpt).ok());
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({{"x:0", Batch()}}, {m.logits.name()}, {}, &out).ok());
  EXPECT_EQ(out[0].SummarizeValue(100), expected.SummarizeValue(100));

  // Same collections, variables usable again.
  const Graph& src = *m.root.graph();
  EXPECT_EQ(g.CollectionKeys(), src.CollectionKeys());
  for (const char* key : {GraphKeys::kGlobalVariables, GraphKeys::kTrainableVariables,
                          GraphKeys::kGlobalStep}) {
    EXPECT_EQ(Names(g.GetVariables(key)), Names(src.GetVariables(key))) << key;
  }
  EXPECT_EQ(Names(g.GetVariables(GraphKeys::kTrainableVariables)),
            std::vector<std::string>({"dense/kernel", "dense/bias",
                                      "dense_1/kernel", "dense_1/bias"}));
  const Variable* kernel = g.FindVariable("dense/kernel");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->is_resource, use_resource);
  EXPECT_EQ(kernel->shape.DebugString(), "[4,8]");
  EXPECT_FALSE(g.FindVariable("global_step")->trainable);
  auto strings = g.GetCollection("my_strings");
  ASSERT_EQ(strings.size(), 1u);
  EXPECT_EQ(std::get<std::string>(strings[0]), "hello");
  EXPECT_EQ(std::get<int64_t>(g.GetCollection("my_ints")[0]), 42);
  EXPECT_EQ(std::get<float>(g.GetCollection("my_floats")[0]), 2.5f);
  auto train_ops = g.GetCollection(GraphKeys::kTrainOp);
  ASSERT_EQ(train_ops.size(), 1u);

  // Training goes on in the imported graph, and a Saver built from its
  // variable collection saves and restores.
  Tensor y = Tensor::FromVector<float>({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3});
  ASSERT_TRUE(session->Run({{"x:0", Batch()}, {"labels:0", y}}, {},
                           {std::get<Operation>(train_ops[0]).name()}, &out).ok());
  auto saver2 = Saver::Create(Scope::ForGraph(&g)).value();
  auto ckpt2 = saver2->Save(session.get(), dir + "/again.ckpt");
  ASSERT_TRUE(ckpt2.ok()) << ckpt2.status();
  ASSERT_TRUE(imported->saver->Restore(session.get(), ckpt).ok());
  ASSERT_TRUE(session->Run({{"x:0", Batch()}}, {m.logits.name()}, {}, &out).ok());
  EXPECT_EQ(out[0].SummarizeValue(100), expected.SummarizeValue(100));
}

TEST(MetaGraphTest, RoundTripReferenceVariablesBinary) { RoundTrip(false, false); }
TEST(MetaGraphTest, RoundTripResourceVariablesText) { RoundTrip(true, true); }

TEST(MetaGraphTest, EncodesCollectionsAsTensorFlowDoes) {
  TrainedMlp m(false);
  ExportMetaGraphOptions options;
  options.saver_def = m.saver->saver_def();
  options.collection_list = {GraphKeys::kTrainableVariables, GraphKeys::kTrainOp,
                             "my_ints"};
  auto mgd = ExportMetaGraphDef(*m.root.graph(), options).value();
  EXPECT_EQ(mgd.collection_def_size(), 3);
  const auto& vars = mgd.collection_def().at(GraphKeys::kTrainableVariables);
  ASSERT_EQ(vars.bytes_list().value_size(), 4);
  ::tensorflow::VariableDef vd;
  ASSERT_TRUE(vd.ParseFromString(vars.bytes_list().value(0)));
  EXPECT_EQ(vd.variable_name(), "dense/kernel:0");
  EXPECT_EQ(vd.initializer_name(), "dense/kernel/Assign");
  EXPECT_EQ(vd.snapshot_name(), "dense/kernel/read:0");
  EXPECT_TRUE(vd.trainable());
  EXPECT_FALSE(vd.is_resource());
  EXPECT_EQ(mgd.collection_def().at(GraphKeys::kTrainOp).node_list().value(0),
            "train");
  EXPECT_EQ(mgd.collection_def().at("my_ints").int64_list().value(0), 42);
  EXPECT_EQ(mgd.saver_def().filename_tensor_name(), "save/Const:0");
  // The stripped op list holds exactly the ops used.
  std::set<std::string> used, listed;
  for (const auto& n : mgd.graph_def().node()) used.insert(n.op());
  for (const auto& op : mgd.meta_info_def().stripped_op_list().op()) {
    listed.insert(op.name());
  }
  EXPECT_EQ(used, listed);
  EXPECT_TRUE(listed.count("VariableV2") > 0);
}

TEST(MetaGraphTest, TextFileParsesWithProtobufAndKeepsFieldNumbers) {
  const std::string dir = FreshTestDir("text");
  TrainedMlp m(false);
  ExportMetaGraphOptions options;
  options.as_text = true;
  options.saver_def = m.saver->saver_def();
  options.clear_devices = true;
  ASSERT_TRUE(ExportMetaGraph(*m.root.graph(), dir + "/m.pbtxt", options).ok());
  std::ifstream in(dir + "/m.pbtxt");
  std::stringstream text;
  text << in.rdbuf();
  ::tensorflow::MetaGraphDef parsed;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &parsed));
  auto direct = ExportMetaGraphDef(*m.root.graph(), options).value();
  EXPECT_EQ(SerializeDeterministic(parsed), SerializeDeterministic(direct));
  // TF's field numbers: graph_def = 2, saver_def = 3, collection_def = 4.
  const std::string bytes = SerializeDeterministic(parsed);
  ::tensorflow::GraphDef gd;
  google::protobuf::UnknownFieldSet unknown;
  ASSERT_TRUE(unknown.ParseFromString(bytes));
  std::set<int> fields;
  for (int i = 0; i < unknown.field_count(); ++i) fields.insert(unknown.field(i).number());
  EXPECT_EQ(fields, (std::set<int>{1, 2, 3, 4}));
  EXPECT_THAT(text.str(), HasSubstr("collection_def {"));
  EXPECT_THAT(text.str(), HasSubstr("filename_tensor_name: \"save/Const:0\""));
}

TEST(MetaGraphTest, ImportScopePrefixesNodesAndCollections) {
  TrainedMlp m(true);
  auto mgd = ExportMetaGraphDef(*m.root.graph(),
                                {.saver_def = m.saver->saver_def()}).value();
  Graph g;
  auto imported = ImportMetaGraph(mgd, &g, {.import_scope = "copy"});
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_NE(g.FindNode("copy/dense/kernel"), nullptr);
  EXPECT_NE(g.FindVariable("copy/dense/kernel"), nullptr);
  EXPECT_EQ(imported->saver->saver_def().restore_op_name(), "copy/save/restore_all");
}

// "^x" finds a control output (index -1) in Graph::FindOutput; as a tensor
// name in a VariableDef, node list or SaverDef it used to import and then
// export as "x:-1", which does not import (found by meta_graph_fuzzer's
// round trip, see docs/reliability.md).
TEST(MetaGraphTest, ControlDependencyNamesAreNotTensors) {
  TrainedMlp m(false);
  const auto good = ExportMetaGraphDef(*m.root.graph(),
                                       {.saver_def = m.saver->saver_def()})
                        .value();
  auto expect_error = [](const ::tensorflow::MetaGraphDef& mgd,
                         const std::string& what) {
    Graph g;
    auto imported = ImportMetaGraph(mgd, &g);
    ASSERT_FALSE(imported.ok()) << what;
    EXPECT_THAT(std::string(imported.status().message()),
                HasSubstr("control dependency")) << what;
    EXPECT_EQ(g.num_nodes(), Graph().num_nodes()) << what;
  };
  auto mgd = good;
  auto* vars = (*mgd.mutable_collection_def())[GraphKeys::kGlobalVariables]
                   .mutable_bytes_list();
  ::tensorflow::VariableDef vd;
  ASSERT_TRUE(vd.ParseFromString(vars->value(0)));
  vd.set_initial_value_name("^" + vd.initial_value_name().substr(
                                      0, vd.initial_value_name().find(':')));
  *vars->mutable_value(0) = vd.SerializeAsString();
  expect_error(mgd, "initial_value_name");
  mgd = good;
  (*mgd.mutable_collection_def())["outputs"].mutable_node_list()->add_value(
      "^dense/kernel:0");
  {
    Graph g;
    EXPECT_FALSE(ImportMetaGraph(mgd, &g).ok());  // no node "dense/kernel:0"
  }
  mgd = good;
  mgd.mutable_saver_def()->set_filename_tensor_name("^save/Const");
  expect_error(mgd, "filename_tensor_name");
  // The names as exported still round-trip.
  Graph g;
  ASSERT_TRUE(ImportMetaGraph(good, &g).ok());
}

TEST(MetaGraphTest, WriteGraphWritesAReadableGraphDef) {
  const std::string dir = FreshTestDir("write_graph") + "/sub";
  TrainedMlp m(true);
  for (bool as_text : {true, false}) {
    auto path = WriteGraph(*m.root.graph(), dir, as_text ? "g.pbtxt" : "g.pb",
                           as_text);
    ASSERT_TRUE(path.ok()) << path.status();
    ::tensorflow::GraphDef gd;
    ASSERT_TRUE(ReadGraphDef(*path, &gd).ok());
    EXPECT_EQ(gd.node_size(), m.root.graph()->num_nodes());
    Graph g;
    ASSERT_TRUE(ImportGraphDef(gd, &g).ok());
  }
}

const char kFixtures[] = "tests/testdata/tf/";

TEST(MetaGraphTest, TensorFlowSessionBundleLoadsRestoresV1AndRuns) {
  // TF's old export: V1 ops (Variable, SaveSlices), ParseExample, and a
  // checkpoint in the V1 table format (saved slices) that its RestoreV2
  // ops read through the "export-?????-of-00001" pattern.
  const std::string dir =
      std::string(kFixtures) + "session_bundle_half_plus_two/00000123/";
  Graph g;
  auto imported = ImportMetaGraph(dir + "export.meta", &g);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_NE(imported->saver, nullptr);
  auto session = Session::Create(&g).value();
  ASSERT_TRUE(imported->saver->Restore(session.get(), dir + "export-?????-of-00001").ok());
  std::vector<Tensor> out;
  Tensor x = *Tensor::FromVector<float>({1, 2, 5}).Reshaped(TensorShape({3, 1}));
  absl::Status run = session->Run({{"x:0", x}},
                                  {"y:0", "a:0", "b:0"}, {}, &out);
  ASSERT_TRUE(run.ok()) << run;
  EXPECT_EQ(std::vector<float>(out[0].flat<float>().begin(), out[0].flat<float>().end()),
            (std::vector<float>{2.5f, 3.f, 4.5f}));  // y = 0.5 x + 2
  EXPECT_EQ(out[1].scalar<float>(), 0.5f);
  EXPECT_EQ(out[2].scalar<float>(), 2.f);
  // The V1 Saver's save op is imported, but writing V1 is refused clearly.
  auto saved = imported->saver->Save(session.get(), FreshTestDir("v1_save") + "/export");
  EXPECT_FALSE(saved.ok());
  EXPECT_THAT(std::string(saved.status().message()), HasSubstr("V1"));
}

TEST(MetaGraphTest, UnsupportedOpsAreListedAtOnce) {
  ::tensorflow::MetaGraphDef meta;
  auto* a = meta.mutable_graph_def()->add_node();
  a->set_name("a");
  a->set_op("NoSuchOpA");
  auto* b = meta.mutable_graph_def()->add_node();
  b->set_name("b");
  b->set_op("NoSuchOpB");
  Graph g;
  auto imported = ImportMetaGraph(meta, &g);
  ASSERT_FALSE(imported.ok());
  const std::string msg(imported.status().message());
  EXPECT_THAT(msg, HasSubstr("NoSuchOpA (used by a)"));
  EXPECT_THAT(msg, HasSubstr("NoSuchOpB (used by b)"));
  EXPECT_EQ(g.num_nodes(), 0);
}

TEST(MetaGraphTest, TensorFlowSavedModelMetaGraphImports) {
  // The counter SavedModel's graph: VariableV2/Assign/AssignAdd, sharded
  // save ops (StringJoin, ShardedFilename, MergeV2Checkpoints).
  ::tensorflow::SavedModel model;
  ASSERT_TRUE(ReadBinaryProto(std::string(kFixtures) +
                                  "saved_model_counter/00000123/saved_model.pb",
                              &model).ok());
  Graph g;
  auto imported = ImportMetaGraph(model.meta_graphs(0), &g);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_NE(imported->saver, nullptr);
  EXPECT_EQ(Names(g.GetVariables(GraphKeys::kGlobalVariables)),
            std::vector<std::string>({"counter"}));
  auto session = Session::Create(&g).value();
  ASSERT_TRUE(imported->saver->Restore(
      session.get(),
      std::string(kFixtures) + "saved_model_counter/00000123/variables/variables").ok());
  // The TF-built sharded save runs too.
  const std::string dir = FreshTestDir("tf_counter");
  auto saved = imported->saver->Save(session.get(), dir + "/model.ckpt");
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_TRUE(fs::exists(dir + "/model.ckpt.index"));
  EXPECT_FALSE(fs::exists(dir + "/model.ckpt_temp"));
}

}  // namespace
}  // namespace tessera
