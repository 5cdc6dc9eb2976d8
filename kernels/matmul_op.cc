// CPU kernel for MatMul, plus the GEMM routine that BatchMatMulV2 shares.
//
// float products, when built with AVX2+FMA, use a packed GEMM written here in
// the BLIS style: op(B) is packed into KC x 16 column panels, op(A) into
// KC x 6 row panels, and a 6x16 register-blocked micro-kernel (12 ymm
// accumulators) computes each output tile. On the 2-core AMD EPYC (Zen 3)
// build machine, 1024^3 runs at ~80-85 GFLOP/s on one core and ~145-155 on
// two, against ~60 on one core for Eigen's product (a core peaks at ~98
// with its 2 FMA pipes). Other types, thin products (matrix-vector) and
// builds without AVX2 use Eigen's product on row-major maps, split into one
// tile of rows (or columns) per intra-op thread.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <type_traits>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "core/threadpool.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define TS_PACKED_SGEMM 1
#endif

namespace tessera {
namespace matmul_internal {
namespace {

// c[m, n] = op(a)[m, k] * op(b)[k, n], all buffers row-major.
template <typename T>
struct Gemm {
  const T* a;
  const T* b;
  T* c;
  int64_t m, k, n;
  bool transpose_a, transpose_b;
  // op(A)(i, p) = a[i * a_row + p * a_col]; op(B)(p, j) likewise.
  int64_t a_row() const { return transpose_a ? 1 : k; }
  int64_t a_col() const { return transpose_a ? m : 1; }
  int64_t b_row() const { return transpose_b ? 1 : n; }
  int64_t b_col() const { return transpose_b ? k : 1; }
};

// Below this many multiply-adds (~100us of work) a product runs on the
// calling thread: waking workers costs microseconds each, and far more when
// the cores are busy with other kernels.
constexpr int64_t kMinParallelMacs = int64_t{1} << 22;
// Tiles are at least this many rows/columns so each GEMM stays efficient.
constexpr int64_t kMinTile = 32;

// ---- Eigen path.

template <typename T>
using RowMajorMatrix =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// C[r0:r0+rows, c0:c0+cols] = op(A)[rows, :] * op(B)[:, cols], with `lhs` /
// `rhs` being op(A) / op(B) (a map or the transpose of one).
template <typename Lhs, typename Rhs, typename T>
void EigenTile(const Lhs& lhs, const Rhs& rhs, const Gemm<T>& g, int64_t r0,
               int64_t rows, int64_t c0, int64_t cols) {
  Eigen::Map<RowMajorMatrix<T>> out(g.c, g.m, g.n);
  out.block(r0, c0, rows, cols).noalias() =
      lhs.middleRows(r0, rows) * rhs.middleCols(c0, cols);
}

template <typename T>
void EigenTile(const Gemm<T>& g, int64_t r0, int64_t rows, int64_t c0,
               int64_t cols) {
  using ConstMap = Eigen::Map<const RowMajorMatrix<T>>;
  ConstMap a(g.a, g.transpose_a ? g.k : g.m, g.transpose_a ? g.m : g.k);
  ConstMap b(g.b, g.transpose_b ? g.n : g.k, g.transpose_b ? g.k : g.n);
  if (g.transpose_a && g.transpose_b) {
    EigenTile(a.transpose(), b.transpose(), g, r0, rows, c0, cols);
  } else if (g.transpose_a) {
    EigenTile(a.transpose(), b, g, r0, rows, c0, cols);
  } else if (g.transpose_b) {
    EigenTile(a, b.transpose(), g, r0, rows, c0, cols);
  } else {
    EigenTile(a, b, g, r0, rows, c0, cols);
  }
}

#ifdef TS_PACKED_SGEMM
// ---- Packed float GEMM (AVX2 + FMA).

constexpr int kMr = 6;        // micro-tile rows
constexpr int kNr = 16;       // micro-tile columns (two ymm vectors)
constexpr int64_t kKc = 256;  // depth of a packed block (A+B panels in L1)
constexpr int64_t kMc = 120;  // rows of a packed A block (in L2)

// Prefetches the line at `base` + `bytes`, which may lie outside any object
// (prefetches never fault); integer arithmetic keeps the C++ well-defined.
inline void Prefetch(const void* base, int64_t bytes) {
  _mm_prefetch(
      reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(base) + bytes),
      _MM_HINT_T0);
}

// Per-thread packing buffers, kept between calls to avoid page faults.
float* PackBuffer(int which, int64_t floats) {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  thread_local std::unique_ptr<float, Free> buffers[2];
  thread_local int64_t sizes[2] = {0, 0};
  if (sizes[which] < floats) {
    const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    buffers[which].reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    sizes[which] = buffers[which] ? floats : 0;
  }
  return buffers[which].get();
}

// Packs one panel: out[p * width + l] = src[l * lane_stride + p * depth_stride]
// for lanes l < lanes and p < kc, zero-padding lanes up to `width`. The loop
// order makes the reads contiguous whichever stride is 1.
template <int width>
void PackPanel(const float* src, int64_t lane_stride, int64_t depth_stride,
               int64_t lanes, int64_t kc, float* out) {
  if (lanes < width) std::fill_n(out, width * kc, 0.f);
  if (depth_stride == 1) {
    for (int64_t l = 0; l < lanes; ++l) {
      const float* row = src + l * lane_stride;
      // Rows are short runs far apart, too short for the hardware
      // prefetcher: fetch the same run of the next panel's row meanwhile.
      for (int64_t p = 0; p < kc; p += 16) {
        Prefetch(row, (width * lane_stride + p) * sizeof(float));
      }
      for (int64_t p = 0; p < kc; ++p) out[p * width + l] = row[p];
    }
    return;
  }
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t l = 0; l < lanes; ++l) {
      out[p * width + l] = src[l * lane_stride + p * depth_stride];
    }
  }
}

