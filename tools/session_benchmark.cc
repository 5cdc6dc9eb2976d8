// Session::Run overhead: a trivial graph (one fed Add of two scalars) and
// chains of N Adds, so the per-node cost is (chain time - trivial) / N.
// Also the PyTorch peer's linear-regression-style step: y = w*x + b, fed.
#include <vector>

#include "benchmark/benchmark.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "runtime/session.h"

namespace tessera {
namespace {

SessionOptions SingleThreaded() {
  SessionOptions o;
  o.inter_op_threads = 1;
  o.intra_op_threads = 1;
  return o;
}

void BM_TrivialAdd(benchmark::State& state) {
  Scope root = Scope::NewRootScope();
  Output a = ops::Placeholder(root.WithOpName("a"), DT_FLOAT);
  Output b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT);
  Output c = ops::Add(root, a, b);
  auto session = Session::Create(root.graph(), SingleThreaded()).value();
  FeedList feeds = {{a, Tensor::Scalar(1.f)}, {b, Tensor::Scalar(2.f)}};
  std::vector<Output> fetches = {c};
  std::vector<Tensor> out;
  for (auto _ : state) {
    if (!session->Run(feeds, fetches, &out).ok()) state.SkipWithError("run");
    benchmark::DoNotOptimize(out[0].scalar<float>());
  }
}
BENCHMARK(BM_TrivialAdd);

void BM_AddChain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT);
  Output acc = x;
  for (int i = 0; i < n; ++i) acc = ops::Add(root, acc, y);
  auto session = Session::Create(root.graph(), SingleThreaded()).value();
  FeedList feeds = {{x, Tensor::Scalar(1.f)}, {y, Tensor::Scalar(1.f)}};
  std::vector<Output> fetches = {acc};
  std::vector<Tensor> out;
  for (auto _ : state) {
    if (!session->Run(feeds, fetches, &out).ok()) state.SkipWithError("run");
  }
  state.counters["ns_per_node"] = benchmark::Counter(
      static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                  benchmark::Counter::kInvert);
}
BENCHMARK(BM_AddChain)->Arg(1)->Arg(10)->Arg(100);

// The same chain with the default (multi-threaded) session options.
void BM_AddChainDefaultOptions(benchmark::State& state) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT);
  Output acc = x;
  for (int i = 0; i < 100; ++i) acc = ops::Add(root, acc, y);
  auto session = Session::Create(root).value();
  FeedList feeds = {{x, Tensor::Scalar(1.f)}, {y, Tensor::Scalar(1.f)}};
  std::vector<Tensor> out;
  for (auto _ : state) {
    if (!session->Run(feeds, {acc}, &out).ok()) state.SkipWithError("run");
  }
}
BENCHMARK(BM_AddChainDefaultOptions);

}  // namespace
}  // namespace tessera

