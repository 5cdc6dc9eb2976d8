// Multi-device sessions on the CPU build, with the fake "FAKE_GPU" device
// (runtime/testing/fake_device.h). Its kernels fail when an input is not in
// the memory the executor owes it, so passing runs show the copies sit
// exactly where they are needed; the counts show there are no more.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/init_ops.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/optimizers.h"
#include "ops/reduction_ops.h"
#include "ops/shape_ops.h"
#include "ops/state_ops.h"
#include "ops/variables.h"
#include "runtime/session.h"
#include "runtime/testing/fake_device.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;
using testing::FakeGpuDevice;
using testing::InFakeDeviceMemory;

constexpr char kGpuName[] = "/job:localhost/replica:0/task:0/device:FAKE_GPU:0";

SessionOptions Options(bool fake_gpu = true) {
  SessionOptions o;
  o.inter_op_threads = 1;
  o.intra_op_threads = 1;
  if (!fake_gpu) o.device_count["FAKE_GPU"] = 0;
  return o;
}

TEST(MultiDeviceTest, FeedsAreCopiedInAndFetchesOut) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output c = ops::Const(root.WithOpName("c"), {10.f, 20.f});
  Output y = ops::Add(root.WithOpName("y"), x, c);
  Output z = ops::Mul(root.WithOpName("z"), x, y);  // x read twice
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root, Options()).value();
  ASSERT_EQ(session->devices().size(), 2u);
  EXPECT_EQ(session->devices()[1]->name(), kGpuName);
  Tensor xv = Tensor::FromVector<float>({1, 2}, TensorShape({2}));
  // One copy of x in (shared by both readers), z out.
  EXPECT_EQ(session->NumCopies({{x, xv}}, {z}).value(), 2);
  FakeGpuDevice::ResetCopyCounts();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({{x, xv}}, {z}, &out).ok());
  EXPECT_EQ(FakeGpuDevice::copies_from_host(), 1);
  EXPECT_EQ(FakeGpuDevice::copies_to_host(), 1);
  EXPECT_FALSE(InFakeDeviceMemory(out[0]));
  EXPECT_EQ(out[0].SummarizeValue(), "[11 44]");
}

// check_numerics reads device outputs through a copy to the host.
TEST(MultiDeviceTest, CheckNumericsScansDeviceOutputs) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output sq = ops::Square(root.WithOpName("sq"), x);
  Output y = ops::Add(root.WithOpName("y"), sq, ops::Const(root, 1.f));
  ASSERT_TRUE(root.ok()) << root.status();
  SessionOptions options = Options();
  options.check_numerics = true;
  auto session = Session::Create(root, options).value();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({{x, Tensor::FromVector<float>({3, 4})}}, {y}, &out).ok());
  EXPECT_EQ(out[0].SummarizeValue(), "[10 17]");
  FakeGpuDevice::ResetCopyCounts();
  absl::Status s =
      session->Run({{x, Tensor::FromVector<float>({2, 1e30f})}}, {y}, &out);
  EXPECT_THAT(s.message(), HasSubstr("node 'sq' (op Square"));
  EXPECT_THAT(s.message(), HasSubstr("0 NaN and 1 Inf values (first at flat index 1)"));
  EXPECT_GE(FakeGpuDevice::copies_to_host(), 1);
}

TEST(MultiDeviceTest, DeviceCountZeroIsCpuOnly) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::Add(root.WithOpName("y"), x, ops::Const(root, 1.f));
  auto session = Session::Create(root, Options(false)).value();
  ASSERT_EQ(session->devices().size(), 1u);
  EXPECT_EQ(session->device()->device_type(), "CPU");
  Tensor xv = Tensor::FromVector<float>({1, 2}, TensorShape({2}));
  EXPECT_EQ(session->NumCopies({{x, xv}}, {y}).value(), 0);
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({{x, xv}}, {y}, &out).ok());
  EXPECT_EQ(out[0].SummarizeValue(), "[2 3]");
}

