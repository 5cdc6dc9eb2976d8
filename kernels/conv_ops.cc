// CPU kernels for Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter:
// NHWC, float and double.
//
// In NHWC an HWIO filter is already the [kh * kw * in_c, out_c] row-major
// matrix W, and an image's output is its im2col matrix (one patch of
// kh * kw * in_c inputs per output pixel) times W. Three paths:
//  - direct (kernels/conv_direct.h): register-tiled products that read the
//    patches straight from the (padded) image, for the forward pass and the
//    filter gradient when out_c is a multiple of one vector, and for the
//    input gradient always; building an im2col copy costs more than the
//    product at the small channel counts of early layers;
//  - 1x1, stride 1, unpadded: the input is its own im2col matrix, so each
//    op is one GEMM (Eigen, on row-major maps);
//  - otherwise im2col blocks of at most ~1 MiB in per-thread scratch, each
//    multiplied with Eigen while still in cache.
// Work splits by image (or block); the filter gradient sums one partial
// per worker.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "kernels/conv_direct.h"
#include "kernels/kernel_util.h"
#include "kernels/window_util.h"

namespace tessera {
namespace {

using window::Geometry;

template <typename T>
using RowMatrix =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;

// Upper bound on one im2col block (unless a single output row is larger).
constexpr int64_t kBlockBytes = int64_t{1} << 20;

// Conv2D's sizes: the window geometry plus the filter's output channels.
struct Conv {
  Geometry g;
  int64_t out_c = 0;
  int64_t patch() const { return g.k_h * g.k_w * g.depth; }
  // The input is its own im2col matrix.
  bool pointwise() const {
    return g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
           g.pad_top == 0 && g.pad_left == 0 && g.out_h == g.in_h &&
           g.out_w == g.in_w;
  }
  // Output rows per im2col block, and blocks per image.
  int64_t block_rows(int64_t elem_bytes) const {
    const int64_t row_bytes = std::max<int64_t>(1, g.out_w * patch() * elem_bytes);
    return std::clamp<int64_t>(kBlockBytes / row_bytes, 1,
                               std::max<int64_t>(g.out_h, 1));
  }
  int64_t in_image() const { return g.in_h * g.in_w * g.depth; }
  int64_t out_image() const { return g.out_h * g.out_w * out_c; }
};

// A per-thread buffer of at least n elements, kept between calls.
template <typename T>
T* Scratch(int64_t n) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(n);
  return buffer.data();
}

// Taps [*lo, *hi) of a window starting at `start` that land in [0, size).
void ValidTaps(int64_t start, int64_t dilation, int64_t k, int64_t size,
               int64_t* lo, int64_t* hi) {
  *lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  *hi = size - 1 - start < 0 ? 0
                             : std::min(k, (size - 1 - start) / dilation + 1);
  *hi = std::max(*hi, *lo);
}

// The im2col rows of output rows [oh0, oh1) of one image: per output
// pixel, its patch of k_h x k_w x depth inputs (zero for padding).
template <typename T>
void Im2Col(const Geometry& g, const T* img, int64_t oh0, int64_t oh1,
            T* col) {
  const int64_t c = g.depth, row_len = g.k_w * c;
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const int64_t iw0 = ow * g.stride_w - g.pad_left;
      int64_t kw0, kw1;
      ValidTaps(iw0, g.dil_w, g.k_w, g.in_w, &kw0, &kw1);
      for (int64_t kh = 0; kh < g.k_h; ++kh, col += row_len) {
        const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dil_h;
        const bool row_ok = ih >= 0 && ih < g.in_h;
        const int64_t lo = row_ok ? kw0 : g.k_w, hi = row_ok ? kw1 : g.k_w;
        std::fill_n(col, lo * c, T(0));
        std::fill_n(col + hi * c, (g.k_w - hi) * c, T(0));
        for (int64_t kw = lo; kw < hi; ++kw) {
          std::copy_n(img + (ih * g.in_w + iw0 + kw * g.dil_w) * c, c,
                      col + kw * c);
        }
      }
    }
  }
}

// ---- The three computations.