// Packs op(A)[0:mc, 0:kc] (element (i, p) at a[i * rs + p * cs]) into
// kc x kMr panels.
void PackA(const float* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc,
           float* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += kMr, out += kMr * kc) {
    PackPanel<kMr>(a + i0 * rs, rs, cs, std::min<int64_t>(kMr, mc - i0), kc,
                   out);
  }
}

// Packs op(B)[0:kc, 0:nc] into kc x kNr panels.
void PackB(const float* b, int64_t rs, int64_t cs, int64_t kc, int64_t nc,
           float* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNr, out += kNr * kc) {
    const int64_t nr = std::min<int64_t>(kNr, nc - j0);
    if (nr == kNr && cs == 1) {  // rows of B are contiguous: copy vectors
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b + p * rs + j0;
        _mm256_store_ps(out + p * kNr, _mm256_loadu_ps(src));
        _mm256_store_ps(out + p * kNr + 8, _mm256_loadu_ps(src + 8));
      }
    } else {
      PackPanel<kNr>(b + j0 * cs, cs, rs, nr, kc, out);
    }
  }
}

// Adds row i of the packed panels' product into accumulators c<i>0, c<i>1.
#define TS_FMA_ROW(i)                             \
  do {                                            \
    const __m256 ai = _mm256_broadcast_ss(a + i); \
    c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);   \
    c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);   \
  } while (0)

// C[0:mr, 0:nr] (+)= packed A panel * packed B panel. The 12 accumulators
// are named variables: GCC spills an array of them to the stack.
void MicroKernel(int64_t kc, const float* __restrict a,
                 const float* __restrict b, float* c, int64_t ldc,
                 bool accumulate, int64_t mr, int64_t nr) {
  for (int64_t i = 0; i < mr; ++i) {
    Prefetch(c, i * ldc * sizeof(float));
    Prefetch(c, (i * ldc + kNr - 1) * sizeof(float));
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
  __m256 c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
  __m256 c50 = c00, c51 = c00;
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p, a += kMr, b += kNr) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    TS_FMA_ROW(0);
    TS_FMA_ROW(1);
    TS_FMA_ROW(2);
    TS_FMA_ROW(3);
    TS_FMA_ROW(4);
    TS_FMA_ROW(5);
  }
  alignas(32) float t[kMr][kNr];
  const __m256 rows[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                               {c30, c31}, {c40, c41}, {c50, c51}};
  if (mr == kMr && nr == kNr) {
    for (int i = 0; i < kMr; ++i) {
      float* ci = c + i * ldc;
      __m256 x0 = rows[i][0], x1 = rows[i][1];
      if (accumulate) {
        x0 = _mm256_add_ps(x0, _mm256_loadu_ps(ci));
        x1 = _mm256_add_ps(x1, _mm256_loadu_ps(ci + 8));
      }
      _mm256_storeu_ps(ci, x0);
      _mm256_storeu_ps(ci + 8, x1);
    }
    return;
  }
  for (int i = 0; i < kMr; ++i) {
    _mm256_store_ps(t[i], rows[i][0]);
    _mm256_store_ps(t[i] + 8, rows[i][1]);
  }
  for (int64_t i = 0; i < mr; ++i) {
    for (int64_t j = 0; j < nr; ++j) {
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + t[i][j] : t[i][j];
    }
  }
}
#undef TS_FMA_ROW

