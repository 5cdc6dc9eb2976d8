// Google Benchmark for the MatMul CPU kernel: n x n x n float products (1024,
// and 128 to watch small-size overhead) run directly through the kernel (no
// graph, no session), with 1 and 2 intra-op threads. Reports the "FLOPS"
// rate counter (2 n^3 per iteration).
//
//   bazel run -c opt //kernels:matmul_benchmark
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/device.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "core/op_registry.h"

namespace tessera {
namespace {

Tensor Filled(int64_t rows, int64_t cols) {
  Tensor t(DT_FLOAT, TensorShape({rows, cols}));
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.NumElements(); ++i) p[i] = (i % 17) * 0.25f - 2.f;
  return t;
}

void BM_MatMul(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  // threads == 1 gives a device without an intra-op pool.
  CpuDevice device(0, threads);

  NodeDef def;
  def.set_name("matmul");
  def.set_op("MatMul");
  (*def.mutable_attr())["T"] = MakeAttr(DT_FLOAT);
  const OpRegistration* reg = *OpRegistry::Global()->LookUp("MatMul");
  AddDefaultAttrs(reg->op_def, &def);
  auto kernel =
      KernelRegistry::Global()->CreateKernel(&device, def, reg->op_def);
  if (!kernel.ok()) {
    state.SkipWithError(std::string(kernel.status().message()).c_str());
    return;
  }

  const Tensor a = Filled(n, n), b = Filled(n, n);
  const Tensor* inputs[] = {&a, &b};
  OpKernelContext::Params params;
  params.device = &device;
  params.op_kernel = kernel->get();
  params.inputs = inputs;
  params.num_inputs = 2;
  for (auto _ : state) {
    Tensor output;
    OpKernelContext ctx(&params, &output);
    (*kernel)->Compute(&ctx);
    if (!ctx.status().ok()) {
      state.SkipWithError(std::string(ctx.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(output.data<float>());
  }
  const double flops_per_iter = 2.0 * n * n * n;
  state.counters["FLOPS"] = benchmark::Counter(
      flops_per_iter * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_MatMul)
    ->ArgNames({"n", "threads"})
    ->Args({1024, 1})
    ->Args({1024, 2})
    ->Args({128, 1})
    ->Args({128, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace tessera
