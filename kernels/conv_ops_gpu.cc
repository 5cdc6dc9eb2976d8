// GPU Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (float, NHWC)
// on cuDNN. TensorFlow's HWIO filters are transposed to cuDNN's KRSC
// (OHWI) on the device. cuDNN pads both sides equally, so the part of
// TF's padding (SAME's odd totals, EXPLICIT) that differs between the two
// sides is applied by padding the input (or cropping the input gradient)
// explicitly. The algorithm for each shape is chosen once with cuDNN's
// heuristics (cudnnGet*_v7) and cached in the kernel.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <cudnn.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/array_ops_gpu.h"
#include "kernels/gpu_kernel_util.h"
#include "kernels/window_util.h"

namespace tessera {
namespace gpu {
namespace {

absl::Status CudnnStatus(const OpKernelContext& ctx, cudnnStatus_t s) {
  if (s == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      ctx.op_kernel().type_string(), " node '", ctx.op_kernel().name(),
      "': cuDNN failed: ", cudnnGetErrorString(s)));
}

// The convolution as cuDNN runs it.
struct ConvPlan {
  window::Geometry g;
  int64_t out_c = 0;
  PadDims pad;         // explicit input padding (all zero: none)
  int64_t pad_h = 0;   // cuDNN's symmetric padding
  int64_t pad_w = 0;
  bool explicit_pad() const {
    return pad.top || pad.bottom || pad.left || pad.right;
  }
  // Any empty dim: cuDNN is not called.
  bool empty() const {
    return g.batch == 0 || g.depth == 0 || out_c == 0 || g.out_h == 0 ||
           g.out_w == 0;
  }
  std::vector<int64_t> key() const {
    return {g.batch, g.in_h,     g.in_w,     g.depth,   g.k_h,
            g.k_w,   g.stride_h, g.stride_w, g.dil_h,   g.dil_w,
            pad_h,   pad_w,      pad.top,    pad.bottom, pad.left,
            pad.right, out_c};
  }
};

// Splits the padding of one dim into a symmetric part and the rest.
void SplitPadding(int64_t in, int64_t k, int64_t stride, int64_t dil,
                  int64_t out, int64_t before, int64_t* sym, int64_t* extra_before,
                  int64_t* extra_after) {
  const int64_t eff = (k - 1) * dil + 1;
  const int64_t after = std::max<int64_t>(0, (out - 1) * stride + eff - in -
                                                 before);
  *sym = std::min(before, after);
  *extra_before = before - *sym;
  *extra_after = after - *sym;
}

absl::Status MakePlan(const std::string& op, const window::Attrs& attrs,
                      const TensorShape& input, const TensorShape& filter,
                      ConvPlan* p) {
  RETURN_IF_ERROR(
      window::ConvGeometry(op, attrs, input, filter, &p->g, &p->out_c));
  const window::Geometry& g = p->g;
  // cuDNN's legacy descriptors take int dims and index with 32 bits.
  const int64_t kMax = std::numeric_limits<int32_t>::max();
  const int64_t padded = g.batch * (g.in_h + g.k_h * g.dil_h) *
                         (g.in_w + g.k_w * g.dil_w) * g.depth;
  if (padded > kMax || g.batch * g.out_h * g.out_w * p->out_c > kMax ||
      filter.num_elements() > kMax) {
    return absl::UnimplementedError(absl::StrCat(
        op, ": the cuDNN kernel needs fewer than 2^31 elements per tensor, "
        "got input ", input.DebugString(), " and filter ",
        filter.DebugString()));
  }
  SplitPadding(g.in_h, g.k_h, g.stride_h, g.dil_h, g.out_h, g.pad_top,
               &p->pad_h, &p->pad.top, &p->pad.bottom);
  SplitPadding(g.in_w, g.k_w, g.stride_w, g.dil_w, g.out_w, g.pad_left,
               &p->pad_w, &p->pad.left, &p->pad.right);
  p->pad.n = g.batch;
  p->pad.h = g.in_h;
  p->pad.w = g.in_w;
  p->pad.c = g.depth;
  return absl::OkStatus();
}

TensorShape OutputShape(const ConvPlan& p) {
  return TensorShape({p.g.batch, p.g.out_h, p.g.out_w, p.out_c});
}

// cuDNN descriptors of one convolution (float, NHWC, KRSC filter).
class Descriptors {
 public:
  ~Descriptors() {
    if (x_) cudnnDestroyTensorDescriptor(x_);
    if (y_) cudnnDestroyTensorDescriptor(y_);
    if (w_) cudnnDestroyFilterDescriptor(w_);
    if (conv_) cudnnDestroyConvolutionDescriptor(conv_);
  }
  cudnnStatus_t Init(const ConvPlan& p, bool allow_tf32) {
    const window::Geometry& g = p.g;
    cudnnStatus_t s = cudnnCreateTensorDescriptor(&x_);
    if (s == CUDNN_STATUS_SUCCESS) s = cudnnCreateTensorDescriptor(&y_);
    if (s == CUDNN_STATUS_SUCCESS) s = cudnnCreateFilterDescriptor(&w_);
    if (s == CUDNN_STATUS_SUCCESS) s = cudnnCreateConvolutionDescriptor(&conv_);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    const int in_h = static_cast<int>(g.in_h + p.pad.top + p.pad.bottom);
    const int in_w = static_cast<int>(g.in_w + p.pad.left + p.pad.right);
    s = cudnnSetTensor4dDescriptor(x_, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT,
                                   g.batch, g.depth, in_h, in_w);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    s = cudnnSetTensor4dDescriptor(y_, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT,
                                   g.batch, p.out_c, g.out_h, g.out_w);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    s = cudnnSetFilter4dDescriptor(w_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC,
                                   p.out_c, g.depth, g.k_h, g.k_w);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    s = cudnnSetConvolution2dDescriptor(
        conv_, p.pad_h, p.pad_w, g.stride_h, g.stride_w, g.dil_h, g.dil_w,
        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
    if (s != CUDNN_STATUS_SUCCESS) return s;
    return cudnnSetConvolutionMathType(
        conv_, allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH);
  }
  cudnnTensorDescriptor_t x_ = nullptr, y_ = nullptr;
  cudnnFilterDescriptor_t w_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;
};

// HWIO [h, w, i, o] <-> OHWI on the device, as 4-byte words.
cudaError_t FilterToOhwi(const float* hwio, float* ohwi, int64_t h, int64_t w,
                         int64_t i, int64_t o, cudaStream_t s) {
  TransposeDims d;
  d.rank = 4;
  const int64_t dims[4] = {o, h, w, i};
  const int64_t strides[4] = {1, w * i * o, i * o, o};
  for (int k = 0; k < 4; ++k) {
    d.out_dims[k] = dims[k];
    d.in_strides[k] = strides[k];
  }
  return LaunchTranspose<uint32_t>(reinterpret_cast<const uint32_t*>(hwio),
                                   reinterpret_cast<uint32_t*>(ohwi),
                                   h * w * i * o, d, s);
}
cudaError_t FilterToHwio(const float* ohwi, float* hwio, int64_t h, int64_t w,
                         int64_t i, int64_t o, cudaStream_t s) {
  TransposeDims d;
  d.rank = 4;
  const int64_t dims[4] = {h, w, i, o};
  const int64_t strides[4] = {w * i, i, 1, h * w * i};
  for (int k = 0; k < 4; ++k) {
    d.out_dims[k] = dims[k];
    d.in_strides[k] = strides[k];
  }
  return LaunchTranspose<uint32_t>(reinterpret_cast<const uint32_t*>(ohwi),
                                   reinterpret_cast<uint32_t*>(hwio),
                                   h * w * i * o, d, s);
}

enum class Pass { kForward, kBackpropInput, kBackpropFilter };

// Common part of the three kernels: attrs, the per-shape algorithm cache,
// and scratch allocation.
class GpuConvBase : public OpKernel {
 public:
  GpuConvBase(OpKernelConstruction* c, Pass pass) : OpKernel(c), pass_(pass) {
    OP_REQUIRES_OK(c, attrs_.Read(*c, /*pool=*/false));
    set_expensive(true);
  }

