// GPU kernels for MatMul and BatchMatMulV2 (float, double) via cuBLAS on
// the device's compute stream. Row-major C = op(A) op(B) is computed as the
// column-major C^T = op(B)^T op(A)^T, so no data is transposed. Float
// products use IEEE single-precision accumulation unless the session
// allows TF32 (GpuContext::allow_tf32). Broadcast batches with a uniform
// stride become one strided-batched call; other broadcasts one call per
// output matrix.
#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/status.h"
#include "kernels/gpu_kernel_util.h"

namespace tessera {
namespace gpu {
namespace {

const char* BoolStr(bool b) { return b ? "true" : "false"; }

template <typename T>
struct GemmTypes;
template <>
struct GemmTypes<float> {
  static constexpr cudaDataType_t kData = CUDA_R_32F;
  static cublasComputeType_t Compute(bool tf32) {
    return tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  }
};
template <>
struct GemmTypes<double> {
  static constexpr cudaDataType_t kData = CUDA_R_64F;
  static cublasComputeType_t Compute(bool) { return CUBLAS_COMPUTE_64F; }
};

// One row-major product description: C[m,n] = op(A)[m,k] op(B)[k,n].
struct Gemm {
  int64_t m = 0, k = 0, n = 0;
  bool ta = false, tb = false;
};

absl::Status CheckIntRange(const OpKernel& op, const Gemm& g, int64_t batch) {
  for (int64_t v : {g.m, g.k, g.n, batch}) {
    if (v > INT_MAX) {
      return absl::UnimplementedError(absl::StrCat(
          op.type_string(), " node '", op.name(), "': dimension ", v,
          " exceeds cuBLAS's 32-bit sizes"));
    }
  }
  return absl::OkStatus();
}

// Enqueues `batch` products with element strides sa, sb (0: broadcast) and
// sc between consecutive matrices.
template <typename T>
absl::Status LaunchGemm(OpKernelContext* ctx, const Gemm& g, const T* a,
                        const T* b, T* c, int64_t batch, int64_t sa,
                        int64_t sb) {
  ASSIGN_OR_RETURN(GpuContext * gc, GetGpuContext(ctx));
  RETURN_IF_ERROR(CheckIntRange(ctx->op_kernel(), g, batch));
  const int64_t count = batch * g.m * g.n;
  if (count == 0) return absl::OkStatus();
  if (g.k == 0) {  // empty sum: zeros (cuBLAS may leave C untouched)
    return CudaStatus(*ctx, cudaMemsetAsync(c, 0, count * sizeof(T),
                                            gc->compute_stream));
  }
  const T alpha = 1, beta = 0;
  const int m = static_cast<int>(g.m), n = static_cast<int>(g.n),
            k = static_cast<int>(g.k);
  const int lda = g.ta ? m : k, ldb = g.tb ? k : n;
  const cublasOperation_t op_a = g.ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = g.tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  constexpr cudaDataType_t dt = GemmTypes<T>::kData;
  const cublasComputeType_t ct = GemmTypes<T>::Compute(gc->allow_tf32);
  if (batch == 1) {
    return CublasStatus(
        *ctx, cublasGemmEx(gc->cublas, op_b, op_a, n, m, k, &alpha, b, dt, ldb,
                           a, dt, lda, &beta, c, dt, n, ct,
                           CUBLAS_GEMM_DEFAULT));
  }
  return CublasStatus(
      *ctx, cublasGemmStridedBatchedEx(
                gc->cublas, op_b, op_a, n, m, k, &alpha, b, dt, ldb, sb, a, dt,
                lda, sa, &beta, c, dt, n, g.m * g.n, static_cast<int>(batch),
                ct, CUBLAS_GEMM_DEFAULT));
}

template <typename T>
class GpuMatMulOp : public OpKernel {
 public:
  explicit GpuMatMulOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("transpose_a", &g_.ta));
    OP_REQUIRES_OK(c, c->GetAttr("transpose_b", &g_.tb));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& a = ctx->input(0);
    const Tensor& b = ctx->input(1);
    OP_REQUIRES(ctx, a.dims() == 2,
                absl::InvalidArgumentError(
                    absl::StrCat("In[0] is not a matrix. Instead it has shape ",
                                 a.shape().DebugString())));
    OP_REQUIRES(ctx, b.dims() == 2,
                absl::InvalidArgumentError(
                    absl::StrCat("In[1] is not a matrix. Instead it has shape ",
                                 b.shape().DebugString())));
    Gemm g = g_;
    g.m = a.dim_size(g.ta ? 1 : 0);
    g.k = a.dim_size(g.ta ? 0 : 1);
    g.n = b.dim_size(g.tb ? 0 : 1);
    OP_REQUIRES(
        ctx, g.k == b.dim_size(g.tb ? 1 : 0),
        absl::InvalidArgumentError(absl::StrCat(
            "Matrix size-incompatible: In[0]: ", a.shape().DebugString(),
            ", In[1]: ", b.shape().DebugString(), " (transpose_a=",
            BoolStr(g.ta), ", transpose_b=", BoolStr(g.tb), ")")));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({g.m, g.n}), &out));
    OP_REQUIRES_OK(ctx, LaunchGemm<T>(ctx, g, a.data<T>(), b.data<T>(),
                                      out->data<T>(), 1, 0, 0));
  }

 private:
  Gemm g_;
};