// Packs op(B)[:, c0:c0+nc] for every depth block, block pc starting at
// pc * round_up(nc, kNr) floats.
void PackAllDepths(const Gemm<float>& g, int64_t c0, int64_t nc, float* out) {
  const int64_t br = g.b_row(), bc = g.b_col();
  const int64_t nc_padded = (nc + kNr - 1) / kNr * kNr;
  for (int64_t pc = 0; pc < g.k; pc += kKc) {
    PackB(g.b + pc * br + c0 * bc, br, bc, std::min(kKc, g.k - pc), nc,
          out + pc * nc_padded);
  }
}

// C[r0:r0+mc, c0:c0+nc] = op(A)[r0:r0+mc, :] * op(B)[:, c0:c0+nc], with
// that B column range already packed in `bp` (see PackAllDepths).
void MultiplyTile(const Gemm<float>& g, const float* bp, int64_t r0, int64_t mc,
                  int64_t c0, int64_t nc, float* ap) {
  const int64_t ar = g.a_row(), ac = g.a_col();
  const int64_t nc_padded = (nc + kNr - 1) / kNr * kNr;
  float* c = g.c + r0 * g.n + c0;
  for (int64_t pc = 0; pc < g.k; pc += kKc) {
    const int64_t kc = std::min(kKc, g.k - pc);
    PackA(g.a + r0 * ar + pc * ac, ar, ac, mc, kc, ap);
    const float* b_block = bp + pc * nc_padded;
    for (int64_t jr = 0; jr < nc; jr += kNr) {
      for (int64_t ir = 0; ir < mc; ir += kMr) {
        MicroKernel(kc, ap + ir * kc, b_block + jr * kc, c + ir * g.n + jr, g.n,
                    pc > 0, std::min<int64_t>(kMr, mc - ir),
                    std::min<int64_t>(kNr, nc - jr));
      }
    }
  }
}

// The packed GEMM. C is cut into tiles of at most kMc rows by `chunk`
// columns, ordered column chunk first, with a multiple of the worker count
// of row tiles of equal height. Workers (one per thread) claim tiles from a
// shared counter, so a worker whose core is busy elsewhere simply claims
// fewer; each packs the B column chunk it needs (all depths) into its own
// buffer, so there is no barrier and no shared scratch memory.
void PackedGemm(ThreadPool* pool, const Gemm<float>& g) {
  const int64_t m = g.m, n = g.n, k = g.k;
  const int64_t workers =
      pool == nullptr || m * n * k < kMinParallelMacs ? 1 : pool->NumThreads();
  const int64_t row_panels = (m + kMr - 1) / kMr;
  const int64_t row_tiles = std::min(
      row_panels, workers * ((m + kMc * workers - 1) / (kMc * workers)));
  // Wide products get their parallelism from column chunks; a worker's
  // packed B (k x chunk floats) stays under 16 MiB.
  constexpr int64_t kMaxPackedB = int64_t{4} << 20;
  const int64_t col_chunks =
      std::min((2 * workers + row_tiles - 1) / row_tiles, (n + kNr - 1) / kNr);
  const int64_t chunk =
      std::min(((n + col_chunks - 1) / col_chunks + kNr - 1) / kNr * kNr,
               std::max<int64_t>(kNr, kMaxPackedB / k / kNr * kNr));
  const int64_t tiles = row_tiles * ((n + chunk - 1) / chunk);
  auto row_bound = [&](int64_t t) {
    return std::min(m, t * row_panels / row_tiles * kMr);
  };
  std::atomic<int64_t> next_tile{0};
  auto worker = [&](int64_t, int64_t) {
    float* ap = nullptr;
    float* bp = nullptr;
    int64_t packed_chunk = -1;
    for (int64_t t; (t = next_tile.fetch_add(1)) < tiles;) {
      const int64_t rt = t % row_tiles, ct = t / row_tiles;
      const int64_t r0 = row_bound(rt), mc = row_bound(rt + 1) - r0;
      const int64_t c0 = ct * chunk, nc = std::min(chunk, n - c0);
      if (ap == nullptr) {
        ap = PackBuffer(0, (kMc + kMr) * std::min(kKc, k));
        bp = PackBuffer(1, (chunk + kNr) * k);
      }
      if (ap == nullptr || bp == nullptr) {  // out of memory: Eigen needs less
        EigenTile(g, r0, mc, c0, nc);
        continue;
      }
      if (ct != packed_chunk) {
        PackAllDepths(g, c0, nc, bp);
        packed_chunk = ct;
      }
      MultiplyTile(g, bp, r0, mc, c0, nc, ap);
    }
  };
  if (workers <= 1 || tiles <= 1) {
    worker(0, 1);
  } else {
    pool->ParallelFor(std::min(workers, tiles), /*cost_per_unit=*/m * n * k,
                      worker);
  }
}
#endif  // TS_PACKED_SGEMM

