#include "graph/graph.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/graph_def_io.h"
#include "graph/node_builder.h"
#include "graph/scope.h"
#include "ops/array_ops.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

TEST(ScopeTest, UniqueNamesLikeTensorFlow) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, 1.0f);
  Output b = ops::Const(root, 2.0f);
  EXPECT_EQ(a.node->name(), "Const");
  EXPECT_EQ(b.node->name(), "Const_1");
  Output x = ops::Identity(root.WithOpName("x"), a);
  Output x1 = ops::Identity(root.WithOpName("x"), a);
  EXPECT_EQ(x.node->name(), "x");
  EXPECT_EQ(x1.node->name(), "x_1");
  Scope layer = root.NewSubScope("dense");
  Scope layer2 = root.NewSubScope("dense");
  EXPECT_EQ(ops::Identity(layer, a).node->name(), "dense/Identity");
  EXPECT_EQ(ops::Identity(layer2, a).node->name(), "dense_1/Identity");
  Scope inner = layer.NewSubScope("inner");
  EXPECT_EQ(ops::Identity(inner.WithOpName("y"), a).node->name(),
            "dense/inner/y");
  EXPECT_TRUE(root.ok());
}

TEST(ScopeTest, ControlDependenciesAndDevice) {
  Scope root = Scope::NewRootScope();
  Operation init = ops::NoOp(root.WithOpName("init"));
  Scope deps = root.WithControlDependencies({init}).WithDevice("/cpu:0");
  Output c = ops::Const(deps, 3);
  ASSERT_EQ(c.node->control_inputs().size(), 1u);
  EXPECT_EQ(c.node->control_inputs()[0]->name(), "init");
  EXPECT_EQ(c.node->requested_device(), "/cpu:0");
  Output d = ops::Const(deps.WithNoControlDependencies(), 4);
  EXPECT_TRUE(d.node->control_inputs().empty());
}

TEST(GraphTest, ShapesInferredAtConstruction) {
  Scope root = Scope::NewRootScope();
  Output c = ops::Const(root, {{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_EQ(c.shape().DebugString(), "[2,3]");
  EXPECT_EQ(c.dtype(), DT_FLOAT);
  Output p = ops::Placeholder(root, DT_FLOAT, PartialTensorShape({-1, 3}));
  EXPECT_EQ(ops::Identity(root, p).shape().DebugString(), "[?,3]");
  Output u = ops::Placeholder(root, DT_INT32);
  EXPECT_TRUE(u.shape().unknown_rank());
}

TEST(GraphTest, ShapeErrorNamesNodeAndCreationSite) {
  Scope root = Scope::NewRootScope();
  Output c = ops::Const(root, {1.f, 2.f});
  Output bad = ops::PlaceholderWithDefault(root.WithOpName("pwd"), c,
                                           PartialTensorShape({3}));
  EXPECT_FALSE(bad.valid());
  EXPECT_FALSE(root.ok());
  std::string msg(root.status().message());
  EXPECT_THAT(msg, HasSubstr("node 'pwd'"));
  EXPECT_THAT(msg, HasSubstr("PlaceholderWithDefault"));
  EXPECT_THAT(msg, HasSubstr("graph_test.cc:"));
  // The error is sticky: later ops are not added.
  int before = root.graph()->num_nodes();
  EXPECT_FALSE(ops::Identity(root, c).valid());
  EXPECT_EQ(root.graph()->num_nodes(), before);
}

TEST(GraphTest, UnknownOpAndDuplicateNames) {
  Graph g;
  NodeDef def;
  def.set_name("n");
  def.set_op("NotAnOp");
  auto s = g.AddNode(def, {}, {});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("NotAnOp"));
  def.set_op("NoOp");
  ASSERT_TRUE(g.AddNode(def, {}, {}).ok());
  auto dup = g.AddNode(def, {}, {});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  def.set_name("bad name!");
  EXPECT_FALSE(g.AddNode(def, {}, {}).ok());
}

TEST(GraphTest, InputTypeMismatchIsRejected) {
  Graph g;
  Scope root = Scope::ForGraph(&g);
  Output i = ops::Const(root, 1);
  NodeDef def;
  def.set_name("pwd");
  def.set_op("PlaceholderWithDefault");
  (*def.mutable_attr())["dtype"] = MakeAttr(DT_FLOAT);
  (*def.mutable_attr())["shape"] = MakeAttr(PartialTensorShape());
  auto s = g.AddNode(def, {i}, {});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("int32"));
}

TEST(GraphTest, ControlEdgeCycleRejected) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Const(root, 1.f);
  Output b = ops::Identity(root, a);
  EXPECT_FALSE(root.graph()->AddControlEdge(b.node, a.node).ok());
  EXPECT_TRUE(root.graph()->AddControlEdge(a.node, b.node).ok());
}