TEST(MultiDeviceTest, HostMemoryArgsGetNoDeviceCopy) {
  Scope root = Scope::NewRootScope();
  Output t = ops::Const(root.WithOpName("t"), {1.f, 2.f, 3.f, 4.f});
  Output cpu_shape =
      ops::Const(root.WithOpName("cpu_shape").WithDevice("/cpu:0"), {2, 2});
  Output gpu_shape = ops::Const(root.WithOpName("gpu_shape"), {4, 1});
  Output r1 = ops::Reshape(root.WithOpName("r1"), t, cpu_shape);
  Output r2 = ops::Reshape(root.WithOpName("r2"), t, gpu_shape);
  Output s = ops::Add(root.WithOpName("s"), ops::Reshape(root, r1, {4}),
                      ops::Reshape(root, r2, {4}));
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root, Options()).value();
  // Reshape's `shape` lives in host memory on FAKE_GPU: the CPU constant
  // goes in as is, the FAKE_GPU ones ({4, 1} and the two {4}) come out.
  EXPECT_EQ(session->NumCopies({}, {s}).value(), 4);
  FakeGpuDevice::ResetCopyCounts();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({}, {s}, &out).ok());
  EXPECT_EQ(FakeGpuDevice::copies_from_host(), 0);
  EXPECT_EQ(FakeGpuDevice::copies_to_host(), 4);
  EXPECT_EQ(out[0].SummarizeValue(), "[2 4 6 8]");
}

TEST(MultiDeviceTest, LogDevicePlacement) {
  Scope root = Scope::NewRootScope();
  Output c = ops::Const(root.WithOpName("c"), 1.f);
  Output y = ops::Add(root.WithOpName("y"), c, c);
  Output n = ops::Neg(root.WithOpName("n"), y);
  SessionOptions o = Options();
  o.log_device_placement = true;
  auto session = Session::Create(root, o).value();
  ::testing::internal::CaptureStderr();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({}, {n}, &out).ok());
  ASSERT_TRUE(session->Run({}, {n}, &out).ok());  // placed once
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr(absl::StrCat("y (Add): ", kGpuName, "\n")));
  EXPECT_THAT(log, HasSubstr(
      "n (Neg): /job:localhost/replica:0/task:0/device:CPU:0\n"));
  EXPECT_EQ(log.find("y (Add)"), log.rfind("y (Add)"));
  EXPECT_EQ(out[0].scalar<float>(), -2.f);
}

TEST(MultiDeviceTest, SoftPlacementFallsBackAndStrictFails) {
  Scope root = Scope::NewRootScope();
  Output c = ops::Const(root.WithOpName("c"), 3.f);
  Output n = ops::Neg(root.WithOpName("n").WithDevice("/gpu:0"), c);
  ASSERT_TRUE(root.ok());
  auto soft = Session::Create(root, Options()).value();
  ::testing::internal::CaptureStderr();
  std::vector<Tensor> out;
  ASSERT_TRUE(soft->Run({}, {n}, &out).ok());
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("soft placement"));
  EXPECT_EQ(out[0].scalar<float>(), -3.f);

  SessionOptions o = Options();
  o.allow_soft_placement = false;
  auto strict = Session::Create(root, o).value();
  absl::Status s = strict->Run({}, {n}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("Cannot assign a device for operation node 'n' (op "
                        "Neg, created at"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("multi_device_test.cc:"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("no such device exists"));
}

TEST(MultiDeviceTest, StepStatsHaveOneEntryPerDevice) {
  Scope root = Scope::NewRootScope();
  Output c = ops::Const(root.WithOpName("c"), 1.f);
  Output n = ops::Neg(root.WithOpName("n"), ops::Add(root, c, c));
  auto session = Session::Create(root, Options()).value();
  ::tensorflow::RunOptions options;
  options.set_trace_level(::tensorflow::RunOptions::FULL_TRACE);
  ::tensorflow::RunMetadata metadata;
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run(options, {}, {n}, {}, &out, &metadata).ok());
  const auto& stats = metadata.step_stats();
  ASSERT_EQ(stats.dev_stats_size(), 2);
  std::vector<std::string> devices = {stats.dev_stats(0).device(),
                                      stats.dev_stats(1).device()};
  EXPECT_THAT(devices, ::testing::UnorderedElementsAre(
                           kGpuName,
                           "/job:localhost/replica:0/task:0/device:CPU:0"));
}