 protected:
  struct Algo {
    int algo = 0;
    size_t workspace = 0;
  };

  // The algorithm for `p` (chosen on the first call for this shape).
  absl::StatusOr<Algo> GetAlgo(OpKernelContext* ctx, GpuContext* g,
                               const ConvPlan& p, const Descriptors& d) {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(p.key());
    if (it != cache_.end()) return it->second;
    Algo a;
    int found = 0;
    cudnnStatus_t s = CUDNN_STATUS_SUCCESS;
    if (pass_ == Pass::kForward) {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      s = cudnnGetConvolutionForwardAlgorithm_v7(
          g->cudnn, d.x_, d.w_, d.conv_, d.y_,
          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf);
      if (s == CUDNN_STATUS_SUCCESS) s = Pick(perf, found, &a);
    } else if (pass_ == Pass::kBackpropInput) {
      cudnnConvolutionBwdDataAlgoPerf_t
          perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      s = cudnnGetConvolutionBackwardDataAlgorithm_v7(
          g->cudnn, d.w_, d.y_, d.conv_, d.x_,
          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf);
      if (s == CUDNN_STATUS_SUCCESS) s = Pick(perf, found, &a);
    } else {
      cudnnConvolutionBwdFilterAlgoPerf_t
          perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      s = cudnnGetConvolutionBackwardFilterAlgorithm_v7(
          g->cudnn, d.x_, d.y_, d.conv_, d.w_,
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &found, perf);
      if (s == CUDNN_STATUS_SUCCESS) s = Pick(perf, found, &a);
    }
    RETURN_IF_ERROR(CudnnStatus(*ctx, s));
    cache_[p.key()] = a;
    return a;
  }

