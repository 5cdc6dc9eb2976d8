// GPU RandomUniform, RandomStandardNormal and TruncatedNormal (float,
// double). Same seeds semantics and stream layout as the CPU kernels
// (kernels/random_ops.cc): each kernel owns a Philox stream seeded from
// (seed, seed2), or from the OS when both are 0; a run reserves its slice
// on the host under a mutex and the device fills the output from it. The
// shape input is HostMemory.
#include <cstdint>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/gpu_kernel_util.h"
#include "kernels/random_ops_gpu.h"

namespace tessera {
namespace gpu {
namespace {

template <typename T, RandomDist kDist>
class GpuRandomOp : public OpKernel {
 public:
  explicit GpuRandomOp(OpKernelConstruction* c) : OpKernel(c), gen_(0, 0) {
    int64_t seed = 0, seed2 = 0;
    OP_REQUIRES_OK(c, c->GetAttr("seed", &seed));
    OP_REQUIRES_OK(c, c->GetAttr("seed2", &seed2));
    if (seed == 0 && seed2 == 0) {
      std::random_device rd;
      seed = (int64_t{rd()} << 32) | rd();
      seed2 = (int64_t{rd()} << 32) | rd();
    }
    gen_ = Philox4x32(seed, seed2);
  }

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& shape_t = ctx->input(0);
    OP_REQUIRES(ctx, shape_t.dims() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "shape must be a vector of dims, got shape ",
                    shape_t.shape().DebugString())));
    auto shape = TensorShape::FromDims(IndexValues(shape_t));
    OP_REQUIRES_OK(ctx, shape.status());
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *shape, &out));
    const int64_t n = out->NumElements();
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchRandom<T>(
                                             kDist, Reserve(n), out->data<T>(),
                                             n, (*g)->compute_stream)));
  }

 private:
  // This run's slice of the stream (as the CPU kernel reserves it).
  Philox4x32 Reserve(int64_t n) {
    const uint64_t chunks =
        static_cast<uint64_t>((n + kRandomChunk - 1) / kRandomChunk);
    std::lock_guard<std::mutex> lock(mu_);
    Philox4x32 slice = gen_;
    gen_.Skip(chunks * kRandomBlocksPerChunk);
    return slice;
  }

  std::mutex mu_;
  Philox4x32 gen_;
};

#define TS_REGISTER_RANDOM(T)                                                \
  REGISTER_KERNEL_BUILDER(Name("RandomUniform")                              \
                              .Device(kDeviceGpu)                            \
                              .TypeConstraint<T>("dtype")                    \
                              .HostMemory("shape"),                          \
                          GpuRandomOp<T, RandomDist::kUniform>);             \
  REGISTER_KERNEL_BUILDER(Name("RandomStandardNormal")                       \
                              .Device(kDeviceGpu)                            \
                              .TypeConstraint<T>("dtype")                    \
                              .HostMemory("shape"),                          \
                          GpuRandomOp<T, RandomDist::kNormal>);              \
  REGISTER_KERNEL_BUILDER(Name("TruncatedNormal")                            \
                              .Device(kDeviceGpu)                            \
                              .TypeConstraint<T>("dtype")                    \
                              .HostMemory("shape"),                          \
                          GpuRandomOp<T, RandomDist::kTruncatedNormal>)

TS_REGISTER_RANDOM(float);
TS_REGISTER_RANDOM(double);

}  // namespace
}  // namespace gpu
}  // namespace tessera
