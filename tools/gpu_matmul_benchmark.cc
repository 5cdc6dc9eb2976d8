// cuBLAS SGEMM called directly on an N x N problem: the reference figure
// (TFLOP/s, TF32 tensor cores off and on) that Tessera's GPU MatMul is
// compared against. CUDA builds only; reports "no GPU" and skips elsewhere.
// Run: bazel run --config=cuda //tools:gpu_matmul_benchmark
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/gpu/gpu_status.h"

namespace tessera {
namespace {

// Three N x N float matrices on the device, A and B random.
class GemmProblem {
 public:
  ~GemmProblem() {
    for (float* p : {a_, b_, c_}) cudaFree(p);
    if (handle_ != nullptr) cublasDestroy(handle_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  absl::Status Init(int n, bool tf32) {
    n_ = n;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
      return absl::UnavailableError("no GPU");
    }
    const char* where = "gpu_matmul_benchmark";
    size_t bytes = sizeof(float) * n * n;
    CUDA_RETURN_IF_ERROR(cudaStreamCreate(&stream_), where);
    CUDA_RETURN_IF_ERROR(cublasCreate(&handle_), where);
    CUDA_RETURN_IF_ERROR(cublasSetStream(handle_, stream_), where);
    // Default math is IEEE FP32 for SGEMM; TF32 must be asked for.
    CUDA_RETURN_IF_ERROR(
        cublasSetMathMode(handle_, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                        : CUBLAS_DEFAULT_MATH),
        where);
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    std::vector<float> host(static_cast<size_t>(n) * n);
    for (float** p : {&a_, &b_, &c_}) {
      CUDA_RETURN_IF_ERROR(cudaMalloc(reinterpret_cast<void**>(p), bytes),
                           where);
      for (float& v : host) v = dist(rng);
      CUDA_RETURN_IF_ERROR(
          cudaMemcpy(*p, host.data(), bytes, cudaMemcpyHostToDevice), where);
    }
    return absl::OkStatus();
  }

  absl::Status Sgemm() {
    const float one = 1.f, zero = 0.f;
    CUDA_RETURN_IF_ERROR(
        cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, n_, n_, n_, &one, a_,
                    n_, b_, n_, &zero, c_, n_),
        "gpu_matmul_benchmark");
    return absl::OkStatus();
  }

  cudaStream_t stream() const { return stream_; }

 private:
  int n_ = 0;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t handle_ = nullptr;
  float* a_ = nullptr;
  float* b_ = nullptr;
  float* c_ = nullptr;
};

// Times `reps` back-to-back SGEMMs with events (GPU time, not launch time).
absl::Status TimeGemms(GemmProblem* p, int reps, float* ms) {
  cudaEvent_t start, stop;
  CUDA_RETURN_IF_ERROR(cudaEventCreate(&start), "bench");
  CUDA_RETURN_IF_ERROR(cudaEventCreate(&stop), "bench");
  cudaEventRecord(start, p->stream());
  absl::Status s;
  for (int i = 0; i < reps && s.ok(); ++i) s = p->Sgemm();
  cudaEventRecord(stop, p->stream());
  if (s.ok()) {
    s = GpuCallStatus(cudaEventSynchronize(stop), "cudaEventSynchronize",
                      "bench");
  }
  if (s.ok()) cudaEventElapsedTime(ms, start, stop);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return s;
}

void BM_CublasSgemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool tf32 = state.range(1) != 0;
  constexpr int kReps = 10;
  GemmProblem problem;
  absl::Status s = problem.Init(n, tf32);
  float ms = 0;
  if (s.ok()) s = TimeGemms(&problem, 3, &ms);  // warm-up, heuristics
  if (!s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  double total_ms = 0;
  for (auto _ : state) {
    s = TimeGemms(&problem, kReps, &ms);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    state.SetIterationTime(ms / 1e3 / kReps);
    total_ms += ms;
  }
  double flops = 2.0 * n * n * n * kReps * state.iterations();
  state.counters["TFLOP/s"] = flops / (total_ms / 1e3) / 1e12;
  state.SetLabel(tf32 ? "TF32 tensor cores" : "FP32 (IEEE)");
}
BENCHMARK(BM_CublasSgemm)
    ->ArgNames({"n", "tf32"})
    ->Args({8192, 0})
    ->Args({8192, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tessera