  // A device buffer of `bytes` bytes (nullptr for 0).
  absl::StatusOr<void*> Scratch(OpKernelContext* ctx, size_t bytes,
                                Tensor* holder) {
    if (bytes == 0) return nullptr;
    RETURN_IF_ERROR(ctx->allocate_temp(
        DT_UINT8, TensorShape({static_cast<int64_t>(bytes)}), holder));
    return holder->raw_data();
  }

  window::Attrs attrs_;

 private:
  // The first algorithm the heuristics list as usable.
  template <typename Perf>
  static cudnnStatus_t Pick(const Perf* perf, int found, Algo* a) {
    for (int i = 0; i < found; ++i) {
      if (perf[i].status == CUDNN_STATUS_SUCCESS) {
        a->algo = static_cast<int>(perf[i].algo);
        a->workspace = perf[i].memory;
        return CUDNN_STATUS_SUCCESS;
      }
    }
    return CUDNN_STATUS_NOT_SUPPORTED;
  }

  const Pass pass_;
  absl::Mutex mu_;
  std::map<std::vector<int64_t>, Algo> cache_ ABSL_GUARDED_BY(mu_);
};

// Zeroes `t` on the stream (outputs of convolutions with an empty dim).
absl::Status Zero(OpKernelContext* ctx, Tensor* t, cudaStream_t s) {
  if (t->TotalBytes() == 0) return absl::OkStatus();
  return CudaStatus(*ctx, cudaMemsetAsync(t->raw_data(), 0, t->TotalBytes(), s));
}

// The filter as cuDNN wants it (OHWI), in a temp.
absl::StatusOr<const float*> OhwiFilter(OpKernelContext* ctx,
                                        const Tensor& hwio, Tensor* holder,
                                        cudaStream_t s) {
  RETURN_IF_ERROR(ctx->allocate_temp(DT_FLOAT, hwio.shape(), holder));
  RETURN_IF_ERROR(CudaStatus(
      *ctx, FilterToOhwi(hwio.data<float>(), holder->data<float>(),
                         hwio.dim_size(0), hwio.dim_size(1), hwio.dim_size(2),
                         hwio.dim_size(3), s)));
  return holder->data<float>();
}

// The input, padded explicitly where the plan needs it.
absl::StatusOr<const float*> PaddedInput(OpKernelContext* ctx,
                                         const ConvPlan& p, const Tensor& x,
                                         Tensor* holder, cudaStream_t s) {
  if (!p.explicit_pad()) return x.data<float>();
  const PadDims& d = p.pad;
  RETURN_IF_ERROR(ctx->allocate_temp(
      DT_FLOAT,
      TensorShape({d.n, d.h + d.top + d.bottom, d.w + d.left + d.right, d.c}),
      holder));
  RETURN_IF_ERROR(CudaStatus(
      *ctx, LaunchPadImage<float>(x.data<float>(), holder->data<float>(), d,
                                  s)));
  return holder->data<float>();
}

class GpuConv2DOp : public GpuConvBase {
 public:
  explicit GpuConv2DOp(OpKernelConstruction* c)
      : GpuConvBase(c, Pass::kForward) {}
  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    cudaStream_t s = (*g)->compute_stream;
    const Tensor& input = ctx->input(0);
    const Tensor& filter = ctx->input(1);
    ConvPlan p;
    OP_REQUIRES_OK(ctx, MakePlan(type_string(), attrs_, input.shape(),
                                 filter.shape(), &p));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, OutputShape(p), &out));
    if (p.empty()) {
      OP_REQUIRES_OK(ctx, Zero(ctx, out, s));
      return;
    }
    Descriptors d;
    OP_REQUIRES_OK(ctx, CudnnStatus(*ctx, d.Init(p, (*g)->allow_tf32)));
    auto algo = GetAlgo(ctx, *g, p, d);
    OP_REQUIRES_OK(ctx, algo.status());
    Tensor w_t, x_t, ws_t;
    auto w = OhwiFilter(ctx, filter, &w_t, s);
    OP_REQUIRES_OK(ctx, w.status());
    auto x = PaddedInput(ctx, p, input, &x_t, s);
    OP_REQUIRES_OK(ctx, x.status());
    auto ws = Scratch(ctx, algo->workspace, &ws_t);
    OP_REQUIRES_OK(ctx, ws.status());
    const float one = 1, zero = 0;
    OP_REQUIRES_OK(ctx, CudnnStatus(*ctx, cudnnConvolutionForward(
        (*g)->cudnn, &one, d.x_, *x, d.w_, *w, d.conv_,
        static_cast<cudnnConvolutionFwdAlgo_t>(algo->algo), *ws,
        algo->workspace, &zero, d.y_, out->data<float>())));
  }
};

