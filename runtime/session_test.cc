#include "runtime/session.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/graph_def_io.h"
#include "ops/array_ops.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

TEST(SessionTest, AffineWithFeedsAndGraphDefRoundTrip) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT,
                              PartialTensorShape({-1, 2}));
  Output w = ops::Const(root.WithOpName("W"), {{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Output b = ops::Const(root.WithOpName("b"), {0.5f, -1.f, 2.f});
  Output y = ops::Add(root.WithOpName("y"), ops::MatMul(root, x, w), b);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(y.shape().DebugString(), "[?,3]");

  auto session = Session::Create(root).value();
  Tensor xv = Tensor::FromVector<float>({1, 2, 3, 4}, TensorShape({2, 2}));
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({{x, xv}}, {y}, &out).ok());
  // [1 2] . W = [9 12 15] + b; [3 4] . W = [19 26 33] + b
  EXPECT_EQ(out[0].SummarizeValue(), "[[9.5 11 17] [19.5 25 35]]");

  std::string path = ::testing::TempDir() + "/affine.pbtxt";
  ::tensorflow::GraphDef gd;
  ASSERT_TRUE(root.ToGraphDef(&gd).ok());
  ASSERT_TRUE(WriteGraphDef(gd, path, true).ok());
  ::tensorflow::GraphDef back;
  ASSERT_TRUE(ReadGraphDef(path, &back).ok());
  Graph g2;
  ASSERT_TRUE(ImportGraphDef(back, &g2).ok());
  auto s2 = Session::Create(&g2).value();
  std::vector<Tensor> out2;
  ASSERT_TRUE(s2->Run({{"x:0", xv}}, {"y:0"}, {}, &out2).ok());
  EXPECT_EQ(out2[0].SummarizeValue(), out[0].SummarizeValue());
}

TEST(SessionTest, MissingFeedNamesPlaceholder) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("input"), DT_FLOAT);
  Output y = ops::Neg(root, x);
  auto session = Session::Create(root).value();
  std::vector<Tensor> out;
  absl::Status s = session->Run({}, {y}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'input'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("must feed a value"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("session_test.cc:"));
}

TEST(SessionTest, FeedDtypeAndShapeChecked) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT,
                              PartialTensorShape({-1, 3}));
  auto session = Session::Create(root).value();
  std::vector<Tensor> out;
  absl::Status s = session->Run({{x, Tensor::Scalar(1)}}, {x}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("dtype int32"));
  s = session->Run({{x, Tensor(DT_FLOAT, TensorShape({2, 4}))}}, {x}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("[2,4]"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("[?,3]"));
}

TEST(SessionTest, RuntimeKernelErrorNamesNode) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Placeholder(root.WithOpName("a"), DT_FLOAT);
  Output b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT);
  Output c = ops::Add(root.WithOpName("sum"), a, b);
  auto session = Session::Create(root).value();
  std::vector<Tensor> out;
  absl::Status s = session->Run(
      {{a, Tensor(DT_FLOAT, TensorShape({2}))},
       {b, Tensor(DT_FLOAT, TensorShape({3}))}},
      {c}, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'sum'"));
}

TEST(SessionTest, PrunesToWhatFetchesNeedAndCachesPlans) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output unused = ops::Placeholder(root.WithOpName("unfed"), DT_FLOAT);
  Output y = ops::Mul(root, x, 2.0f);
  Output z = ops::Add(root, unused, 1.0f);  // never fetched: never runs
  (void)z;
  auto session = Session::Create(root).value();
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(session->Run({{x, Tensor::Scalar(3.f)}}, {y}, &out).ok());
    EXPECT_EQ(out[0].scalar<float>(), 6.f);
  }
  EXPECT_EQ(session->num_cached_plans(), 1);
  // Feeding an intermediate cuts its producers off.
  ASSERT_TRUE(session->Run({{y, Tensor::Scalar(10.f)}}, {y}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 10.f);
  EXPECT_EQ(session->num_cached_plans(), 2);
}

TEST(SessionTest, TargetsAndControlDependencies) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, 1.f);
  Operation group = ops::Group(root.WithOpName("group"), {ops::Neg(root, a)});
  auto session = Session::Create(root).value();
  EXPECT_TRUE(session->Run({}, {}, {group}, nullptr).ok());
  EXPECT_TRUE(session->Run({}, {}, {"group"}, nullptr).ok());
  EXPECT_EQ(session->Run({}, {}, {"nope"}, nullptr).code(),
            absl::StatusCode::kNotFound);
}

TEST(SessionTest, NodesAddedAfterCreationRun) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, 2.f);
  auto session = Session::Create(root).value();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({}, {a}, &out).ok());
  Output b = ops::Square(root, a);
  ASSERT_TRUE(session->Run({}, {b}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 4.f);
}

TEST(SessionTest, StepStatsWhenTracing) {
  Scope root = Scope::NewRootScope();
  Output y = ops::Add(root.WithOpName("y"), ops::Const(root, 1.f), 2.f);
  auto session = Session::Create(root).value();
  ::tensorflow::RunOptions options;
  options.set_trace_level(::tensorflow::RunOptions::FULL_TRACE);
  ::tensorflow::RunMetadata metadata;
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run(options, {}, {y}, {}, &out, &metadata).ok());
  ASSERT_EQ(metadata.step_stats().dev_stats_size(), 1);
  EXPECT_EQ(metadata.step_stats().dev_stats(0).node_stats_size(), 3);
}

TEST(SessionTest, ConcurrentRunsFromManyThreads) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::Mul(root, ops::Add(root, x, 1.f), x);  // (x + 1) * x
  auto session = Session::Create(root).value();
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Tensor> out;
      for (int i = 0; i < 500; ++i) {
        float v = static_cast<float>(t * 1000 + i);
        if (!session->Run({{x, Tensor::Scalar(v)}}, {y}, &out).ok() ||
            out[0].scalar<float>() != (v + 1) * v) {
          wrong++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(SessionTest, ParallelBranchesUseInterOpPool) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  std::vector<Output> branches;
  for (int i = 0; i < 8; ++i) branches.push_back(ops::MatMul(root, x, x));
  Output sum = ops::AddN(root, InputList(branches.begin(), branches.end()));
  SessionOptions options;
  options.inter_op_threads = 2;
  auto session = Session::Create(root.graph(), options).value();
  Tensor xv(DT_FLOAT, TensorShape({64, 64}));
  for (int i = 0; i < 64 * 64; ++i) xv.data<float>()[i] = (i % 7) * 0.1f;
  std::vector<Tensor> out, one;
  ASSERT_TRUE(session->Run({{x, xv}}, {sum, branches[0]}, &out).ok());
  for (int i = 0; i < 64 * 64; ++i) {
    ASSERT_NEAR(out[0].data<float>()[i], 8 * out[1].data<float>()[i], 1e-3);
  }
}

TEST(SessionTest, MemoryCapGivesResourceExhausted) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::MatMul(root.WithOpName("big"), x, x);
  SessionOptions options;
  options.memory_limit_bytes = 1024;
  auto session = Session::Create(root.graph(), options).value();
  std::vector<Tensor> out;
  absl::Status s = session->Run({{x, Tensor(DT_FLOAT, TensorShape({64, 64}))}},
                                {y}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'big'"));
}

}  // namespace
}  // namespace tessera
