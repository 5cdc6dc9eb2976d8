// GPU MaxPool, AvgPool, MaxPoolGrad and AvgPoolGrad (NHWC; float, double).
// Own CUDA kernels rather than cuDNN's pooling: TensorFlow's SAME padding
// is asymmetric for odd totals, which cuDNN cannot express, and windows
// must skip padding exactly as the CPU kernels (kernels/pooling_ops.cc) do.
// Geometry and errors come from the CPU kernels' window::Attrs.
#include <string>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/gpu_kernel_util.h"
#include "kernels/pooling_ops_gpu.h"
#include "kernels/window_util.h"

namespace tessera {
namespace gpu {
namespace {

PoolGeometry ToPoolGeometry(const window::Geometry& g) {
  PoolGeometry p;
  p.batch = g.batch;
  p.in_h = g.in_h;
  p.in_w = g.in_w;
  p.depth = g.depth;
  p.k_h = g.k_h;
  p.k_w = g.k_w;
  p.stride_h = g.stride_h;
  p.stride_w = g.stride_w;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.out_h = g.out_h;
  p.out_w = g.out_w;
  return p;
}

using window::PooledShape;

template <typename T, bool kMax>
class GpuPoolOp : public window::PoolKernel {
 public:
  using PoolKernel::PoolKernel;
  void Compute(OpKernelContext* ctx) override {
    auto gc = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, gc.status());
    const Tensor& input = ctx->input(0);
    window::Geometry g;
    OP_REQUIRES_OK(ctx, MakeGeometry(input.shape(), &g));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, PooledShape(g), &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchPool<T>(
                                             kMax, input.data<T>(),
                                             out->data<T>(), ToPoolGeometry(g),
                                             (*gc)->compute_stream)));
  }
};

template <typename T>
class GpuMaxPoolGradOp : public window::PoolKernel {
 public:
  using PoolKernel::PoolKernel;
  void Compute(OpKernelContext* ctx) override {
    auto gc = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, gc.status());
    const Tensor& input = ctx->input(0);
    const Tensor& grad = ctx->input(2);
    window::Geometry g;
    OP_REQUIRES_OK(ctx, MakeGeometry(input.shape(), &g));
    OP_REQUIRES_OK(ctx, CheckPooled(g, "orig_output", ctx->input(1)));
    OP_REQUIRES_OK(ctx, CheckPooled(g, "grad", grad));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, input.shape(), &dx));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchPoolGrad<T>(
                                             true, input.data<T>(),
                                             grad.data<T>(), dx->data<T>(),
                                             ToPoolGeometry(g),
                                             (*gc)->compute_stream)));
  }
};

template <typename T>
class GpuAvgPoolGradOp : public window::PoolKernel {
 public:
  using PoolKernel::PoolKernel;
  void Compute(OpKernelContext* ctx) override {
    auto gc = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, gc.status());
    const Tensor& grad = ctx->input(1);
    TensorShape input;
    OP_REQUIRES_OK(ctx, window::ShapeFromTensor(type_string(),
                                                "orig_input_shape",
                                                ctx->input(0), &input));
    window::Geometry g;
    OP_REQUIRES_OK(ctx, MakeGeometry(input, &g));
    OP_REQUIRES_OK(ctx, CheckPooled(g, "grad", grad));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, input, &dx));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchPoolGrad<T>(
                                             false, nullptr, grad.data<T>(),
                                             dx->data<T>(), ToPoolGeometry(g),
                                             (*gc)->compute_stream)));
  }
};

#define TS_REGISTER_POOL(T)                                                  \
  REGISTER_KERNEL_BUILDER(                                                   \
      Name("MaxPool").Device(kDeviceGpu).TypeConstraint<T>("T"),             \
      GpuPoolOp<T, true>);                                                   \
  REGISTER_KERNEL_BUILDER(                                                   \
      Name("AvgPool").Device(kDeviceGpu).TypeConstraint<T>("T"),             \
      GpuPoolOp<T, false>);                                                  \
  REGISTER_KERNEL_BUILDER(                                                   \
      Name("MaxPoolGrad").Device(kDeviceGpu).TypeConstraint<T>("T"),         \
      GpuMaxPoolGradOp<T>);                                                  \
  REGISTER_KERNEL_BUILDER(Name("AvgPoolGrad")                                \
                              .Device(kDeviceGpu)                            \
                              .TypeConstraint<T>("T")                        \
                              .HostMemory("orig_input_shape"),               \
                          GpuAvgPoolGradOp<T>)

TS_REGISTER_POOL(float);
TS_REGISTER_POOL(double);

}  // namespace
}  // namespace gpu
}  // namespace tessera