// Conv2D through conv_direct, one image per work unit.
template <typename T>
void DirectForward(OpKernelContext* ctx, const Conv& cv, const T* in,
                   const T* filter, T* out) {
  const Geometry& g = cv.g;
  const int64_t k = cv.patch();
  const std::vector<int64_t> off =
      conv_direct::TapOffsets(g, conv_direct::Pitch(g));
  RunParallel(ctx, g.batch, cv.out_image() * k, [&](int64_t begin,
                                                    int64_t end) {
    T* scratch = Scratch<T>(conv_direct::PaddedSize(g));
    for (int64_t n = begin; n < end; ++n) {
      const T* src =
          conv_direct::PaddedImage(g, in + n * cv.in_image(), scratch);
      conv_direct::ForwardImage(g, cv.out_c, src, conv_direct::Pitch(g),
                                off.data(), k, filter,
                                out + n * cv.out_image());
    }
  });
}

template <typename T>
void Forward(OpKernelContext* ctx, const Conv& cv, const T* in,
             const T* filter, T* out) {
  if (conv_direct::Supports<T>(cv.out_c) && !cv.pointwise()) {
    return DirectForward(ctx, cv, in, filter, out);
  }
  const Geometry& g = cv.g;
  const int64_t k = cv.patch(), rows = cv.block_rows(sizeof(T));
  const int64_t per_image = (g.out_h + rows - 1) / rows;
  ConstMatrixMap<T> w(filter, k, cv.out_c);
  RunParallel(ctx, g.batch * per_image, rows * g.out_w * k * cv.out_c,
              [&](int64_t begin, int64_t end) {
    T* col = cv.pointwise() ? nullptr : Scratch<T>(rows * g.out_w * k);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / per_image, oh0 = i % per_image * rows;
      const int64_t oh1 = std::min(oh0 + rows, g.out_h);
      const T* img = in + n * cv.in_image();
      const T* patches = col;
      if (col == nullptr) {
        patches = img + oh0 * g.in_w * g.depth;
      } else {
        Im2Col(g, img, oh0, oh1, col);
      }
      const int64_t m = (oh1 - oh0) * g.out_w;
      MatrixMap<T>(out + n * cv.out_image() + oh0 * g.out_w * cv.out_c, m,
                   cv.out_c)
          .noalias() = ConstMatrixMap<T>(patches, m, k) * w;
    }
  });
}

// The 1x1 case: dx = dy * W^T.
template <typename T>
void PointwiseBackpropInput(OpKernelContext* ctx, const Conv& cv,
                            const T* filter, const T* dy, T* dx) {
  const Geometry& g = cv.g;
  const int64_t m = g.batch * g.in_h * g.in_w;
  RunParallel(ctx, m, cv.out_c * g.depth, [&](int64_t begin, int64_t end) {
    MatrixMap<T>(dx + begin * g.depth, end - begin, g.depth).noalias() =
        ConstMatrixMap<T>(dy + begin * cv.out_c, end - begin, cv.out_c) *
        ConstMatrixMap<T>(filter, g.depth, cv.out_c).transpose();
  });
}

// dx = col2im(dy * W^T) through conv_direct, one image per work unit.
template <typename T>
void BackpropInput(OpKernelContext* ctx, const Conv& cv, const T* filter,
                   const T* dy, T* dx) {
  if (cv.pointwise()) return PointwiseBackpropInput(ctx, cv, filter, dy, dx);
  const Geometry& g = cv.g;
  const int64_t k = cv.patch(), lanes = conv_direct::kLanes<T>;
  const int64_t kp = (k + lanes - 1) / lanes * lanes;
  std::vector<T> wt(cv.out_c * kp, T(0));  // W^T, rows padded to kp
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t o = 0; o < cv.out_c; ++o) wt[o * kp + i] = filter[i * cv.out_c + o];
  }
  const bool inside = conv_direct::InsideImage(g);
  const int64_t pitch = conv_direct::Pitch(g);
  const std::vector<int64_t> off = conv_direct::TapOffsets(g, pitch);
  std::vector<int64_t> chan_off(cv.out_c);
  for (int64_t o = 0; o < cv.out_c; ++o) chan_off[o] = o;
  const int64_t padded = conv_direct::PaddedSize(g);
  RunParallel(ctx, g.batch, cv.out_image() * k, [&](int64_t begin,
                                                    int64_t end) {
    T* scratch = Scratch<T>((inside ? 0 : padded) + 8 * kp);
    T* tile = scratch + (inside ? 0 : padded);
    for (int64_t n = begin; n < end; ++n) {
      T* img = dx + n * cv.in_image();
      T* dst = inside ? img : scratch;
      std::fill_n(dst, inside ? cv.in_image() : padded, T(0));
      conv_direct::InputGradImage(g, cv.out_c, wt.data(), kp, off.data(), k,
                                  chan_off.data(), dy + n * cv.out_image(),
                                  dst, pitch, tile);
      if (!inside) conv_direct::UnpadImage(g, scratch, pitch, img);
    }
  });
}