class GpuConv2DBackpropInputOp : public GpuConvBase {
 public:
  explicit GpuConv2DBackpropInputOp(OpKernelConstruction* c)
      : GpuConvBase(c, Pass::kBackpropInput) {}
  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    cudaStream_t s = (*g)->compute_stream;
    const Tensor& filter = ctx->input(1);
    const Tensor& dy = ctx->input(2);
    TensorShape input;
    OP_REQUIRES_OK(ctx, window::ShapeFromTensor(type_string(), "input_sizes",
                                                ctx->input(0), &input));
    ConvPlan p;
    OP_REQUIRES_OK(ctx,
                   MakePlan(type_string(), attrs_, input, filter.shape(), &p));
    OP_REQUIRES(ctx, dy.shape() == OutputShape(p),
                absl::InvalidArgumentError(absl::StrCat(
                    type_string(), ": out_backprop has shape ",
                    dy.shape().DebugString(), " but the convolution's output "
                    "has shape ", OutputShape(p).DebugString())));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, input, &dx));
    if (p.empty()) {
      OP_REQUIRES_OK(ctx, Zero(ctx, dx, s));
      return;
    }
    Descriptors d;
    OP_REQUIRES_OK(ctx, CudnnStatus(*ctx, d.Init(p, (*g)->allow_tf32)));
    auto algo = GetAlgo(ctx, *g, p, d);
    OP_REQUIRES_OK(ctx, algo.status());
    Tensor w_t, dxp_t, ws_t;
    auto w = OhwiFilter(ctx, filter, &w_t, s);
    OP_REQUIRES_OK(ctx, w.status());
    float* target = dx->data<float>();
    if (p.explicit_pad()) {  // the gradient of the padded input, cropped
      const PadDims& pd = p.pad;
      OP_REQUIRES_OK(ctx, ctx->allocate_temp(
                              DT_FLOAT,
                              TensorShape({pd.n, pd.h + pd.top + pd.bottom,
                                           pd.w + pd.left + pd.right, pd.c}),
                              &dxp_t));
      target = dxp_t.data<float>();
    }
    auto ws = Scratch(ctx, algo->workspace, &ws_t);
    OP_REQUIRES_OK(ctx, ws.status());
    const float one = 1, zero = 0;
    OP_REQUIRES_OK(ctx, CudnnStatus(*ctx, cudnnConvolutionBackwardData(
        (*g)->cudnn, &one, d.w_, *w, d.y_, dy.data<float>(), d.conv_,
        static_cast<cudnnConvolutionBwdDataAlgo_t>(algo->algo), *ws,
        algo->workspace, &zero, d.x_, target)));
    if (p.explicit_pad()) {
      OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchCropImage<float>(
                                               target, dx->data<float>(),
                                               p.pad, s)));
    }
  }
};

