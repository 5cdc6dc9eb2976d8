#include "runtime/placer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/state_ops.h"
#include "runtime/testing/fake_device.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;
using testing::FakeGpuDevice;

TEST(DeviceSpecTest, ParsesTfForms) {
  struct Case {
    std::string in, type;
    int index;
  };
  for (const Case& c : std::vector<Case>{
           {"", "", -1},
           {"/cpu:0", "CPU", 0},
           {"/gpu:1", "GPU", 1},
           {"/device:GPU:0", "GPU", 0},
           {"/device:GPU:*", "GPU", -1},
           {"/device:FAKE_GPU:0", "FAKE_GPU", 0},
           {"/job:localhost/replica:0/task:0/device:CPU:0", "CPU", 0},
           {"/job:localhost", "", -1}}) {
    auto spec = ParseDeviceSpec(c.in);
    ASSERT_TRUE(spec.ok()) << c.in << ": " << spec.status();
    EXPECT_EQ(spec->type, c.type) << c.in;
    EXPECT_EQ(spec->index, c.index) << c.in;
  }
  for (const char* bad : {"/gpu:x", "gpu:0:1", "/device:GPU:0/device:CPU:0",
                          "/replica:-1", "/gpu:-1", "/9pu:0"}) {
    auto spec = ParseDeviceSpec(bad);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(spec.status().message()),
                HasSubstr("malformed device specification"));
  }
}

class PlacerTest : public ::testing::Test {
 protected:
  PlacerTest() : cpu_(0, 1), gpu_(0) {}
  std::unique_ptr<Placer> MakePlacer(bool soft = true) {
    PlacerOptions o;
    o.allow_soft_placement = soft;
    return std::make_unique<Placer>(root_.graph(),
                                    std::vector<Device*>{&cpu_, &gpu_}, o);
  }
  std::string Where(Placer& p, const Output& o) {
    auto d = p.DeviceFor(o.node);
    return d.ok() ? (*d)->device_type() : std::string(d.status().message());
  }

  Scope root_ = Scope::NewRootScope();
  CpuDevice cpu_;
  FakeGpuDevice gpu_;
};

TEST_F(PlacerTest, DefaultPrefersAcceleratorAndCpuPins) {
  Output x = ops::Placeholder(root_.WithOpName("x"), DT_FLOAT);
  Output c = ops::Const(root_.WithOpName("c"), 2.f);
  Output y = ops::Add(root_.WithOpName("y"), x, c);
  Output z = ops::Add(root_.WithOpName("z").WithDevice("/cpu:0"), y, c);
  Output n = ops::Neg(root_.WithOpName("n"), z);  // no FAKE_GPU kernel
  ASSERT_TRUE(root_.ok()) << root_.status();
  auto p = MakePlacer();
  EXPECT_EQ(Where(*p, x), "CPU");
  EXPECT_EQ(Where(*p, c), "FAKE_GPU");
  EXPECT_EQ(Where(*p, y), "FAKE_GPU");
  EXPECT_EQ(Where(*p, z), "CPU");
  EXPECT_EQ(Where(*p, n), "CPU");
}

TEST_F(PlacerTest, UnsatisfiableRequestSoftAndStrict) {
  Output c = ops::Const(root_, 2.f);
  Output n = ops::Neg(root_.WithOpName("neg").WithDevice("/device:FAKE_GPU:0"),
                      c);
  Output g = ops::Neg(root_.WithOpName("neg_gpu").WithDevice("/gpu:0"), c);
  ASSERT_TRUE(root_.ok());
  auto soft = MakePlacer(true);
  EXPECT_EQ(Where(*soft, n), "CPU");
  EXPECT_EQ(Where(*soft, g), "CPU");
  auto strict = MakePlacer(false);
  auto d = strict->DeviceFor(n.node);
  ASSERT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  std::string msg(d.status().message());
  EXPECT_THAT(msg, HasSubstr("Cannot assign a device for operation node "
                             "'neg' (op Neg, created at"));
  EXPECT_THAT(msg, HasSubstr("placer_test.cc:"));
  EXPECT_THAT(msg, HasSubstr("no supported kernel for FAKE_GPU devices"));
  EXPECT_THAT(msg, HasSubstr("device types with kernels for op Neg: [CPU]"));
  EXPECT_THAT(std::string(strict->DeviceFor(g.node).status().message()),
              HasSubstr("no such device exists"));
  // Only the failing nodes fail.
  EXPECT_EQ(Where(*strict, c), "FAKE_GPU");
}