// dw = the sum over `units` of fn(begin, end, sum) (which adds units
// [begin, end) into the zeroed [size] buffer `sum`): one partial sum per
// shard (shard 0's in dw itself), added up at the end.
template <typename T, typename Fn>
void ShardedSum(OpKernelContext* ctx, int64_t units, int64_t cost_per_unit,
                int64_t size, T* dw, Fn&& fn) {
  ThreadPool* pool = ctx->intra_op_pool();
  const int64_t shards = std::max<int64_t>(
      1, std::min<int64_t>(units, pool ? pool->NumThreads() : 1));
  std::vector<T> partials((shards - 1) * size);
  RunParallel(ctx, shards, units / shards * cost_per_unit,
              [&](int64_t begin, int64_t end) {
                for (int64_t s = begin; s < end; ++s) {
                  T* sum = s == 0 ? dw : partials.data() + (s - 1) * size;
                  std::fill_n(sum, size, T(0));
                  fn(units * s / shards, units * (s + 1) / shards, sum);
                }
              });
  for (int64_t s = 1; s < shards; ++s) {
    const T* p = partials.data() + (s - 1) * size;
    for (int64_t i = 0; i < size; ++i) dw[i] += p[i];
  }
}

// dW = col^T * dy, summed over images (direct) or im2col blocks.
template <typename T>
void BackpropFilter(OpKernelContext* ctx, const Conv& cv, const T* in,
                    const T* dy, T* dw) {
  const Geometry& g = cv.g;
  const int64_t k = cv.patch(), size = k * cv.out_c;
  if (conv_direct::Supports<T>(cv.out_c) && !cv.pointwise()) {
    const std::vector<int64_t> off =
        conv_direct::TapOffsets(g, conv_direct::Pitch(g));
    ShardedSum(ctx, g.batch, cv.out_image() * k, size, dw,
               [&](int64_t begin, int64_t end, T* sum) {
      T* scratch = Scratch<T>(conv_direct::PaddedSize(g));
      for (int64_t n = begin; n < end; ++n) {
        const T* src =
            conv_direct::PaddedImage(g, in + n * cv.in_image(), scratch);
        conv_direct::FilterGradImage(g, cv.out_c, src, conv_direct::Pitch(g),
                                     off.data(), k, dy + n * cv.out_image(),
                                     sum);
      }
    });
    return;
  }
  const int64_t rows = cv.block_rows(sizeof(T));
  const int64_t per_image = (g.out_h + rows - 1) / rows;
  ShardedSum(ctx, g.batch * per_image, rows * g.out_w * size, size, dw,
             [&](int64_t begin, int64_t end, T* dw_sum) {
    T* col = cv.pointwise() ? nullptr : Scratch<T>(rows * g.out_w * k);
    MatrixMap<T> sum(dw_sum, k, cv.out_c);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / per_image, oh0 = i % per_image * rows;
      const int64_t oh1 = std::min(oh0 + rows, g.out_h);
      const T* img = in + n * cv.in_image();
      const T* patches = col;
      if (col == nullptr) {
        patches = img + oh0 * g.in_w * g.depth;
      } else {
        Im2Col(g, img, oh0, oh1, col);
      }
      const int64_t m = (oh1 - oh0) * g.out_w;
      sum.noalias() +=
          ConstMatrixMap<T>(patches, m, k).transpose() *
          ConstMatrixMap<T>(dy + n * cv.out_image() + oh0 * g.out_w * cv.out_c,
                            m, cv.out_c);
    }
  });
}

// ---- Kernels.

// Validates the filter against the input and fills the sizes.
absl::Status MakeConv(const std::string& op, const window::Attrs& attrs,
                      const TensorShape& input, const TensorShape& filter,
                      Conv* cv) {
  return window::ConvGeometry(op, attrs, input, filter, &cv->g, &cv->out_c);
}

