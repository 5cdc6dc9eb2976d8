// Saver: round trip between sessions, max_to_keep and the state file,
// LatestCheckpoint, restore errors listing every problem, lenient restore,
// and a failed save leaving the previous checkpoint restorable.
#include "core/test_files.h"
#include "runtime/saver.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/io_ops.h"
#include "ops/slice_ops.h"
#include "ops/variables.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Model {
  Scope root = Scope::NewRootScope();
  const Variable* w;
  const Variable* step;
  explicit Model(TensorShape w_shape = {2}) {
    w = GetVariable(root, "w", w_shape, DT_FLOAT, init::Ones());
    step = GetOrCreateGlobalStep(root);
  }
};

std::string Value(Session& s, const Variable* v) {
  std::vector<Tensor> out;
  absl::Status st = s.Run({}, {Output{v->read, 0}}, &out);
  return st.ok() ? out[0].SummarizeValue() : std::string(st.message());
}

TEST(SaverTest, SaveRestoreAndMaxToKeep) {
  const std::string dir = FreshTestPath("ckpt");
  Model m;
  SaverOptions options;
  options.max_to_keep = 3;
  auto saver = Saver::Create(m.root, options).value();
  Operation bump = AssignAddVariable(m.root, m.w, Tensor::FromVector<float>({1, 1}));
  auto session = Session::Create(m.root).value();
  ASSERT_TRUE(session->Run({}, {}, {GlobalVariablesInitializer(m.root)}, nullptr).ok());
  for (int step = 1; step <= 5; ++step) {
    ASSERT_TRUE(session->Run({}, {}, {bump}, nullptr).ok());
    auto path = saver->Save(session.get(), dir + "/model.ckpt", step);
    ASSERT_TRUE(path.ok()) << path.status();
  }
  // Steps 3..5 remain; 1 and 2 are deleted.
  EXPECT_FALSE(fs::exists(dir + "/model.ckpt-1.index"));
  EXPECT_FALSE(fs::exists(dir + "/model.ckpt-2.data-00000-of-00001"));
  EXPECT_TRUE(fs::exists(dir + "/model.ckpt-3.index"));
  auto state = GetCheckpointState(dir).value();
  EXPECT_EQ(state.all_model_checkpoint_paths_size(), 3);
  EXPECT_EQ(LatestCheckpoint(dir).value(), dir + "/model.ckpt-5");

  auto fresh = Session::Create(m.root).value();
  ASSERT_TRUE(saver->Restore(fresh.get(), dir + "/model.ckpt-4").ok());
  EXPECT_EQ(Value(*fresh, m.w), "[5 5]");
  ASSERT_TRUE(saver->Restore(fresh.get(), LatestCheckpoint(dir).value()).ok());
  EXPECT_EQ(Value(*fresh, m.w), "[6 6]");
  EXPECT_FALSE(LatestCheckpoint(FreshTestPath("empty")).ok());
}

TEST(SaverTest, ListAndLoadVariablesWithoutAGraph) {
  const std::string prefix =
      "tests/testdata/tf/saved_model_half_plus_two_cpu/00000123/variables/"
      "variables";
  auto vars = ListVariables(prefix);
  ASSERT_TRUE(vars.ok()) << vars.status();
  std::vector<std::string> names;
  for (const auto& v : *vars) {
    names.push_back(v.name + " " + DataTypeString(v.dtype) + " " +
                    v.shape.DebugString());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("a float []", "a2 float []",
                                            "b float []", "c float []",
                                            "c2 float []"));
  EXPECT_EQ(LoadVariable(prefix, "c").value().scalar<float>(), 3.0f);
  EXPECT_FALSE(LoadVariable(prefix, "nope").ok());
}