TEST_F(PlacerTest, MalformedDeviceNamesTheNode) {
  Output c = ops::Const(root_.WithOpName("bad").WithDevice("/gpu:zero"), 1.f);
  ASSERT_TRUE(root_.ok());
  auto d = MakePlacer()->DeviceFor(c.node);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("node 'bad'"));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("'/gpu:zero'"));
}

TEST_F(PlacerTest, ResourceVariableOpsAreColocated) {
  Output v = ops::VarHandleOp(root_.WithOpName("v"), DT_FLOAT, {2}, "v", "");
  Operation init = ops::AssignVariableOp(root_.WithOpName("init"), v,
                                         ops::Const(root_, {1.f, 2.f}));
  Output read = ops::ReadVariableOp(root_.WithOpName("read"), v, DT_FLOAT);
  // A pinned member pulls the group.
  Output w = ops::VarHandleOp(root_.WithOpName("w"), DT_FLOAT, {2}, "w", "");
  Operation add = ops::AssignAddVariableOp(
      root_.WithOpName("add").WithDevice("/cpu:0"), w,
      ops::Const(root_, {1.f, 2.f}));
  Output wread = ops::ReadVariableOp(root_.WithOpName("wread"), w, DT_FLOAT);
  ASSERT_TRUE(root_.ok()) << root_.status();
  auto p = MakePlacer();
  EXPECT_EQ(Where(*p, v), "FAKE_GPU");
  EXPECT_EQ(p->DeviceFor(init.node).value()->device_type(), "FAKE_GPU");
  EXPECT_EQ(Where(*p, read), "FAKE_GPU");
  EXPECT_EQ(Where(*p, w), "CPU");
  EXPECT_EQ(Where(*p, wread), "CPU");
  // Added later, a new reader joins its placed group.
  Output late = ops::ReadVariableOp(root_.WithOpName("late"), w, DT_FLOAT);
  ASSERT_TRUE(root_.ok());
  EXPECT_EQ(Where(*p, late), "CPU");
}

TEST_F(PlacerTest, ConflictingRequestsInAGroup) {
  Output v = ops::VarHandleOp(root_.WithOpName("v").WithDevice("/cpu:0"),
                              DT_FLOAT, {2}, "v", "");
  Output read = ops::ReadVariableOp(
      root_.WithOpName("read").WithDevice("/device:FAKE_GPU:0"), v, DT_FLOAT);
  ASSERT_TRUE(root_.ok());
  auto d = MakePlacer(false)->DeviceFor(read.node);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr("Cannot colocate node 'v'"));
  auto soft = MakePlacer(true);
  EXPECT_EQ(Where(*soft, read), "CPU");  // the first request wins
}

TEST_F(PlacerTest, RefVariableOpsAreColocated) {
  Output v = ops::VariableV2(root_.WithOpName("v"), {2}, DT_FLOAT, "", "");
  Output assign = ops::Assign(root_.WithOpName("assign"), v,
                              ops::Const(root_, {1.f, 2.f}), true, true);
  Output read = ops::Identity(root_.WithOpName("v/read"), v);
  Output sub = ops::AssignSub(root_.WithOpName("sub"), v,
                              ops::Const(root_, {1.f, 1.f}));
  Output w = ops::VariableV2(root_.WithOpName("w"), {2}, DT_FLOAT, "", "");
  Output wassign = ops::Assign(root_.WithOpName("wassign"), w,
                               ops::Const(root_, {1.f, 2.f}), true, true);
  Output wread = ops::Identity(root_.WithOpName("w/read"), w);
  Output neg = ops::Neg(root_.WithOpName("neg"), w);  // reads, not a ref
  ASSERT_TRUE(root_.ok()) << root_.status();
  auto p = MakePlacer();
  // AssignSub has no FAKE_GPU kernel: v's whole group goes to the CPU.
  EXPECT_EQ(Where(*p, v), "CPU");
  EXPECT_EQ(Where(*p, assign), "CPU");
  EXPECT_EQ(Where(*p, read), "CPU");
  EXPECT_EQ(Where(*p, w), "FAKE_GPU");
  EXPECT_EQ(Where(*p, wassign), "FAKE_GPU");
  EXPECT_EQ(Where(*p, wread), "FAKE_GPU");
  EXPECT_EQ(Where(*p, neg), "CPU");
}

}  // namespace
}  // namespace tessera