TensorShape OutputShape(const Conv& cv) {
  return TensorShape({cv.g.batch, cv.g.out_h, cv.g.out_w, cv.out_c});
}

// out_backprop must have the shape Conv2D's output would have.
absl::Status CheckOutBackprop(const std::string& op, const Conv& cv,
                              const TensorShape& dy) {
  if (dy != OutputShape(cv)) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": out_backprop has shape ", dy.DebugString(), " but the "
        "convolution's output has shape ", OutputShape(cv).DebugString()));
  }
  return absl::OkStatus();
}

class ConvKernel : public OpKernel {
 public:
  explicit ConvKernel(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, attrs_.Read(*c, /*pool=*/false));
    set_expensive(true);
  }

 protected:
  window::Attrs attrs_;
};

template <typename T>
class Conv2DOp : public ConvKernel {
 public:
  using ConvKernel::ConvKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& filter = ctx->input(1);
    Conv cv;
    OP_REQUIRES_OK(ctx, MakeConv(type_string(), attrs_, input.shape(),
                                 filter.shape(), &cv));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, OutputShape(cv), &out));
    if (out->NumElements() == 0) return;
    if (cv.patch() == 0) {
      std::fill_n(out->data<T>(), out->NumElements(), T(0));
      return;
    }
    Forward<T>(ctx, cv, input.data<T>(), filter.data<T>(), out->data<T>());
  }
};

template <typename T>
class Conv2DBackpropInputOp : public ConvKernel {
 public:
  using ConvKernel::ConvKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& filter = ctx->input(1);
    const Tensor& dy = ctx->input(2);
    TensorShape input;
    OP_REQUIRES_OK(ctx, window::ShapeFromTensor(type_string(), "input_sizes",
                                                ctx->input(0), &input));
    Conv cv;
    OP_REQUIRES_OK(ctx,
                   MakeConv(type_string(), attrs_, input, filter.shape(), &cv));
    OP_REQUIRES_OK(ctx, CheckOutBackprop(type_string(), cv, dy.shape()));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, input, &dx));
    if (dx->NumElements() == 0) return;
    if (dy.NumElements() == 0 || cv.out_c == 0) {
      std::fill_n(dx->data<T>(), dx->NumElements(), T(0));
      return;
    }
    BackpropInput<T>(ctx, cv, filter.data<T>(), dy.data<T>(), dx->data<T>());
  }
};

template <typename T>
class Conv2DBackpropFilterOp : public ConvKernel {
 public:
  using ConvKernel::ConvKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& dy = ctx->input(2);
    TensorShape filter;
    OP_REQUIRES_OK(ctx, window::ShapeFromTensor(type_string(), "filter_sizes",
                                                ctx->input(1), &filter));
    Conv cv;
    OP_REQUIRES_OK(ctx,
                   MakeConv(type_string(), attrs_, input.shape(), filter, &cv));
    OP_REQUIRES_OK(ctx, CheckOutBackprop(type_string(), cv, dy.shape()));
    Tensor* dw = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, filter, &dw));
    if (dw->NumElements() == 0) return;
    if (dy.NumElements() == 0) {
      std::fill_n(dw->data<T>(), dw->NumElements(), T(0));
      return;
    }
    BackpropFilter<T>(ctx, cv, input.data<T>(), dy.data<T>(), dw->data<T>());
  }
};

#define TS_REGISTER(T)                                                     \
  REGISTER_KERNEL_BUILDER(                                                 \
      Name("Conv2D").Device(kDeviceCpu).TypeConstraint<T>("T"),            \
      Conv2DOp<T>);                                                        \
  REGISTER_KERNEL_BUILDER(Name("Conv2DBackpropInput")                      \
                              .Device(kDeviceCpu)                          \
                              .TypeConstraint<T>("T"),                     \
                          Conv2DBackpropInputOp<T>);                       \
  REGISTER_KERNEL_BUILDER(Name("Conv2DBackpropFilter")                     \
                              .Device(kDeviceCpu)                          \
                              .TypeConstraint<T>("T"),                     \
                          Conv2DBackpropFilterOp<T>);
TS_REGISTER(float)
TS_REGISTER(double)
#undef TS_REGISTER

}  // namespace
}  // namespace tessera