TEST(SaverTest, InitFromCheckpointOverridesInitializers) {
  const std::string dir = FreshTestPath("warm");
  {
    Scope old = Scope::NewRootScope();
    Scope vgg = old.WithVariableScope("vgg_16").WithVariableScope("conv1");
    GetVariable(vgg, "weights", {2}, DT_FLOAT, init::Constant(7.0));
    GetVariable(vgg, "biases", {2}, DT_FLOAT, init::Constant(8.0));
    GetVariable(old, "head", {}, DT_FLOAT, init::Constant(9.0));
    auto saver = Saver::Create(old).value();
    auto s = Session::Create(old).value();
    ASSERT_TRUE(s->Run({}, {}, {GlobalVariablesInitializer(old)}, nullptr).ok());
    ASSERT_TRUE(saver->Save(s.get(), dir + "/pretrained").ok());
  }
  Scope root = Scope::NewRootScope();
  Scope vgg = root.WithVariableScope("vgg_16").WithVariableScope("conv1");
  const Variable* w = GetVariable(vgg, "weights", {2}, DT_FLOAT, init::Zeros());
  const Variable* b = GetVariable(vgg, "biases", {2}, DT_FLOAT, init::Zeros());
  const Variable* fresh = GetVariable(root, "new_head", {}, DT_FLOAT, init::Constant(1.0));
  ASSERT_TRUE(InitFromCheckpoint(root, dir + "/pretrained",
                                 {{"vgg_16/conv1/", "vgg_16/conv1/"}}).ok());
  auto s = Session::Create(root).value();
  ASSERT_TRUE(s->Run({}, {}, {GlobalVariablesInitializer(root)}, nullptr).ok());
  EXPECT_EQ(Value(*s, w), "[7 7]");
  EXPECT_EQ(Value(*s, b), "[8 8]");
  EXPECT_EQ(Value(*s, fresh), "1");
  absl::Status bad = InitFromCheckpoint(root, dir + "/pretrained",
                                        {{"missing", "new_head"}, {"vgg_16/conv1/weights", "new_head"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.message()), HasSubstr("missing (for new_head): not in the checkpoint"));
  EXPECT_THAT(std::string(bad.message()), HasSubstr("checkpoint has float [2], variable is float []"));
}

TEST(SaverTest, KeepEveryNHoursAndSaverDef) {
  const std::string dir = FreshTestPath("hours");
  Model m;
  SaverOptions options;
  options.max_to_keep = 1;
  options.keep_checkpoint_every_n_hours = 1e-12;  // every dropped one is kept
  auto saver = Saver::Create(m.root, options).value();
  auto s = Session::Create(m.root).value();
  ASSERT_TRUE(s->Run({}, {}, {GlobalVariablesInitializer(m.root)}, nullptr).ok());
  for (int step = 1; step <= 3; ++step) {
    ASSERT_TRUE(saver->Save(s.get(), dir + "/m", step).ok());
  }
  for (int step = 1; step <= 3; ++step) {
    EXPECT_TRUE(fs::exists(dir + "/m-" + std::to_string(step) + ".index"));
  }
  EXPECT_EQ(GetCheckpointState(dir).value().all_model_checkpoint_paths_size(), 1);
  const auto def = saver->saver_def();
  EXPECT_EQ(def.filename_tensor_name(), "save/Const:0");
  EXPECT_EQ(def.save_tensor_name(), "save/control_dependency:0");
  EXPECT_EQ(def.restore_op_name(), "save/restore_all");
  EXPECT_EQ(def.version(), ::tensorflow::SaverDef::V2);
  // TF-style by-name use of the exported names.
  std::vector<Tensor> out;
  const std::string path = dir + "/by_name";
  ASSERT_TRUE(s->Run({{"save/Const:0", Tensor::Scalar<tstring>(path)}},
                     {"save/control_dependency:0"}, {}, &out).ok());
  auto fresh = Session::Create(m.root).value();
  ASSERT_TRUE(fresh->Run({{"save/Const:0", Tensor::Scalar<tstring>(path)}}, {},
                         {"save/restore_all"}, &out).ok());
  EXPECT_EQ(Value(*fresh, m.w), "[1 1]");
}

TEST(SaverTest, RestoreListsEveryProblemAtOnce) {
  const std::string dir = FreshTestPath("mismatch");
  {
    Model m({2});
    const Variable* extra = GetVariable(m.root, "only_in_checkpoint", {}, DT_FLOAT);
    (void)extra;
    auto saver = Saver::Create(m.root).value();
    auto s = Session::Create(m.root).value();
    ASSERT_TRUE(s->Run({}, {}, {GlobalVariablesInitializer(m.root)}, nullptr).ok());
    ASSERT_TRUE(saver->Save(s.get(), dir + "/a").ok());
  }
  Model other({3});  // w has another shape; "bias" is not in the checkpoint
  GetVariable(other.root, "bias", {2}, DT_FLOAT);
  auto saver = Saver::Create(other.root).value();
  auto s = Session::Create(other.root).value();
  absl::Status st = saver->Restore(s.get(), dir + "/a");
  ASSERT_FALSE(st.ok());
  const std::string msg(st.message());
  EXPECT_THAT(msg, HasSubstr("Missing from the checkpoint: bias"));
  EXPECT_THAT(msg, HasSubstr("w (variable w: float [3], checkpoint: float [2])"));
  EXPECT_THAT(msg, HasSubstr("Checkpoint keys not used: only_in_checkpoint"));
  // Lenient: restores what matches (global_step), skips the rest.
  SaverOptions lenient;
  lenient.lenient = true;
  Scope again = other.root;
  auto lenient_saver = Saver::Create(again, lenient);
  ASSERT_TRUE(lenient_saver.ok()) << lenient_saver.status();
  ASSERT_TRUE((*lenient_saver)->Restore(s.get(), dir + "/a").ok());
  EXPECT_EQ(Value(*s, other.step), "0");
}

TEST(SaverTest, FailedSaveKeepsThePreviousCheckpoint) {
  const std::string dir = FreshTestPath("fault");
  Model m;
  auto saver = Saver::Create(m.root).value();
  auto s = Session::Create(m.root).value();
  ASSERT_TRUE(s->Run({}, {}, {GlobalVariablesInitializer(m.root)}, nullptr).ok());
  ASSERT_TRUE(saver->Save(s.get(), dir + "/model.ckpt", 1).ok());
  // Inject a write error at the last step of the next save: a directory
  // sits where its index file would be renamed to (fails even as root).
  fs::create_directories(dir + "/model.ckpt-2.index");
  auto failed = saver->Save(s.get(), dir + "/model.ckpt", 2);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("model.ckpt-2"));
  auto latest = LatestCheckpoint(dir);
  EXPECT_EQ(*latest, dir + "/model.ckpt-1");  // the state file never moved
  ASSERT_TRUE(latest.ok());
  auto fresh = Session::Create(m.root).value();
  ASSERT_TRUE(saver->Restore(fresh.get(), *latest).ok());
  EXPECT_EQ(Value(*fresh, m.w), "[1 1]");
}

