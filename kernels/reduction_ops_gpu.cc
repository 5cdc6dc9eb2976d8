// GPU OpKernels for Sum, Mean, Prod, Max, Min (any axes; the axes are a
// HostMemory input), ArgMax/ArgMin (HostMemory dimension), BiasAddGrad,
// Softmax, LogSoftmax and the two softmax cross-entropy ops. Shapes and
// axes are checked on the host with the CPU kernels' messages; device code
// is in reduction_ops_gpu.cu.cc.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/gpu_kernel_util.h"
#include "kernels/kernel_util.h"
#include "kernels/reduction_ops_gpu.h"

namespace tessera {
namespace gpu {
namespace {

// The layout of `shape` with dims flagged in `reduced` folded away; size-1
// dims are dropped and neighbours of the same kind merged.
absl::Status MakeLayout(const OpKernel& k, const TensorShape& shape,
                        const std::vector<bool>& reduced, ReduceLayout* l) {
  struct Run {
    int64_t size;
    bool reduced;
  };
  std::vector<Run> runs;
  for (int i = 0; i < shape.dims(); ++i) {
    if (shape.dim_size(i) == 1) continue;
    if (!runs.empty() && runs.back().reduced == reduced[i]) {
      runs.back().size *= shape.dim_size(i);
    } else {
      runs.push_back({shape.dim_size(i), reduced[i]});
    }
  }
  *l = ReduceLayout();
  for (int j = static_cast<int>(runs.size()) - 1; j >= 0; --j) {
    int& rank = runs[j].reduced ? l->red_rank : l->kept_rank;
    if (rank == kMaxReduceDims) {
      return absl::UnimplementedError(absl::StrCat(
          k.type_string(), " node '", k.name(), "': the GPU kernel handles at "
          "most ", kMaxReduceDims, " alternating reduced/kept dim groups"));
    }
    ++rank;
  }
  // Fill innermost-last, now that the ranks are known.
  int ki = l->kept_rank, ri = l->red_rank;
  int64_t stride = 1;
  for (int j = static_cast<int>(runs.size()) - 1; j >= 0; --j) {
    if (runs[j].reduced) {
      --ri;
      l->red_dims[ri] = runs[j].size;
      l->red_strides[ri] = stride;
      l->num_red *= runs[j].size;
    } else {
      --ki;
      l->kept_dims[ki] = runs[j].size;
      l->kept_strides[ki] = stride;
      l->num_out *= runs[j].size;
    }
    stride *= runs[j].size;
  }
  return absl::OkStatus();
}

template <typename T, Reducer R>
class GpuReductionOp : public OpKernel {
 public:
  explicit GpuReductionOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("keep_dims", &keep_dims_));
  }

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& input = ctx->input(0);
    const Tensor& axes = ctx->input(1);
    OP_REQUIRES(ctx, axes.dims() <= 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "reduction_indices must be a scalar or vector, got shape ",
                    axes.shape().DebugString())));
    const int rank = input.dims();
    std::vector<bool> reduced(rank, false);
    for (int64_t axis : IndexValues(axes)) {
      OP_REQUIRES(ctx, axis >= -rank && axis < rank,
                  absl::InvalidArgumentError(absl::StrCat(
                      "Invalid reduction dimension (", axis, " for input with ",
                      rank, " dimension(s)); input shape ",
                      input.shape().DebugString())));
      reduced[axis < 0 ? axis + rank : axis] = true;
    }
    TensorShape out_shape;
    for (int i = 0; i < rank; ++i) {
      if (!reduced[i]) {
        out_shape.AddDim(input.dim_size(i));
      } else if (keep_dims_) {
        out_shape.AddDim(1);
      }
    }
    ReduceLayout layout;
    OP_REQUIRES_OK(ctx, MakeLayout(*this, input.shape(), reduced, &layout));
    if (layout.num_red == 1 && input.NumElements() > 0) {
      // Only size-1 dims are reduced: the values are the result.
      auto same = input.Reshaped(out_shape);
      OP_REQUIRES_OK(ctx, same.status());
      ctx->set_output(0, *std::move(same));
      return;
    }
    if (input.NumElements() == 0) layout.num_red = 0;
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    layout.num_out = out->NumElements();
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchReduce<T>(
                                             R, input.data<T>(),
                                             out->data<T>(), layout,
                                             (*g)->compute_stream)));
  }

 private:
  bool keep_dims_ = false;
};

