// GPU OpKernels for the element-wise ops: unary math, activations and their
// gradients, broadcasting arithmetic and comparisons, Select/SelectV2,
// Cast, AddN and BiasAdd. Shapes are checked here on the host (same errors
// as the CPU kernels); the device code is in cwise_ops_gpu.cu.cc. Types:
// float and double everywhere, int64 where the op is integral-friendly;
// int32 kernels stay on the host as in TensorFlow.
#include <string>
#include <type_traits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/cwise_ops.h"
#include "kernels/cwise_ops_gpu.h"
#include "kernels/gpu_kernel_util.h"

namespace tessera {
namespace gpu {
namespace {

// A collapsed broadcast plan in the fixed-size form the device code takes.
absl::Status ToBroadcastDims(const OpKernel& k, const cwise::BroadcastPlan& p,
                             BroadcastDims* b) {
  const int rank = static_cast<int>(p.dims.size());
  if (rank > kMaxBroadcastDims) {
    return absl::UnimplementedError(absl::StrCat(
        k.type_string(), " node '", k.name(), "': the GPU kernel broadcasts "
        "over at most ", kMaxBroadcastDims, " collapsed dims, got ", rank));
  }
  b->rank = rank;
  for (int j = 0; j < rank; ++j) {
    b->dims[j] = p.dims[j];
    for (int k2 = 0; k2 < p.num_operands; ++k2) {
      b->strides[k2][j] = p.strides[k2][j];
    }
  }
  return absl::OkStatus();
}

template <typename T, UnaryFn F>
class GpuUnaryOp : public OpKernel {
 public:
  explicit GpuUnaryOp(OpKernelConstruction* c) : OpKernel(c) {
    if constexpr (F == UnaryFn::kLeakyRelu) {
      OP_REQUIRES_OK(c, c->GetAttr("alpha", &alpha_));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& x = ctx->input(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx,
                   ctx->forward_input_or_allocate_output(0, 0, x.shape(), &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchUnary<T>(
                                             F, x.data<T>(), out->data<T>(),
                                             x.NumElements(), alpha_,
                                             (*g)->compute_stream)));
  }

 private:
  float alpha_ = 0.2f;
};

template <typename T, ActivationGradFn F>
class GpuActivationGradOp : public OpKernel {
 public:
  explicit GpuActivationGradOp(OpKernelConstruction* c) : OpKernel(c) {
    if constexpr (F == ActivationGradFn::kLeakyRelu) {
      OP_REQUIRES_OK(c, c->GetAttr("alpha", &alpha_));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& grad = ctx->input(0);
    const Tensor& v = ctx->input(1);
    OP_REQUIRES(ctx, grad.shape() == v.shape(),
                absl::InvalidArgumentError(absl::StrCat(
                    type_string(), ": gradients and ",
                    op_kernel_arg_name(), " must have the same shape, but got ",
                    grad.shape().DebugString(), " and ",
                    v.shape().DebugString())));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(
                            0, 0, grad.shape(), &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchActivationGrad<T>(
                                             F, grad.data<T>(), v.data<T>(),
                                             out->data<T>(), grad.NumElements(),
                                             alpha_, (*g)->compute_stream)));
  }

 private:
  static const char* op_kernel_arg_name() {
    return F == ActivationGradFn::kElu || F == ActivationGradFn::kSelu
               ? "outputs"
               : "features";
  }
  float alpha_ = 0.2f;
};

// Broadcast plan of the inputs 0..k-1, with the CPU kernels' errors.
absl::Status PlanInputs(OpKernelContext* ctx, int k,
                        cwise::BroadcastPlan* plan, BroadcastDims* dims) {
  const TensorShape* shapes[3] = {};
  for (int i = 0; i < k; ++i) shapes[i] = &ctx->input(i).shape();
  RETURN_IF_ERROR(cwise::MakeBroadcastPlan(
      absl::Span<const TensorShape* const>(shapes, k), plan));
  return ToBroadcastDims(ctx->op_kernel(), *plan, dims);
}

template <typename T, BinaryFn F>
class GpuBinaryOp : public OpKernel {
 public:
  explicit GpuBinaryOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    cwise::BroadcastPlan plan;
    BroadcastDims dims;
    OP_REQUIRES_OK(ctx, PlanInputs(ctx, 2, &plan, &dims));
    const Tensor& x = ctx->input(0);
    const Tensor& y = ctx->input(1);
    Tensor* out = nullptr;
    if (x.shape() == plan.out_shape) {
      OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(
                              0, 0, plan.out_shape, &out));
    } else if (y.shape() == plan.out_shape) {
      OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(
                              1, 0, plan.out_shape, &out));
    } else {
      OP_REQUIRES_OK(ctx, ctx->allocate_output(0, plan.out_shape, &out));
    }
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchBinary<T>(
                                             F, x.data<T>(), y.data<T>(),
                                             out->data<T>(), out->NumElements(),
                                             dims, (*g)->compute_stream)));
  }
};