TEST(SaverTest, ShardedSaveMergesOneShardPerDevice) {
  const std::string dir = FreshTestPath("sharded");
  Scope root = Scope::NewRootScope();
  const Variable* a = GetVariable(root.WithDevice("/device:CPU:0"), "a", {2},
                                  DT_FLOAT, init::Ones());
  const Variable* b = GetVariable(root, "b", {3}, DT_FLOAT, init::Constant(2));
  SaverOptions options;
  options.sharded = true;
  auto saver = Saver::Create(root, options).value();
  EXPECT_EQ(saver->saver_def().save_tensor_name(), "save/Identity:0");
  EXPECT_TRUE(saver->saver_def().sharded());
  auto s = Session::Create(root).value();
  ASSERT_TRUE(s->Run({}, {}, {GlobalVariablesInitializer(root)}, nullptr).ok());
  auto path = saver->Save(s.get(), dir + "/model.ckpt", 7);
  ASSERT_TRUE(path.ok()) << path.status();
  // TF's layout: one data file per shard, the temporary directory gone.
  EXPECT_TRUE(fs::exists(dir + "/model.ckpt-7.index"));
  EXPECT_TRUE(fs::exists(dir + "/model.ckpt-7.data-00000-of-00002"));
  EXPECT_TRUE(fs::exists(dir + "/model.ckpt-7.data-00001-of-00002"));
  EXPECT_FALSE(fs::exists(dir + "/model.ckpt-7_temp"));
  auto vars = ListVariables(*path).value();
  ASSERT_EQ(vars.size(), 2u);
  ASSERT_TRUE(s->Run({}, {}, {AssignVariable(root, a, Tensor::FromVector<float>({5, 6})),
                              AssignVariable(root, b, Tensor::FromVector<float>({0, 0, 0}))},
                     nullptr).ok());
  ASSERT_TRUE(saver->Restore(s.get(), *path).ok());
  EXPECT_EQ(Value(*s, a), "[1 1]");
  EXPECT_EQ(Value(*s, b), "[2 2 2]");
}