class GpuConv2DBackpropFilterOp : public GpuConvBase {
 public:
  explicit GpuConv2DBackpropFilterOp(OpKernelConstruction* c)
      : GpuConvBase(c, Pass::kBackpropFilter) {}
  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    cudaStream_t s = (*g)->compute_stream;
    const Tensor& input = ctx->input(0);
    const Tensor& dy = ctx->input(2);
    TensorShape filter;
    OP_REQUIRES_OK(ctx, window::ShapeFromTensor(type_string(), "filter_sizes",
                                                ctx->input(1), &filter));
    ConvPlan p;
    OP_REQUIRES_OK(ctx,
                   MakePlan(type_string(), attrs_, input.shape(), filter, &p));
    OP_REQUIRES(ctx, dy.shape() == OutputShape(p),
                absl::InvalidArgumentError(absl::StrCat(
                    type_string(), ": out_backprop has shape ",
                    dy.shape().DebugString(), " but the convolution's output "
                    "has shape ", OutputShape(p).DebugString())));
    Tensor* dw = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, filter, &dw));
    if (p.empty()) {
      OP_REQUIRES_OK(ctx, Zero(ctx, dw, s));
      return;
    }
    Descriptors d;
    OP_REQUIRES_OK(ctx, CudnnStatus(*ctx, d.Init(p, (*g)->allow_tf32)));
    auto algo = GetAlgo(ctx, *g, p, d);
    OP_REQUIRES_OK(ctx, algo.status());
    Tensor x_t, dw_t, ws_t;
    auto x = PaddedInput(ctx, p, input, &x_t, s);
    OP_REQUIRES_OK(ctx, x.status());
    OP_REQUIRES_OK(ctx, ctx->allocate_temp(DT_FLOAT, filter, &dw_t));
    auto ws = Scratch(ctx, algo->workspace, &ws_t);
    OP_REQUIRES_OK(ctx, ws.status());
    const float one = 1, zero = 0;
    OP_REQUIRES_OK(ctx, CudnnStatus(*ctx, cudnnConvolutionBackwardFilter(
        (*g)->cudnn, &one, d.x_, *x, d.y_, dy.data<float>(), d.conv_,
        static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo->algo), *ws,
        algo->workspace, &zero, d.w_, dw_t.data<float>())));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, FilterToHwio(
                                             dw_t.data<float>(),
                                             dw->data<float>(), filter.dim_size(0),
                                             filter.dim_size(1),
                                             filter.dim_size(2),
                                             filter.dim_size(3), s)));
  }
};

REGISTER_KERNEL_BUILDER(
    Name("Conv2D").Device(kDeviceGpu).TypeConstraint<float>("T"),
    GpuConv2DOp);
REGISTER_KERNEL_BUILDER(Name("Conv2DBackpropInput")
                            .Device(kDeviceGpu)
                            .TypeConstraint<float>("T")
                            .HostMemory("input_sizes"),
                        GpuConv2DBackpropInputOp);
REGISTER_KERNEL_BUILDER(Name("Conv2DBackpropFilter")
                            .Device(kDeviceGpu)
                            .TypeConstraint<float>("T")
                            .HostMemory("filter_sizes"),
                        GpuConv2DBackpropFilterOp);

}  // namespace
}  // namespace gpu
}  // namespace tessera