// Eigen: one tile of output rows (or columns, when C is wide) per thread.
template <typename T>
void EigenGemm(ThreadPool* pool, const Gemm<T>& g) {
  const int64_t m = g.m, n = g.n, k = g.k;
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n;
  int64_t tiles = 1;
  if (pool != nullptr && m * n * k >= kMinParallelMacs) {
    tiles = std::min<int64_t>(pool->NumThreads(), extent / kMinTile);
  }
  if (tiles <= 1) {
    EigenTile(g, 0, m, 0, n);
    return;
  }
  const int64_t tile = (extent + tiles - 1) / tiles;
  pool->ParallelFor(tiles, /*cost_per_unit=*/m * n * k / tiles,
                    [&](int64_t begin, int64_t end) {
                      const int64_t lo = begin * tile;
                      const int64_t len = std::min(end * tile, extent) - lo;
                      if (split_rows) {
                        EigenTile(g, lo, len, 0, n);
                      } else {
                        EigenTile(g, 0, m, lo, len);
                      }
                    });
}

template <typename T>
void Run(ThreadPool* pool, const Gemm<T>& g) {
#ifdef TS_PACKED_SGEMM
  // Thin products (matrix-vector) would waste most of each 6x16 micro-tile;
  // Eigen's GEMV handles them.
  if constexpr (std::is_same_v<T, float>) {
    if (g.m >= kMr && g.n >= kNr && g.k >= 8) {
      PackedGemm(pool, g);
      return;
    }
  }
#endif
  EigenGemm(pool, g);
}

}  // namespace

// c[m, n] = op(a) * op(b), all row-major; a is [m, k] ([k, m] when
// transposed), b is [k, n] ([n, k] when transposed). k may be 0.
template <typename T>
void LaunchMatMul(ThreadPool* pool, const T* a, const T* b, T* c, int64_t m,
                  int64_t k, int64_t n, bool transpose_a, bool transpose_b) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill_n(c, m * n, T(0));
    return;
  }
  Run(pool, Gemm<T>{a, b, c, m, k, n, transpose_a, transpose_b});
}

#define TS_INSTANTIATE(T)                                                     \
  template void LaunchMatMul<T>(ThreadPool*, const T*, const T*, T*, int64_t, \
                                int64_t, int64_t, bool, bool);
TS_INSTANTIATE(float)
TS_INSTANTIATE(double)
TS_INSTANTIATE(int32_t)
TS_INSTANTIATE(int64_t)
#undef TS_INSTANTIATE

}  // namespace matmul_internal

namespace {

template <typename T>
class MatMulOp : public OpKernel {
 public:
  explicit MatMulOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("transpose_a", &transpose_a_));
    OP_REQUIRES_OK(c, c->GetAttr("transpose_b", &transpose_b_));
    set_expensive(true);
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
    const int64_t m = a.dim_size(transpose_a_ ? 1 : 0);
    const int64_t k = a.dim_size(transpose_a_ ? 0 : 1);
    const int64_t k_b = b.dim_size(transpose_b_ ? 1 : 0);
    const int64_t n = b.dim_size(transpose_b_ ? 0 : 1);
    OP_REQUIRES(
        ctx, k == k_b,
        absl::InvalidArgumentError(absl::StrCat(
            "Matrix size-incompatible: In[0]: ", a.shape().DebugString(),
            ", In[1]: ", b.shape().DebugString(),
            " (transpose_a=", transpose_a_ ? "true" : "false",
            ", transpose_b=", transpose_b_ ? "true" : "false", ")")));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({m, n}), &out));
    matmul_internal::LaunchMatMul<T>(ctx->intra_op_pool(), a.data<T>(),
                                     b.data<T>(), out->data<T>(), m, k, n,
                                     transpose_a_, transpose_b_);
  }

 private:
  bool transpose_a_ = false;
  bool transpose_b_ = false;
};

#define TS_REGISTER(T)     \
  REGISTER_KERNEL_BUILDER( \
      Name("MatMul").Device(kDeviceCpu).TypeConstraint<T>("T"), MatMulOp<T>);
TS_REGISTER(float)
TS_REGISTER(double)
TS_REGISTER(int32_t)
TS_REGISTER(int64_t)
#undef TS_REGISTER

}  // namespace
}  // namespace tessera