template <typename T, CompareFn F>
class GpuCompareOp : public OpKernel {
 public:
  explicit GpuCompareOp(OpKernelConstruction* c) : OpKernel(c) {
    if (c->def().attr().contains("incompatible_shape_error")) {
      OP_REQUIRES_OK(c, c->GetAttr("incompatible_shape_error",
                                   &incompatible_shape_error_));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    cwise::BroadcastPlan plan;
    BroadcastDims dims;
    absl::Status s = PlanInputs(ctx, 2, &plan, &dims);
    Tensor* out = nullptr;
    if (!s.ok() && !incompatible_shape_error_ &&
        absl::IsInvalidArgument(s)) {
      // TF: shapes that do not broadcast are simply "not equal".
      OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape(), &out));
      const int value = F == CompareFn::kNotEqual ? 1 : 0;
      OP_REQUIRES_OK(ctx, CudaStatus(*ctx, cudaMemsetAsync(
                                               out->raw_data(), value, 1,
                                               (*g)->compute_stream)));
      return;
    }
    OP_REQUIRES_OK(ctx, s);
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, plan.out_shape, &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchCompare<T>(
                                             F, ctx->input(0).data<T>(),
                                             ctx->input(1).data<T>(),
                                             out->data<bool>(),
                                             out->NumElements(), dims,
                                             (*g)->compute_stream)));
  }

 private:
  bool incompatible_shape_error_ = true;
};

// Select (TF1 rules: scalar, same-shape or row-vector condition) and
// SelectV2 (three-way broadcasting). Both become one broadcast launch: a
// row-vector condition is read as shape [rows, 1, ..., 1].
template <bool kV2>
class GpuSelectOp : public OpKernel {
 public:
  explicit GpuSelectOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& c = ctx->input(0);
    const Tensor& t = ctx->input(1);
    const Tensor& e = ctx->input(2);
    TensorShape cond_shape = c.shape();
    if (!kV2) OP_REQUIRES_OK(ctx, CheckV1(t, e, &cond_shape));
    cwise::BroadcastPlan plan;
    const TensorShape* shapes[3] = {&cond_shape, &t.shape(), &e.shape()};
    absl::Status s = cwise::MakeBroadcastPlan(shapes, &plan);
    OP_REQUIRES(ctx, s.ok(),
                absl::InvalidArgumentError(absl::StrCat(
                    "condition, then and else must broadcast together (in "
                    "that order): ",
                    s.message())));
    BroadcastDims dims;
    OP_REQUIRES_OK(ctx, ToBroadcastDims(*this, plan, &dims));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, plan.out_shape, &out));
    const int64_t n = out->NumElements();
    cudaStream_t st = (*g)->compute_stream;
    const bool* pc = c.data<bool>();
    cudaError_t err = cudaErrorInvalidValue;
    switch (DataTypeSize(t.dtype())) {
      case 1: err = Launch<uint8_t>(pc, t, e, out, n, dims, st); break;
      case 2: err = Launch<uint16_t>(pc, t, e, out, n, dims, st); break;
      case 4: err = Launch<uint32_t>(pc, t, e, out, n, dims, st); break;
      case 8: err = Launch<uint64_t>(pc, t, e, out, n, dims, st); break;
      default:
        OP_REQUIRES(ctx, false,
                    absl::UnimplementedError(absl::StrCat(
                        "Select on GPU does not support dtype ",
                        DataTypeString(t.dtype()))));
    }
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, err));
  }

 private:
  template <typename W>
  static cudaError_t Launch(const bool* c, const Tensor& t, const Tensor& e,
                            Tensor* out, int64_t n, const BroadcastDims& d,
                            cudaStream_t s) {
    return LaunchSelect<W>(c, t.data<W>(), e.data<W>(), out->data<W>(), n, d,
                           s);
  }

  // TF1 Select's shape rules; a row-vector condition is given trailing 1s.
  absl::Status CheckV1(const Tensor& t, const Tensor& e,
                       TensorShape* cond) const {
    if (t.shape() != e.shape()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'then' and 'else' must have the same shape, but got ",
          t.shape().DebugString(), " vs. ", e.shape().DebugString()));
    }
    if (cond->dims() == 0 || *cond == t.shape()) return absl::OkStatus();
    if (cond->dims() == 1 && t.dims() > 1 &&
        cond->dim_size(0) == t.dim_size(0)) {
      while (cond->dims() < t.dims()) cond->AddDim(1);
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "'condition' must be a scalar, a vector matching the first dimension "
        "of 'then', or have the shape of 'then'; got condition ",
        cond->DebugString(), " and then ", t.shape().DebugString()));
  }
};

