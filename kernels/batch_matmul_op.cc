// CPU kernel for BatchMatMulV2: one matrix product per (broadcast) batch
// index, each done by the GEMM in matmul_op.cc. Many small products are
// spread over the intra-op pool one batch range per block; a few large ones
// run in turn, each split across the pool by LaunchMatMul itself.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "core/threadpool.h"

namespace tessera {
namespace matmul_internal {
// Defined (and instantiated for float, double, int32, int64) in matmul_op.cc.
template <typename T>
void LaunchMatMul(ThreadPool* pool, const T* a, const T* b, T* c, int64_t m,
                  int64_t k, int64_t n, bool transpose_a, bool transpose_b);
}  // namespace matmul_internal

namespace {

// Below this many multiply-adds in all, the batch runs on the calling thread.
constexpr int64_t kMinParallelMacs = int64_t{1} << 18;
// Products this big are split across the pool one at a time (LaunchMatMul
// does that itself, above a similar threshold).
constexpr int64_t kBigProductMacs = int64_t{1} << 22;

const char* BoolStr(bool b) { return b ? "true" : "false"; }

// Broadcasts the batch dims (all but the last two) of x and y. On success
// appends them to `batch` (a scalar shape on entry) and fills, per output
// batch index, the matrix index into x and into y.
bool BroadcastBatch(const TensorShape& x, const TensorShape& y,
                    TensorShape* batch, std::vector<int64_t>* x_index,
                    std::vector<int64_t>* y_index) {
  const int rx = x.dims() - 2, ry = y.dims() - 2;
  const int rank = std::max(rx, ry);
  for (int i = 0; i < rank; ++i) {
    const int64_t dx = i - (rank - rx) >= 0 ? x.dim_size(i - (rank - rx)) : 1;
    const int64_t dy = i - (rank - ry) >= 0 ? y.dim_size(i - (rank - ry)) : 1;
    if (dx != dy && dx != 1 && dy != 1) return false;
    batch->AddDim(dx == 1 ? dy : dx);
  }
  const int64_t count = batch->num_elements();
  x_index->assign(count, 0);
  y_index->assign(count, 0);
  // Walk the output batch indices in row-major order, accumulating each
  // input's index with stride 0 on its broadcast dims.
  std::vector<int64_t> coord(rank, 0);
  for (int64_t b = 0; b < count; ++b) {
    int64_t xi = 0, yi = 0;
    for (int i = 0; i < rank; ++i) {
      const int ix = i - (rank - rx), iy = i - (rank - ry);
      if (ix >= 0)
        xi = xi * x.dim_size(ix) + (x.dim_size(ix) == 1 ? 0 : coord[i]);
      if (iy >= 0)
        yi = yi * y.dim_size(iy) + (y.dim_size(iy) == 1 ? 0 : coord[i]);
    }
    (*x_index)[b] = xi;
    (*y_index)[b] = yi;
    for (int i = rank - 1; i >= 0; --i) {
      if (++coord[i] < batch->dim_size(i)) break;
      coord[i] = 0;
    }
  }
  return true;
}

template <typename T>
class BatchMatMulV2Op : public OpKernel {
 public:
  explicit BatchMatMulV2Op(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("adj_x", &adj_x_));
    OP_REQUIRES_OK(c, c->GetAttr("adj_y", &adj_y_));
    set_expensive(true);
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& y = ctx->input(1);
    OP_REQUIRES(
        ctx, x.dims() >= 2,
        absl::InvalidArgumentError(absl::StrCat(
            "In[0] ndims must be >= 2, got shape ", x.shape().DebugString())));
    OP_REQUIRES(
        ctx, y.dims() >= 2,
        absl::InvalidArgumentError(absl::StrCat(
            "In[1] ndims must be >= 2, got shape ", y.shape().DebugString())));
    const int rx = x.dims(), ry = y.dims();
    const int64_t m = x.dim_size(adj_x_ ? rx - 1 : rx - 2);
    const int64_t k = x.dim_size(adj_x_ ? rx - 2 : rx - 1);
    const int64_t k_y = y.dim_size(adj_y_ ? ry - 1 : ry - 2);
    const int64_t n = y.dim_size(adj_y_ ? ry - 2 : ry - 1);
    OP_REQUIRES(
        ctx, k == k_y,
        absl::InvalidArgumentError(absl::StrCat(
            "Matrix size-incompatible: In[0]: ", x.shape().DebugString(),
            ", In[1]: ", y.shape().DebugString(), " (adj_x=", BoolStr(adj_x_),
            ", adj_y=", BoolStr(adj_y_), ")")));
    TensorShape out_shape;
    std::vector<int64_t> x_index, y_index;
    OP_REQUIRES(
        ctx,
        BroadcastBatch(x.shape(), y.shape(), &out_shape, &x_index, &y_index),
        absl::InvalidArgumentError(absl::StrCat(
            "In[0] and In[1] must have compatible batch dimensions: ",
            x.shape().DebugString(), " vs. ", y.shape().DebugString())));
    out_shape.AddDim(m);
    out_shape.AddDim(n);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    if (out->NumElements() == 0) return;
    Multiply(ctx->intra_op_pool(), x.data<T>(), y.data<T>(), out->data<T>(),
             x_index, y_index, m, k, n);
  }

 private:
  void Multiply(ThreadPool* pool, const T* x, const T* y, T* out,
                const std::vector<int64_t>& x_index,
                const std::vector<int64_t>& y_index, int64_t m, int64_t k,
                int64_t n) const {
    const int64_t batches = static_cast<int64_t>(x_index.size());
    auto run = [&](ThreadPool* inner_pool, int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        matmul_internal::LaunchMatMul<T>(
            inner_pool, x + x_index[b] * m * k, y + y_index[b] * k * n,
            out + b * m * n, m, k, n, adj_x_, adj_y_);
      }
    };
    const int64_t macs = m * n * std::max<int64_t>(k, 1);
    if (pool == nullptr || batches * macs < kMinParallelMacs) {
      run(nullptr, 0, batches);  // too little work to hand out
      return;
    }
    if (batches == 1 ||
        (batches < pool->NumThreads() * 2 && macs >= kBigProductMacs)) {
      run(pool, 0, batches);  // few big products: split each one
      return;
    }
    pool->ParallelFor(batches, macs, [&](int64_t begin, int64_t end) {
      run(nullptr, begin, end);
    });
  }

  bool adj_x_ = false;
  bool adj_y_ = false;
};

#define TS_REGISTER(T)                                                 \
  REGISTER_KERNEL_BUILDER(                                             \
      Name("BatchMatMulV2").Device(kDeviceCpu).TypeConstraint<T>("T"), \
      BatchMatMulV2Op<T>);
TS_REGISTER(float)
TS_REGISTER(double)
TS_REGISTER(int32_t)
TS_REGISTER(int64_t)
#undef TS_REGISTER

}  // namespace
}  // namespace tessera
