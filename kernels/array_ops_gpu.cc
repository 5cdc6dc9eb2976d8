// GPU OpKernels for Fill, ZerosLike, OnesLike, OneHot, Transpose, and the
// buffer-sharing views Identity, Reshape, ExpandDims, Squeeze. Shape-like
// inputs (dims, depth, perm, shape, dim) are HostMemory, as in TensorFlow:
// they are read on the host, element data stays on the device. Elements
// move as words of their size, so one kernel serves every fixed-size dtype.
#include <cstring>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/array_ops_gpu.h"
#include "kernels/gpu_kernel_util.h"
#include "kernels/kernel_util.h"
#include "kernels/shape_ops.h"
#include "kernels/transpose_op.h"

namespace tessera {
namespace gpu {
namespace {

// Calls fn(W{}) with W the unsigned word of `dt`'s element size; false for
// strings and 16-byte elements, which have no GPU kernels here.
template <typename Fn>
bool VisitWord(DataType dt, Fn&& fn) {
  if (dt == DT_STRING) return false;
  switch (DataTypeSize(dt)) {
    case 1: fn(uint8_t{}); return true;
    case 2: fn(uint16_t{}); return true;
    case 4: fn(uint32_t{}); return true;
    case 8: fn(uint64_t{}); return true;
    default: return false;
  }
}

absl::Status Unsupported(const OpKernel& k, DataType dt) {
  return absl::UnimplementedError(
      absl::StrCat(k.type_string(), " node '", k.name(), "': no GPU kernel "
                   "for dtype ", DataTypeString(dt)));
}

class GpuFillOp : public OpKernel {
 public:
  explicit GpuFillOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& dims_t = ctx->input(0);
    const Tensor& value = ctx->input(1);
    OP_REQUIRES(ctx, dims_t.dims() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "dims must be a vector, got shape ",
                    dims_t.shape().DebugString())));
    OP_REQUIRES(ctx, value.dims() == 0,
                absl::InvalidArgumentError(absl::StrCat(
                    "value must be a scalar, got shape ",
                    value.shape().DebugString())));
    const std::vector<int64_t> dims = IndexValues(dims_t);
    auto shape = TensorShape::FromDims(dims);
    OP_REQUIRES(ctx, shape.ok(),
                absl::InvalidArgumentError(absl::StrCat(
                    "Fill dimensions must be >= 0 and their product must fit "
                    "int64, got [", absl::StrJoin(dims, ","), "]")));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *shape, &out));
    cudaError_t e = cudaSuccess;
    const bool ok = VisitWord(value.dtype(), [&](auto tag) {
      using W = decltype(tag);
      e = LaunchFillFromDevice<W>(value.data<W>(), out->data<W>(),
                                  out->NumElements(), (*g)->compute_stream);
    });
    OP_REQUIRES(ctx, ok, Unsupported(*this, value.dtype()));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, e));
  }
};

// ZerosLike (kOnes false: every fixed-size dtype encodes zero as zero
// bytes) and OnesLike.
template <bool kOnes>
class GpuFillLikeOp : public OpKernel {
 public:
  explicit GpuFillLikeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& input = ctx->input(0);
    const DataType dt = input.dtype();
    OP_REQUIRES(ctx, dt != DT_STRING && DataTypeSize(dt) > 0,
                Unsupported(*this, dt));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(
                            0, 0, input.shape(), &out));
    if (out->NumElements() == 0) return;
    cudaStream_t s = (*g)->compute_stream;
    if (!kOnes) {
      OP_REQUIRES_OK(ctx, CudaStatus(*ctx, cudaMemsetAsync(out->raw_data(), 0,
                                                           out->TotalBytes(),
                                                           s)));
      return;
    }
    cudaError_t e = cudaSuccess;
    bool ok = false;
    VisitDataType(dt, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, tstring>) {
        ok = VisitWord(dt, [&](auto word) {
          using W = decltype(word);
          if constexpr (sizeof(W) == sizeof(T)) {
            const T one = static_cast<T>(1);
            W bits;
            std::memcpy(&bits, &one, sizeof(W));
            e = LaunchFillValue<W>(bits, out->data<W>(), out->NumElements(),
                                   s);
          }
        });
      }
    });
    OP_REQUIRES(ctx, ok, Unsupported(*this, dt));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, e));
  }
};