// ---- Cast: every pair of float, double, int32, int64, uint8, bool.

using CastLaunch = cudaError_t (*)(const void*, void*, int64_t, cudaStream_t);

template <typename S, typename D>
cudaError_t CastThunk(const void* in, void* out, int64_t n, cudaStream_t s) {
  return LaunchCast<S, D>(static_cast<const S*>(in), static_cast<D*>(out), n,
                          s);
}

template <typename Fn>
bool VisitCastType(DataType dt, Fn&& fn) {
  switch (dt) {
    case DT_FLOAT: fn(float{}); return true;
    case DT_DOUBLE: fn(double{}); return true;
    case DT_INT32: fn(int32_t{}); return true;
    case DT_INT64: fn(int64_t{}); return true;
    case DT_UINT8: fn(uint8_t{}); return true;
    case DT_BOOL: fn(bool{}); return true;
    default: return false;
  }
}

const std::vector<DataType>& CastTypes() {
  static const auto* types = new std::vector<DataType>{
      DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8, DT_BOOL};
  return *types;
}

class GpuCastOp : public OpKernel {
 public:
  explicit GpuCastOp(OpKernelConstruction* c) : OpKernel(c) {
    DataType src = DT_INVALID, dst = DT_INVALID;
    OP_REQUIRES_OK(c, c->GetAttr("SrcT", &src));
    OP_REQUIRES_OK(c, c->GetAttr("DstT", &dst));
    if (src == dst) return;  // forwarded
    VisitCastType(src, [&](auto s) {
      VisitCastType(dst, [&](auto d) {
        fn_ = &CastThunk<decltype(s), decltype(d)>;
      });
    });
    OP_REQUIRES(c, fn_ != nullptr,
                absl::UnimplementedError(absl::StrCat(
                    "Unsupported cast on GPU from ", DataTypeString(src),
                    " to ", DataTypeString(dst))));
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    const Tensor& x = ctx->input(0);
    if (fn_ == nullptr) {
      ctx->set_output(0, x);
      return;
    }
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, fn_(x.raw_data(), out->raw_data(),
                                             x.NumElements(),
                                             (*g)->compute_stream)));
  }

 private:
  CastLaunch fn_ = nullptr;
};