// The broadcast batch shape of x and y (all dims but the last two) and,
// per output batch index, the matrix index into x and into y; false when
// the batch dims do not broadcast.
bool BroadcastBatch(const TensorShape& x, const TensorShape& y,
                    TensorShape* batch, std::vector<int64_t>* xi,
                    std::vector<int64_t>* yi) {
  const int rx = x.dims() - 2, ry = y.dims() - 2;
  const int rank = std::max(rx, ry);
  auto dim = [rank](const TensorShape& s, int r, int i) -> int64_t {
    return i - (rank - r) >= 0 ? s.dim_size(i - (rank - r)) : 1;
  };
  for (int i = 0; i < rank; ++i) {
    const int64_t dx = dim(x, rx, i), dy = dim(y, ry, i);
    if (dx != dy && dx != 1 && dy != 1) return false;
    batch->AddDim(dx == 1 ? dy : dx);
  }
  const int64_t count = batch->num_elements();
  xi->assign(count, 0);
  yi->assign(count, 0);
  std::vector<int64_t> coord(rank, 0);
  for (int64_t b = 0; b < count; ++b) {
    int64_t px = 0, py = 0;
    for (int i = 0; i < rank; ++i) {
      const int64_t dx = dim(x, rx, i), dy = dim(y, ry, i);
      px = px * dx + (dx == 1 ? 0 : coord[i]);
      py = py * dy + (dy == 1 ? 0 : coord[i]);
    }
    (*xi)[b] = px;
    (*yi)[b] = py;
    for (int i = rank - 1; i >= 0; --i) {
      if (++coord[i] < batch->dim_size(i)) break;
      coord[i] = 0;
    }
  }
  return true;
}

// The common stride of idx (idx[b] == b * stride), or -1 when there is none.
int64_t UniformStride(const std::vector<int64_t>& idx) {
  const int64_t stride = idx.size() > 1 ? idx[1] - idx[0] : 0;
  for (size_t b = 0; b < idx.size(); ++b) {
    if (idx[b] != static_cast<int64_t>(b) * stride) return -1;
  }
  return stride;
}

template <typename T>
class GpuBatchMatMulV2Op : public OpKernel {
 public:
  explicit GpuBatchMatMulV2Op(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("adj_x", &g_.ta));
    OP_REQUIRES_OK(c, c->GetAttr("adj_y", &g_.tb));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& y = ctx->input(1);
    OP_REQUIRES(ctx, x.dims() >= 2,
                absl::InvalidArgumentError(absl::StrCat(
                    "In[0] ndims must be >= 2, got shape ",
                    x.shape().DebugString())));
    OP_REQUIRES(ctx, y.dims() >= 2,
                absl::InvalidArgumentError(absl::StrCat(
                    "In[1] ndims must be >= 2, got shape ",
                    y.shape().DebugString())));
    const int rx = x.dims(), ry = y.dims();
    Gemm g = g_;
    g.m = x.dim_size(g.ta ? rx - 1 : rx - 2);
    g.k = x.dim_size(g.ta ? rx - 2 : rx - 1);
    g.n = y.dim_size(g.tb ? ry - 2 : ry - 1);
    OP_REQUIRES(ctx, g.k == y.dim_size(g.tb ? ry - 1 : ry - 2),
                absl::InvalidArgumentError(absl::StrCat(
                    "Matrix size-incompatible: In[0]: ",
                    x.shape().DebugString(), ", In[1]: ",
                    y.shape().DebugString(), " (adj_x=", BoolStr(g.ta),
                    ", adj_y=", BoolStr(g.tb), ")")));
    TensorShape out_shape;
    std::vector<int64_t> xi, yi;
    OP_REQUIRES(ctx, BroadcastBatch(x.shape(), y.shape(), &out_shape, &xi, &yi),
                absl::InvalidArgumentError(absl::StrCat(
                    "In[0] and In[1] must have compatible batch dimensions: ",
                    x.shape().DebugString(), " vs. ",
                    y.shape().DebugString())));
    out_shape.AddDim(g.m);
    out_shape.AddDim(g.n);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const int64_t batch = static_cast<int64_t>(xi.size());
    const int64_t mat_x = g.m * g.k, mat_y = g.k * g.n, mat_out = g.m * g.n;
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = out->data<T>();
    const int64_t sx = UniformStride(xi), sy = UniformStride(yi);
    if (sx >= 0 && sy >= 0) {
      OP_REQUIRES_OK(ctx, LaunchGemm<T>(ctx, g, px, py, po, batch,
                                        sx * mat_x, sy * mat_y));
      return;
    }
    for (int64_t b = 0; b < batch; ++b) {
      OP_REQUIRES_OK(ctx, LaunchGemm<T>(ctx, g, px + xi[b] * mat_x,
                                        py + yi[b] * mat_y,
                                        po + b * mat_out, 1, 0, 0));
    }
  }

 private:
  Gemm g_;
};

#define REGISTER_GPU(T)                                                     \
  REGISTER_KERNEL_BUILDER(                                                  \
      Name("MatMul").Device(kDeviceGpu).TypeConstraint<T>("T"),            \
      GpuMatMulOp<T>);                                                      \
  REGISTER_KERNEL_BUILDER(                                                  \
      Name("BatchMatMulV2").Device(kDeviceGpu).TypeConstraint<T>("T"),     \
      GpuBatchMatMulV2Op<T>)

REGISTER_GPU(float);
REGISTER_GPU(double);

}  // namespace
}  // namespace gpu
}  // namespace tessera