class GpuOneHotOp : public OpKernel {
 public:
  explicit GpuOneHotOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("axis", &axis_));
  }

  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& indices = ctx->input(0);
    const Tensor& depth_t = ctx->input(1);
    const Tensor& on = ctx->input(2);
    const Tensor& off = ctx->input(3);
    auto layout = MakeOneHotLayout(indices, depth_t, on, off, axis_);
    OP_REQUIRES_OK(ctx, layout.status());
    const int64_t prefix = layout->prefix, depth = layout->depth,
                  suffix = layout->suffix;
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, layout->out_shape, &out));
    cudaError_t e = cudaSuccess;
    const bool ok = VisitWord(on.dtype(), [&](auto tag) {
      using W = decltype(tag);
      e = Launch<W>(indices, on.data<W>(), off.data<W>(), out->data<W>(),
                    prefix, depth, suffix, (*g)->compute_stream);
    });
    OP_REQUIRES(ctx, ok, Unsupported(*this, on.dtype()));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, e));
  }

 private:
  template <typename W>
  static cudaError_t Launch(const Tensor& indices, const W* on, const W* off,
                            W* out, int64_t prefix, int64_t depth,
                            int64_t suffix, cudaStream_t s) {
    switch (indices.dtype()) {
      case DT_UINT8:
        return LaunchOneHot<W, uint8_t>(indices.data<uint8_t>(), on, off, out,
                                        prefix, depth, suffix, s);
      case DT_INT32:
        return LaunchOneHot<W, int32_t>(indices.data<int32_t>(), on, off, out,
                                        prefix, depth, suffix, s);
      default:
        return LaunchOneHot<W, int64_t>(indices.data<int64_t>(), on, off, out,
                                        prefix, depth, suffix, s);
    }
  }

  int64_t axis_ = -1;
};

class GpuTransposeOp : public OpKernel {
 public:
  explicit GpuTransposeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    auto g = GetGpuContext(ctx);
    OP_REQUIRES_OK(ctx, g.status());
    const Tensor& input = ctx->input(0);
    const Tensor& perm_t = ctx->input(1);
    OP_REQUIRES(ctx, perm_t.dims() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "perm must be a vector, not ",
                    perm_t.shape().DebugString())));
    const std::vector<int64_t> perm = IndexValues(perm_t);
    OP_REQUIRES_OK(ctx, CheckPermutation(perm, input.dims()));
    TensorShape shape;
    for (int64_t d : perm) shape.AddDim(input.dim_size(static_cast<int>(d)));
    const TransposePlan plan = SimplifyTranspose(input.shape(), perm);
    if (std::is_sorted(plan.perm.begin(), plan.perm.end())) {
      ctx->set_output(0, *input.Reshaped(shape));  // same element order
      return;
    }
    // Merged dims alternate in the output order, so rank <= 8 inputs fit;
    // rank is bounded by the simplified plan, not the op's rank.
    const int rank = static_cast<int>(plan.dims.size());
    OP_REQUIRES(ctx, rank <= kMaxTransposeDims,
                absl::UnimplementedError(absl::StrCat(
                    "Transpose node '", name(), "': the GPU kernel handles at "
                    "most ", kMaxTransposeDims, " non-adjacent dims, perm [",
                    absl::StrJoin(perm, ","), "] needs ", rank)));
    std::vector<int64_t> in_strides(rank, 1);
    for (int d = rank - 2; d >= 0; --d) {
      in_strides[d] = in_strides[d + 1] * plan.dims[d + 1];
    }
    TransposeDims dims;
    dims.rank = rank;
    for (int k = 0; k < rank; ++k) {
      dims.out_dims[k] = plan.dims[plan.perm[k]];
      dims.in_strides[k] = in_strides[plan.perm[k]];
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, shape, &out));
    cudaError_t e = cudaSuccess;
    const bool ok = VisitWord(input.dtype(), [&](auto tag) {
      using W = decltype(tag);
      e = LaunchTranspose<W>(input.data<W>(), out->data<W>(),
                             input.NumElements(), dims, (*g)->compute_stream);
    });
    OP_REQUIRES(ctx, ok, Unsupported(*this, input.dtype()));
    OP_REQUIRES_OK(ctx, CudaStatus(*ctx, e));
  }
};

// Identity's output is its input buffer, wherever it lives.
class GpuIdentityOp : public OpKernel {
 public:
  explicit GpuIdentityOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    ctx->set_output(0, ctx->input(0));
  }
};

REGISTER_KERNEL_BUILDER(Name("Fill").Device(kDeviceGpu).HostMemory("dims"),
                        GpuFillOp);
REGISTER_KERNEL_BUILDER(Name("ZerosLike").Device(kDeviceGpu),
                        GpuFillLikeOp<false>);
REGISTER_KERNEL_BUILDER(Name("OnesLike").Device(kDeviceGpu),
                        GpuFillLikeOp<true>);
REGISTER_KERNEL_BUILDER(Name("OneHot").Device(kDeviceGpu).HostMemory("depth"),
                        GpuOneHotOp);
REGISTER_KERNEL_BUILDER(
    Name("Transpose").Device(kDeviceGpu).HostMemory("perm"), GpuTransposeOp);
REGISTER_KERNEL_BUILDER(Name("Identity").Device(kDeviceGpu), GpuIdentityOp);
// The views read only shapes; the classes are the CPU kernels' own.
REGISTER_KERNEL_BUILDER(
    Name("Reshape").Device(kDeviceGpu).HostMemory("shape"), ReshapeOp);
REGISTER_KERNEL_BUILDER(
    Name("ExpandDims").Device(kDeviceGpu).HostMemory("dim"), ExpandDimsOp);
REGISTER_KERNEL_BUILDER(Name("Squeeze").Device(kDeviceGpu), SqueezeOp);

}  // namespace
}  // namespace gpu
}  // namespace tessera