template <typename T>
class GpuAddNOp : public OpKernel {
 public:
  explicit GpuAddNOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const int n = ctx->num_inputs();
    OP_REQUIRES(ctx, n >= 1,
                absl::InvalidArgumentError("AddN needs at least one input"));
    const Tensor& first = ctx->input(0);
    absl::InlinedVector<const T*, 8> in(n);
    for (int i = 0; i < n; ++i) {
      OP_REQUIRES(ctx, ctx->input(i).shape() == first.shape(),
                  absl::InvalidArgumentError(absl::StrCat(
                      "AddN inputs must all have the same shape: input 0 has "
                      "shape ",
                      first.shape().DebugString(), " but input ", i,
                      " has shape ", ctx->input(i).shape().DebugString())));
      in[i] = ctx->input(i).data<T>();
    }
    if (n == 1) {
      ctx->set_output(0, first);
      return;
    }
    // The first launch reads up to 8 inputs before writing each element;
    // later launches re-read inputs 8.., which must not alias the output.
    bool can_forward = true;
    for (int i = 8; i < n; ++i) {
      can_forward = can_forward && !ctx->input(i).SharesBufferWith(first);
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, can_forward ? ctx->forward_input_or_allocate_output(
                                          0, 0, first.shape(), &out)
                                    : ctx->allocate_output(0, first.shape(),
                                                           &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchAddN<T>(
                                             in.data(), n, out->data<T>(),
                                             first.NumElements(),
                                             (*g)->compute_stream)));
  }
};

template <typename T>
class GpuBiasAddOp : public OpKernel {
 public:
  explicit GpuBiasAddOp(OpKernelConstruction* c) : OpKernel(c) {
    std::string format = "NHWC";
    OP_REQUIRES_OK(c, c->GetAttr("data_format", &format));
    nchw_ = format == "NCHW";
  }

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& x = ctx->input(0);
    const Tensor& bias = ctx->input(1);
    const int min_rank = nchw_ ? 3 : 2;
    OP_REQUIRES(ctx, x.dims() >= min_rank,
                absl::InvalidArgumentError(absl::StrCat(
                    "BiasAdd: input tensor must be at least ", min_rank,
                    "-D for data_format ", nchw_ ? "NCHW" : "NHWC",
                    ", but got shape ", x.shape().DebugString())));
    const int channel_dim = nchw_ ? 1 : x.dims() - 1;
    const int64_t channels = x.dim_size(channel_dim);
    int64_t inner = 1;
    for (int i = channel_dim + 1; i < x.dims(); ++i) inner *= x.dim_size(i);
    OP_REQUIRES(ctx, bias.dims() == 1 && bias.dim_size(0) == channels,
                absl::InvalidArgumentError(absl::StrCat(
                    "Must provide as many biases as the ",
                    nchw_ ? "channel (second)" : "last",
                    " dimension of the input tensor: ",
                    x.shape().DebugString(), " vs. ",
                    bias.shape().DebugString())));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx,
                   ctx->forward_input_or_allocate_output(0, 0, x.shape(), &out));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, LaunchBiasAdd<T>(
                                             x.data<T>(), bias.data<T>(),
                                             out->data<T>(), x.NumElements(),
                                             channels, inner,
                                             (*g)->compute_stream)));
  }

 private:
  bool nchw_ = false;
};

#define REGISTER_GPU(OP, T, ...)                                            \
  REGISTER_KERNEL_BUILDER(Name(OP).Device(kDeviceGpu).TypeConstraint<T>("T"), \
                          __VA_ARGS__)
#define REGISTER_UNARY(OP, T, F) REGISTER_GPU(OP, T, GpuUnaryOp<T, UnaryFn::F>)
#define REGISTER_GRAD(OP, T, F) \
  REGISTER_GPU(OP, T, GpuActivationGradOp<T, ActivationGradFn::F>)
#define REGISTER_BINARY(OP, T, F) \
  REGISTER_GPU(OP, T, GpuBinaryOp<T, BinaryFn::F>)
#define REGISTER_COMPARE(OP, T, F) \
  REGISTER_GPU(OP, T, GpuCompareOp<T, CompareFn::F>)