TEST(MultiDeviceTest, RefVariableValueIsCopiedToItsReaders) {
  Scope root = Scope::NewRootScope();
  Output v = ops::VariableV2(root.WithOpName("v"), {2}, DT_FLOAT, "", "");
  Output assign = ops::Assign(root.WithOpName("assign"), v,
                              ops::Const(root, {1.f, 2.f}), true, true);
  Output inc = ops::AssignAdd(root.WithOpName("inc"), v,
                              ops::Const(root, {1.f, 1.f}));
  Output neg = ops::Neg(root.WithOpName("neg"), v);  // CPU reads the value
  Output twice = ops::Add(root.WithOpName("twice"), v, v);  // FAKE_GPU
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root, Options()).value();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({}, {}, {Operation(assign.node)}, nullptr).ok());
  ASSERT_TRUE(session->Run({}, {}, {Operation(inc.node)}, nullptr).ok());
  ASSERT_TRUE(session->Run({}, {neg, twice, v}, &out).ok());
  EXPECT_EQ(out[0].SummarizeValue(), "[-2 -3]");
  EXPECT_EQ(out[1].SummarizeValue(), "[4 6]");
  EXPECT_EQ(out[2].SummarizeValue(), "[2 3]");
  for (const Tensor& t : out) EXPECT_FALSE(InFakeDeviceMemory(t));
}

// A two-layer MLP trained by gradient descent; the gradient ops without
// FAKE_GPU kernels run on the CPU, so values cross devices many times.
std::vector<std::string> TrainMlp(const SessionOptions& options,
                                  bool use_resource, int* copies) {
  Scope root = Scope::NewRootScope();
  VariableOptions vo;
  vo.use_resource = use_resource;
  Tensor w1v = Tensor::FromVector<float>({0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f},
                                         TensorShape({2, 3}));
  Tensor w2v = Tensor::FromVector<float>({0.3f, -0.1f, 0.2f}, TensorShape({3, 1}));
  const Variable* w1 = GetVariable(root, "w1", {2, 3}, DT_FLOAT,
                                   init::Constant(w1v), vo);
  const Variable* w2 = GetVariable(root, "w2", {3, 1}, DT_FLOAT,
                                   init::Constant(w2v), vo);
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT);
  Output h = ops::Relu(root, ops::MatMul(root, x, w1));
  Output pred = ops::MatMul(root, h, w2);
  Output loss = ops::Mean(root.WithOpName("loss"),
                          ops::Square(root, ops::Sub(root, pred, y)), {0, 1});
  train::GradientDescentOptimizer sgd(0.1);
  auto step = sgd.Minimize(root, loss);
  Operation init = GlobalVariablesInitializer(root);
  EXPECT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(step.ok()) << step.status();
  auto session = Session::Create(root, options).value();
  EXPECT_TRUE(session->Run({}, {}, {init}, nullptr).ok());
  Tensor xv = Tensor::FromVector<float>({1, 2, -1, 0.5f, 3, -2},
                                        TensorShape({3, 2}));
  Tensor yv = Tensor::FromVector<float>({1, -1, 0.5f}, TensorShape({3, 1}));
  std::vector<std::string> trace;
  std::vector<Tensor> out;
  for (int i = 0; i < 5; ++i) {
    absl::Status s = session->Run({{x, xv}, {y, yv}}, {loss}, {*step}, &out);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) return trace;
    trace.push_back(out[0].SummarizeValue());
  }
  *copies = session->NumCopies({{x, xv}, {y, yv}}, {loss}, {*step}).value();
  EXPECT_TRUE(session->Run({}, {ReadValue(root, w1), ReadValue(root, w2)},
                           &out).ok());
  trace.push_back(out[0].SummarizeValue() + out[1].SummarizeValue());
  return trace;
}

TEST(MultiDeviceTest, MlpTrainsIdenticallyWithAndWithoutTheDevice) {
  // (GradientDescentOptimizer updates resource variables only.)
  int cpu_copies = -1, gpu_copies = -1;
  auto cpu = TrainMlp(Options(false), true, &cpu_copies);
  auto gpu = TrainMlp(Options(true), true, &gpu_copies);
  ASSERT_EQ(cpu.size(), 6u);
  EXPECT_EQ(cpu, gpu);
  EXPECT_NE(cpu[0], cpu[4]);  // it learns
  EXPECT_EQ(cpu_copies, 0);
  EXPECT_GT(gpu_copies, 2);
}

}  // namespace
}  // namespace tessera
