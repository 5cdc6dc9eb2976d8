#include "core/op_registry.h"

#include "core/kernel_registry.h"
#include "core/threadpool.h"

#include <atomic>
#include "gtest/gtest.h"

namespace tessera {
namespace {

absl::StatusOr<OpRegistration> Parse(OpDefBuilder b) { return b.Finalize(); }

TEST(OpDefBuilderTest, ParsesTensorFlowSpecs) {
  auto reg = Parse(OpDefBuilder("TestConcat")
                       .Input("values: N * T")
                       .Input("axis: Tidx")
                       .Output("output: T")
                       .Attr("N: int >= 2")
                       .Attr("T: type")
                       .Attr("Tidx: {int32, int64} = DT_INT32")
                       .Attr("padding: {'SAME', 'VALID'} = 'SAME'")
                       .Attr("strides: list(int) = [1, 1]")
                       .Attr("alpha: float = 0.2")
                       .Attr("shape: shape = { unknown_rank: true }")
                       .SetIsCommutative());
  ASSERT_TRUE(reg.ok()) << reg.status();
  const OpDef& d = reg->op_def;
  EXPECT_EQ(d.input_arg(0).number_attr(), "N");
  EXPECT_EQ(d.input_arg(0).type_attr(), "T");
  EXPECT_EQ(d.input_arg(1).type_attr(), "Tidx");
  EXPECT_EQ(d.attr(0).type(), "int");
  EXPECT_TRUE(d.attr(0).has_minimum());
  EXPECT_EQ(d.attr(0).minimum(), 2);
  EXPECT_EQ(d.attr(2).allowed_values().list().type_size(), 2);
  EXPECT_EQ(d.attr(2).default_value().type(), DT_INT32);
  EXPECT_EQ(d.attr(3).type(), "string");
  EXPECT_EQ(d.attr(3).default_value().s(), "SAME");
  EXPECT_EQ(d.attr(4).default_value().list().i_size(), 2);
  EXPECT_FLOAT_EQ(d.attr(5).default_value().f(), 0.2f);
  EXPECT_TRUE(d.attr(6).default_value().shape().unknown_rank());
  EXPECT_TRUE(d.is_commutative());
}

TEST(OpDefBuilderTest, RefAndLiteralTypes) {
  auto reg = Parse(OpDefBuilder("TestAssign")
                       .Input("ref: Ref(T)")
                       .Input("flag: bool")
                       .Output("out: float")
                       .Attr("T: type")
                       .Attr("types: list(type) >= 1"));
  ASSERT_TRUE(reg.ok()) << reg.status();
  EXPECT_TRUE(reg->op_def.input_arg(0).is_ref());
  EXPECT_EQ(reg->op_def.input_arg(1).type(), DT_BOOL);
  EXPECT_EQ(reg->op_def.output_arg(0).type(), DT_FLOAT);
  EXPECT_EQ(reg->op_def.attr(1).type(), "list(type)");
  EXPECT_EQ(reg->op_def.attr(1).minimum(), 1);
}

TEST(OpDefBuilderTest, BadSpecsAreErrorsNotCrashes) {
  auto reg = Parse(OpDefBuilder("Bad").Input("x: Undeclared"));
  EXPECT_FALSE(reg.ok());
  EXPECT_NE(reg.status().message().find("Undeclared"), std::string::npos);
  EXPECT_FALSE(Parse(OpDefBuilder("Bad2").Attr("x: wibble")).ok());
  EXPECT_FALSE(Parse(OpDefBuilder("Bad3").Attr("x: int = abc")).ok());
}

TEST(OpRegistryTest, UnknownOpNamesIt) {
  auto r = OpRegistry::Global()->LookUp("NoSuchOp");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("NoSuchOp"), std::string::npos);
}

REGISTER_OP("TestTypedOp")
    .Input("x: N * T")
    .Output("y: T")
    .Attr("N: int >= 1")
    .Attr("T: {float, int32}")
    .Attr("mode: {'a', 'b'} = 'a'");

TEST(OpDefUtilTest, InferValidateAndType) {
  const OpDef& def = OpRegistry::Global()->LookUp("TestTypedOp").value()->op_def;
  NodeDef node;
  node.set_name("n");
  node.set_op("TestTypedOp");
  ASSERT_TRUE(InferAttrsFromInputs(def, {{DT_FLOAT, DT_FLOAT, DT_FLOAT}}, &node).ok());
  EXPECT_EQ(node.attr().at("N").i(), 3);
  EXPECT_EQ(node.attr().at("mode").s(), "a");
  EXPECT_TRUE(ValidateAttrs(def, node).ok());
  std::vector<DataType> in, out;
  ASSERT_TRUE(InOutTypesForNode(node, def, &in, &out).ok());
  EXPECT_EQ(in.size(), 3u);
  EXPECT_EQ(out, std::vector<DataType>{DT_FLOAT});

  (*node.mutable_attr())["T"] = MakeAttr(DT_DOUBLE);
  auto s = ValidateAttrs(def, node);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("double"), std::string::npos);
  (*node.mutable_attr())["T"] = MakeAttr(DT_FLOAT);
  (*node.mutable_attr())["mode"] = MakeAttr("c");
  EXPECT_FALSE(ValidateAttrs(def, node).ok());
  (*node.mutable_attr())["mode"] = MakeAttr("b");
  (*node.mutable_attr())["bogus"] = MakeAttr(1);
  EXPECT_FALSE(ValidateAttrs(def, node).ok());
  node.mutable_attr()->erase("bogus");
  (*node.mutable_attr())["N"] = MakeAttr(0);
  EXPECT_FALSE(ValidateAttrs(def, node).ok());

  NodeDef mixed;
  EXPECT_FALSE(InferAttrsFromInputs(def, {{DT_FLOAT, DT_INT32}}, &mixed).ok());
}

class TestKernel : public OpKernel {
 public:
  explicit TestKernel(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext*) override {}
};
REGISTER_KERNEL_BUILDER(Name("TestTypedOp").Device(kDeviceCpu).TypeConstraint<float>("T"),
                        TestKernel);

TEST(KernelRegistryTest, FindsByTypeConstraint) {
  NodeDef node;
  node.set_name("n");
  node.set_op("TestTypedOp");
  (*node.mutable_attr())["T"] = MakeAttr(DT_FLOAT);
  EXPECT_TRUE(KernelRegistry::Global()->Find(kDeviceCpu, node).ok());
  (*node.mutable_attr())["T"] = MakeAttr(DT_INT32);
  auto missing = KernelRegistry::Global()->Find(kDeviceCpu, node);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("T=int32"), std::string::npos);
  EXPECT_FALSE(KernelRegistry::Global()->Find(kDeviceGpu, node).ok());
}

TEST(ThreadPoolTest, ParallelForCoversRangeOnce) {
  ThreadPool pool("test", 2);
  std::vector<std::atomic<int>> hits(10000);
  pool.ParallelFor(10000, 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

}  // namespace
}  // namespace tessera