template <typename T, bool kMax>
class GpuArgOp : public OpKernel {
 public:
  explicit GpuArgOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& input = ctx->input(0);
    const Tensor& dimension = ctx->input(1);
    auto layout = MakeArgReduceLayout(input, dimension);
    OP_REQUIRES_OK(ctx, layout.status());
    const int64_t outer = layout->outer, n = layout->n, inner = layout->inner;
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, layout->out_shape, &out));
    cudaStream_t s = (*g)->compute_stream;
    const cudaError_t e =
        output_type(0) == DT_INT32
            ? LaunchArgReduce<T, int32_t>(kMax, input.data<T>(),
                                          out->data<int32_t>(), outer, n,
                                          inner, s)
            : LaunchArgReduce<T, int64_t>(kMax, input.data<T>(),
                                          out->data<int64_t>(), outer, n,
                                          inner, s);
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, e));
  }
};

// BiasAddGrad: the sum over every dim but the channel dim.
template <typename T>
class GpuBiasAddGradOp : public OpKernel {
 public:
  explicit GpuBiasAddGradOp(OpKernelConstruction* c) : OpKernel(c) {
    std::string format = "NHWC";
    OP_REQUIRES_OK(c, c->GetAttr("data_format", &format));
    nchw_ = format == "NCHW";
  }

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& grad = ctx->input(0);
    const int min_rank = nchw_ ? 3 : 2;
    OP_REQUIRES(ctx, grad.dims() >= min_rank,
                absl::InvalidArgumentError(absl::StrCat(
                    "BiasAddGrad: input tensor must be at least ", min_rank,
                    "-D for data_format ", nchw_ ? "NCHW" : "NHWC",
                    ", but got shape ", grad.shape().DebugString())));
    const int channel_dim = nchw_ ? 1 : grad.dims() - 1;
    std::vector<bool> reduced(grad.dims(), true);
    reduced[channel_dim] = false;
    ReduceLayout layout;
    OP_REQUIRES_OK(ctx, MakeLayout(*this, grad.shape(), reduced, &layout));
    if (grad.NumElements() == 0) layout.num_red = 0;
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(
                            0, TensorShape({grad.dim_size(channel_dim)}), &out));
    layout.num_out = out->NumElements();
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchReduce<T>(
                                             Reducer::kSum, grad.data<T>(),
                                             out->data<T>(), layout,
                                             (*g)->compute_stream)));
  }

 private:
  bool nchw_ = false;
};

template <typename T>
class GpuSoftmaxOp : public OpKernel {
 public:
  explicit GpuSoftmaxOp(OpKernelConstruction* c)
      : OpKernel(c), log_(c->def().op() == "LogSoftmax") {}

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& logits = ctx->input(0);
    OP_REQUIRES(ctx, logits.dims() >= 1,
                absl::InvalidArgumentError(absl::StrCat(
                    type_string(), ": logits must have >= 1 dimension, got ",
                    logits.shape().DebugString())));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(
                            0, 0, logits.shape(), &out));
    const int64_t c = logits.dim_size(logits.dims() - 1);
    const int64_t rows = c == 0 ? 0 : logits.NumElements() / c;
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchSoftmax<T>(
                                             log_, logits.data<T>(),
                                             out->data<T>(), rows, c,
                                             (*g)->compute_stream)));
  }

 private:
  const bool log_;
};

// Dense labels of the logits' own [batch, classes] shape (the CPU kernel
// also broadcasts; on the GPU that is Unimplemented).
template <typename T>
class GpuSoftmaxXentOp : public OpKernel {
 public:
  explicit GpuSoftmaxXentOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& logits = ctx->input(0);
    const Tensor& labels = ctx->input(1);
    OP_REQUIRES(ctx, logits.dims() == 2 && labels.shape() == logits.shape(),
                absl::UnimplementedError(absl::StrCat(
                    "SoftmaxCrossEntropyWithLogits on GPU needs 2-D logits and "
                    "labels of the same shape, got logits_size=",
                    logits.shape().DebugString(), " labels_size=",
                    labels.shape().DebugString())));
    const int64_t rows = logits.dim_size(0), c = logits.dim_size(1);
    Tensor *loss = nullptr, *backprop = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({rows}), &loss));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, logits.shape(), &backprop));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchSoftmaxXent<T>(
                                             logits.data<T>(), labels.data<T>(),
                                             loss->data<T>(),
                                             backprop->data<T>(), rows, c,
                                             (*g)->compute_stream)));
  }
};