TEST(GraphDefTest, RoundTripIsExact) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT,
                              PartialTensorShape({-1, 2}));
  Operation init = ops::NoOp(root.WithOpName("init"));
  Output y = ops::Identity(root.WithControlDependencies({init}).WithOpName("y"), x);
  Output c = ops::Const(root.NewSubScope("consts"), {{1.f, 2.f}});
  (void)y;
  (void)c;
  ::tensorflow::GraphDef gd;
  ASSERT_TRUE(root.ToGraphDef(&gd).ok());
  ASSERT_EQ(gd.node_size(), 4);
  EXPECT_EQ(gd.node(2).input(0), "x");
  EXPECT_EQ(gd.node(2).input(1), "^init");
  EXPECT_EQ(gd.versions().producer(), kGraphDefVersion);

  // Import reversed: order in the GraphDef must not matter.
  ::tensorflow::GraphDef reversed = gd;
  std::reverse(reversed.mutable_node()->begin(), reversed.mutable_node()->end());
  Graph g2;
  ASSERT_TRUE(ImportGraphDef(reversed, &g2).ok());
  ::tensorflow::GraphDef gd2;
  g2.ToGraphDef(&gd2);
  Graph g3;
  ASSERT_TRUE(ImportGraphDef(gd2, &g3).ok());
  ::tensorflow::GraphDef gd3;
  g3.ToGraphDef(&gd3);
  EXPECT_EQ(SerializeDeterministic(gd2), SerializeDeterministic(gd3));
  EXPECT_EQ(g2.FindNode("y")->output_shape(0).DebugString(), "[?,2]");
}

TEST(GraphDefTest, TextFileRoundTrip) {
  Scope root = Scope::NewRootScope();
  ops::Const(root.WithOpName("c"), {1, 2, 3});
  ::tensorflow::GraphDef gd;
  ASSERT_TRUE(root.ToGraphDef(&gd).ok());
  std::string path = ::testing::TempDir() + "/g.pbtxt";
  ASSERT_TRUE(WriteGraphDef(gd, path, /*as_text=*/true).ok());
  ::tensorflow::GraphDef back;
  ASSERT_TRUE(ReadGraphDef(path, &back).ok());
  EXPECT_EQ(SerializeDeterministic(back), SerializeDeterministic(gd));
  EXPECT_EQ(ReadGraphDef("/nonexistent/x.pb", &back).code(),
            absl::StatusCode::kNotFound);
}

TEST(GraphDefTest, ImportErrorsListEveryUnknownOpAndAddNothing) {
  ::tensorflow::GraphDef gd;
  auto* a = gd.add_node();
  a->set_name("a");
  a->set_op("FancyOp");
  auto* b = gd.add_node();
  b->set_name("b");
  b->set_op("OtherOp");
  auto* c = gd.add_node();
  c->set_name("c");
  c->set_op("FancyOp");
  Graph g;
  absl::Status s = ImportGraphDef(gd, &g);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(s.message()), HasSubstr("FancyOp (used by a, c)"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("OtherOp (used by b)"));
  EXPECT_EQ(g.num_nodes(), 0);
}

TEST(GraphDefTest, ImportRollsBackOnBadNode) {
  Graph g;
  Scope root = Scope::ForGraph(&g);
  ops::Const(root.WithOpName("keep"), 1.f);
  ::tensorflow::GraphDef gd;
  auto* a = gd.add_node();
  a->set_name("a");
  a->set_op("NoOp");
  auto* b = gd.add_node();
  b->set_name("b");
  b->set_op("Identity");
  b->add_input("a");  // NoOp has no outputs
  (*b->mutable_attr())["T"] = MakeAttr(DT_FLOAT);
  EXPECT_FALSE(ImportGraphDef(gd, &g).ok());
  EXPECT_EQ(g.num_nodes(), 1);
  EXPECT_EQ(g.FindNode("a"), nullptr);
}

TEST(GraphDefTest, PrefixInputMapAndReturnElements) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  ops::Identity(root.WithOpName("y"), x);
  ::tensorflow::GraphDef gd;
  ASSERT_TRUE(root.ToGraphDef(&gd).ok());

  Graph g;
  Scope s = Scope::ForGraph(&g);
  Output replacement = ops::Const(s.WithOpName("five"), 5.f);
  ImportGraphDefOptions opts;
  opts.prefix = "imported";
  opts.input_map["x:0"] = replacement;
  opts.return_elements = {"y:0", "x"};
  ImportGraphDefResults results;
  ASSERT_TRUE(ImportGraphDef(gd, &g, opts, &results).ok());
  ASSERT_EQ(results.return_tensors.size(), 1u);
  EXPECT_EQ(results.return_tensors[0].node->name(), "imported/y");
  EXPECT_EQ(results.return_tensors[0].node->input(0).node->name(), "five");
  ASSERT_EQ(results.return_operations.size(), 1u);
  EXPECT_EQ(results.return_operations[0].name(), "imported/x");
}

}  // namespace
}  // namespace tessera