TEST(SaverTest, MergeV2CheckpointsOp) {
  const std::string dir = FreshTestPath("merge");
  Scope root = Scope::NewRootScope();
  Output p0 = ops::ShardedFilename(root, dir + "/tmp/part", 0, 2);
  Output p1 = ops::ShardedFilename(root, dir + "/tmp/part", 1, 2);
  Operation save0 = ops::SaveV2(root, p0, Tensor::FromVector<tstring>({"x"}),
                                Tensor::FromVector<tstring>({""}),
                                {Tensor::FromVector<float>({1, 2})});
  Operation save1 = ops::SaveV2(root, p1, Tensor::FromVector<tstring>({"y"}),
                                Tensor::FromVector<tstring>({""}),
                                {Tensor::Scalar<int64_t>(9)});
  Output prefixes = ops::Pack(root.WithControlDependencies({save0, save1}),
                              {p0, p1, Tensor::Scalar<tstring>(dir + "/absent")});
  Operation merge = ops::MergeV2Checkpoints(root, prefixes, dir + "/merged",
                                            /*delete_old_dirs=*/true,
                                            /*allow_missing_files=*/true);
  Operation strict = ops::MergeV2Checkpoints(root, prefixes, dir + "/merged2");
  Output spec = ops::ShardedFilespec(root, dir + "/tmp/part", 2);
  Output joined = ops::StringJoin(root, {Tensor::FromVector<tstring>({"a", "b"}), "c"}, "-");
  ASSERT_TRUE(root.ok()) << root.status();
  auto s = Session::Create(root).value();
  std::vector<Tensor> out;
  ASSERT_TRUE(s->Run({}, {p1, spec, joined}, &out).ok());
  EXPECT_EQ(std::string(out[0].data<tstring>()[0]), dir + "/tmp/part-00001-of-00002");
  EXPECT_EQ(std::string(out[1].data<tstring>()[0]), dir + "/tmp/part-?????-of-00002");
  EXPECT_EQ(out[2].SummarizeValue(), "[\"a-c\" \"b-c\"]");
  // Without allow_missing_files the absent prefix is an error.
  absl::Status st = s->Run({}, {}, {strict}, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("absent"));
  ASSERT_TRUE(s->Run({}, {}, {merge}, nullptr).ok());
  EXPECT_FALSE(fs::exists(dir + "/tmp"));  // delete_old_dirs
  EXPECT_EQ(LoadVariable(dir + "/merged", "x").value().SummarizeValue(), "[1 2]");
  EXPECT_EQ(LoadVariable(dir + "/merged", "y").value().SummarizeValue(), "9");
}

}  // namespace
}  // namespace tessera