// Labels stay on the device, so an out-of-range label cannot be reported
// without a sync: its row gets NaN loss and gradient, as in TensorFlow.
template <typename T, typename Idx>
class GpuSparseSoftmaxXentOp : public OpKernel {
 public:
  explicit GpuSparseSoftmaxXentOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& logits = ctx->input(0);
    const Tensor& labels = ctx->input(1);
    OP_REQUIRES(ctx, logits.dims() == 2,
                absl::InvalidArgumentError(absl::StrCat(
                    "logits must be 2-D, but got shape ",
                    logits.shape().DebugString())));
    OP_REQUIRES(ctx, labels.dims() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "labels must be 1-D, but got shape ",
                    labels.shape().DebugString())));
    OP_REQUIRES(ctx, logits.dim_size(0) == labels.dim_size(0),
                absl::InvalidArgumentError(absl::StrCat(
                    "logits and labels must have the same first dimension, "
                    "got logits shape ", logits.shape().DebugString(),
                    " and labels shape ", labels.shape().DebugString())));
    const int64_t rows = logits.dim_size(0), c = logits.dim_size(1);
    OP_REQUIRES(ctx, c > 0 || rows == 0,
                absl::InvalidArgumentError(absl::StrCat(
                    "Must have at least one class, but got logits shape ",
                    logits.shape().DebugString())));
    Tensor *loss = nullptr, *backprop = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({rows}), &loss));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, logits.shape(), &backprop));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchSparseSoftmaxXent<T, Idx>(
                                             logits.data<T>(),
                                             labels.data<Idx>(),
                                             loss->data<T>(),
                                             backprop->data<T>(), rows, c,
                                             (*g)->compute_stream)));
  }
};

#define REGISTER_REDUCTION(OP, T, R)                           \
  REGISTER_KERNEL_BUILDER(Name(OP)                             \
                              .Device(kDeviceGpu)              \
                              .TypeConstraint<T>("T")          \
                              .HostMemory("reduction_indices"), \
                          GpuReductionOp<T, Reducer::R>)
#define REGISTER_ARG(OP, T, MAX)                               \
  REGISTER_KERNEL_BUILDER(Name(OP)                             \
                              .Device(kDeviceGpu)              \
                              .TypeConstraint<T>("T")          \
                              .HostMemory("dimension"),        \
                          GpuArgOp<T, MAX>)
#define REGISTER_REDUCTIONS(T)          \
  REGISTER_REDUCTION("Sum", T, kSum);   \
  REGISTER_REDUCTION("Mean", T, kMean); \
  REGISTER_REDUCTION("Prod", T, kProd); \
  REGISTER_REDUCTION("Max", T, kMax);   \
  REGISTER_REDUCTION("Min", T, kMin);   \
  REGISTER_ARG("ArgMax", T, true);      \
  REGISTER_ARG("ArgMin", T, false)

REGISTER_REDUCTIONS(float);
REGISTER_REDUCTIONS(double);
REGISTER_REDUCTIONS(int64_t);

#define REGISTER_NN(T)                                                        \
  REGISTER_KERNEL_BUILDER(                                                    \
      Name("BiasAddGrad").Device(kDeviceGpu).TypeConstraint<T>("T"),         \
      GpuBiasAddGradOp<T>);                                                   \
  REGISTER_KERNEL_BUILDER(                                                    \
      Name("Softmax").Device(kDeviceGpu).TypeConstraint<T>("T"),             \
      GpuSoftmaxOp<T>);                                                       \
  REGISTER_KERNEL_BUILDER(                                                    \
      Name("LogSoftmax").Device(kDeviceGpu).TypeConstraint<T>("T"),          \
      GpuSoftmaxOp<T>);                                                       \
  REGISTER_KERNEL_BUILDER(Name("SoftmaxCrossEntropyWithLogits")               \
                              .Device(kDeviceGpu)                             \
                              .TypeConstraint<T>("T"),                        \
                          GpuSoftmaxXentOp<T>);                               \
  REGISTER_KERNEL_BUILDER(Name("SparseSoftmaxCrossEntropyWithLogits")         \
                              .Device(kDeviceGpu)                             \
                              .TypeConstraint<T>("T")                         \
                              .TypeConstraint<int32_t>("Tlabels"),            \
                          GpuSparseSoftmaxXentOp<T, int32_t>);                \
  REGISTER_KERNEL_BUILDER(Name("SparseSoftmaxCrossEntropyWithLogits")         \
                              .Device(kDeviceGpu)                             \
                              .TypeConstraint<T>("T")                         \
                              .TypeConstraint<int64_t>("Tlabels"),            \
                          GpuSparseSoftmaxXentOp<T, int64_t>)

REGISTER_NN(float);
REGISTER_NN(double);

}  // namespace
}  // namespace gpu
}  // namespace tessera
