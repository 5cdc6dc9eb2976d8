// The main job until the training tool exists: builds y = x.W + b with a
// placeholder, runs it with feeds, exports the graph as .pbtxt, re-imports it
// into a new Graph and checks that both give the same numbers.
#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph_def_io.h"
#include "ops/array_ops.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"
#include "runtime/session.h"

namespace tessera {
namespace {

absl::Status RunDemo(const std::string& pbtxt_path) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT,
                              PartialTensorShape({-1, 3}));
  Output w = ops::Const(root.WithOpName("W"),
                        {{1.f, 0.f}, {0.f, 1.f}, {2.f, -1.f}});
  Output b = ops::Const(root.WithOpName("b"), {0.5f, -0.5f});
  Output y = ops::Add(root.WithOpName("y"), ops::MatMul(root, x, w), b);
  RETURN_IF_ERROR(root.status());
  std::printf("built y = matmul(x, W) + b; y has static shape %s\n",
              y.shape().DebugString().c_str());

  ASSIGN_OR_RETURN(auto session, Session::Create(root));
  Tensor xv = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, TensorShape({2, 3}));
  std::vector<Tensor> out;
  RETURN_IF_ERROR(session->Run({{x, xv}}, {y}, &out));
  std::printf("x = %s\ny = %s\n", xv.SummarizeValue().c_str(),
              out[0].SummarizeValue().c_str());

  ::tensorflow::GraphDef graph_def;
  RETURN_IF_ERROR(root.ToGraphDef(&graph_def));
  RETURN_IF_ERROR(WriteGraphDef(graph_def, pbtxt_path, /*as_text=*/true));
  std::printf("wrote %d nodes to %s\n", graph_def.node_size(),
              pbtxt_path.c_str());

  ::tensorflow::GraphDef read_back;
  RETURN_IF_ERROR(ReadGraphDef(pbtxt_path, &read_back));
  Graph imported;
  RETURN_IF_ERROR(ImportGraphDef(read_back, &imported));
  ASSIGN_OR_RETURN(auto session2, Session::Create(&imported));
  std::vector<Tensor> out2;
  RETURN_IF_ERROR(session2->Run({{"x:0", xv}}, {"y:0"}, {}, &out2));
  std::printf("re-imported graph: y = %s\n", out2[0].SummarizeValue().c_str());
  if (out2[0].SummarizeValue() != out[0].SummarizeValue()) {
    return absl::InternalError("re-imported graph gave different numbers");
  }
  std::printf("same numbers after the .pbtxt round trip\n");

  // Errors name the node, the op and where it was built.
  absl::Status missing = session->Run({}, {y}, &out);
  std::printf("running without the feed fails as it should:\n  %s\n",
              std::string(missing.message()).c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : "/tmp/tessera_demo_graph.pbtxt";
  absl::Status s = tessera::RunDemo(path);
  if (!s.ok()) {
    std::fprintf(stderr, "demo failed: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