// Ops for float, double and int64.
#define REGISTER_NUMERIC(T)                                   \
  REGISTER_UNARY("Neg", T, kNeg);                             \
  REGISTER_UNARY("Abs", T, kAbs);                             \
  REGISTER_UNARY("Square", T, kSquare);                       \
  REGISTER_UNARY("Sign", T, kSign);                           \
  REGISTER_UNARY("Round", T, kRound);                         \
  REGISTER_BINARY("Add", T, kAdd);                            \
  REGISTER_BINARY("AddV2", T, kAdd);                          \
  REGISTER_BINARY("Sub", T, kSub);                            \
  REGISTER_BINARY("Mul", T, kMul);                            \
  REGISTER_BINARY("SquaredDifference", T, kSquaredDifference); \
  REGISTER_BINARY("Maximum", T, kMaximum);                    \
  REGISTER_BINARY("Minimum", T, kMinimum);                    \
  REGISTER_COMPARE("Equal", T, kEqual);                       \
  REGISTER_COMPARE("NotEqual", T, kNotEqual);                 \
  REGISTER_COMPARE("Less", T, kLess);                         \
  REGISTER_COMPARE("LessEqual", T, kLessEqual);               \
  REGISTER_COMPARE("Greater", T, kGreater);                   \
  REGISTER_COMPARE("GreaterEqual", T, kGreaterEqual);         \
  REGISTER_GPU("AddN", T, GpuAddNOp<T>)

// Ops for float and double only.
#define REGISTER_FLOATING(T)                             \
  REGISTER_UNARY("Exp", T, kExp);                        \
  REGISTER_UNARY("Log", T, kLog);                        \
  REGISTER_UNARY("Sqrt", T, kSqrt);                      \
  REGISTER_UNARY("Rsqrt", T, kRsqrt);                    \
  REGISTER_UNARY("Tanh", T, kTanh);                      \
  REGISTER_UNARY("Sigmoid", T, kSigmoid);                \
  REGISTER_UNARY("Sin", T, kSin);                        \
  REGISTER_UNARY("Cos", T, kCos);                        \
  REGISTER_UNARY("Reciprocal", T, kReciprocal);          \
  REGISTER_UNARY("Floor", T, kFloor);                    \
  REGISTER_UNARY("Ceil", T, kCeil);                      \
  REGISTER_UNARY("Relu", T, kRelu);                      \
  REGISTER_UNARY("Relu6", T, kRelu6);                    \
  REGISTER_UNARY("LeakyRelu", T, kLeakyRelu);            \
  REGISTER_UNARY("Elu", T, kElu);                        \
  REGISTER_UNARY("Selu", T, kSelu);                      \
  REGISTER_UNARY("Softplus", T, kSoftplus);              \
  REGISTER_GRAD("ReluGrad", T, kRelu);                   \
  REGISTER_GRAD("Relu6Grad", T, kRelu6);                 \
  REGISTER_GRAD("LeakyReluGrad", T, kLeakyRelu);         \
  REGISTER_GRAD("EluGrad", T, kElu);                     \
  REGISTER_GRAD("SeluGrad", T, kSelu);                   \
  REGISTER_GRAD("SoftplusGrad", T, kSoftplus);           \
  REGISTER_BINARY("RealDiv", T, kDiv);                   \
  REGISTER_BINARY("Div", T, kDiv);                       \
  REGISTER_BINARY("Pow", T, kPow);                       \
  REGISTER_GPU("BiasAdd", T, GpuBiasAddOp<T>)

REGISTER_NUMERIC(float);
REGISTER_NUMERIC(double);
REGISTER_NUMERIC(int64_t);
REGISTER_FLOATING(float);
REGISTER_FLOATING(double);
REGISTER_COMPARE("Equal", bool, kEqual);
REGISTER_COMPARE("NotEqual", bool, kNotEqual);

REGISTER_KERNEL_BUILDER(Name("Select").Device(kDeviceGpu), GpuSelectOp<false>);
REGISTER_KERNEL_BUILDER(Name("SelectV2").Device(kDeviceGpu),
                        GpuSelectOp<true>);
REGISTER_KERNEL_BUILDER(Name("Cast")
                            .Device(kDeviceGpu)
                            .TypeConstraint("SrcT", CastTypes())
                            .TypeConstraint("DstT", CastTypes()),
                        GpuCastOp);

}  // namespace
}  // namespace gpu
}  // namespace tessera
