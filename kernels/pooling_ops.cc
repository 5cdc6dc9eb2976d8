// CPU kernels for MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad: NHWC,
// float and double.
//
// NHWC keeps the channels innermost, so every inner loop here runs over one
// pixel's contiguous channels and vectorizes (with the dynamic vectorizer
// cost model, see kernels/BUILD). Windows only visit valid input pixels, so
// SAME padding never contributes: a max ignores it and an average divides
// by the count of valid pixels, as in TensorFlow. The forward kernels split
// the work by output row, the gradients by image (their windows may
// overlap, so each image's dx has one writer).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "kernels/conv_direct.h"
#include "kernels/kernel_util.h"
#include "kernels/window_util.h"

namespace tessera {
namespace {

using window::Geometry;

// The valid input rows [h0, h1) and columns [w0, w1) of a window.
struct Span {
  int64_t h0, h1, w0, w1;
  int64_t count() const { return (h1 - h0) * (w1 - w0); }
};

Span WindowAt(const Geometry& g, int64_t oh, int64_t ow) {
  const int64_t hs = oh * g.stride_h - g.pad_top;
  const int64_t ws = ow * g.stride_w - g.pad_left;
  return {std::max<int64_t>(hs, 0), std::min(hs + g.k_h, g.in_h),
          std::max<int64_t>(ws, 0), std::min(ws + g.k_w, g.in_w)};
}

// Calls fn(pixel) with the offset of each valid pixel of the window, in
// row-major order (which decides ties in MaxPoolGrad).
template <typename Fn>
void ForEachPixel(const Geometry& g, const Span& s, Fn&& fn) {
  for (int64_t h = s.h0; h < s.h1; ++h) {
    for (int64_t w = s.w0; w < s.w1; ++w) fn((h * g.in_w + w) * g.depth);
  }
}

int64_t InImage(const Geometry& g) { return g.in_h * g.in_w * g.depth; }
int64_t OutImage(const Geometry& g) { return g.out_h * g.out_w * g.depth; }

// Work units of ~this many cycles per output element, for RunParallel.
int64_t Cost(const Geometry& g) { return 2 * g.k_h * g.k_w; }

// ---- Forward.

// Channel blocks of one vector, then the remaining channels one by one.
template <typename T, typename Block, typename Single>
void ForEachChannel(int64_t c, Block&& block, Single&& single) {
  constexpr int64_t kLanes = conv_direct::kLanes<T>;
  int64_t i = 0;
  for (; i + kLanes <= c; i += kLanes) block(i);
  for (; i < c; ++i) single(i);
}

template <typename T>
void MaxPoolRow(const Geometry& g, const T* img, int64_t oh, T* out) {
  using V = conv_direct::Vec<T>;
  for (int64_t ow = 0; ow < g.out_w; ++ow, out += g.depth) {
    const Span s = WindowAt(g, oh, ow);
    const T* first = img + (s.h0 * g.in_w + s.w0) * g.depth;
    ForEachChannel<T>(
        g.depth,
        [&](int64_t i) {
          V m = conv_direct::Load(first + i);
          ForEachPixel(g, s, [&](int64_t p) {
            const V x = conv_direct::Load(img + p + i);
            m = x > m ? x : m;
          });
          conv_direct::Store(out + i, m);
        },
        [&](int64_t i) {
          T m = first[i];
          ForEachPixel(g, s, [&](int64_t p) { m = std::max(m, img[p + i]); });
          out[i] = m;
        });
  }
}

template <typename T>
void AvgPoolRow(const Geometry& g, const T* img, int64_t oh, T* out) {
  const int64_t c = g.depth;
  for (int64_t ow = 0; ow < g.out_w; ++ow, out += c) {
    const Span s = WindowAt(g, oh, ow);
    T* __restrict o = out;
    std::fill_n(o, c, T(0));
    ForEachPixel(g, s, [&](int64_t p) {
      const T* __restrict x = img + p;
      for (int64_t i = 0; i < c; ++i) o[i] += x[i];
    });
    const T count = static_cast<T>(s.count());
    for (int64_t i = 0; i < c; ++i) o[i] /= count;
  }
}

// Runs row(g, image, oh, output row) for every output row.
template <typename T, typename Row>
void PoolForward(OpKernelContext* ctx, const Geometry& g, const T* in, T* out,
                 Row row) {
  RunParallel(ctx, g.batch * g.out_h, g.out_w * g.depth * Cost(g),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  const int64_t n = i / g.out_h, oh = i % g.out_h;
                  row(g, in + n * InImage(g), oh,
                      out + n * OutImage(g) + oh * g.out_w * g.depth);
                }
              });
}

// ---- Gradients.

// Whether the windows tile the input exactly (each input pixel in exactly
// one window), so that MaxPoolGrad can store instead of accumulate.
bool Tiles(const Geometry& g) {
  return g.stride_h == g.k_h && g.stride_w == g.k_w && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h * g.k_h == g.in_h &&
         g.out_w * g.k_w == g.in_w;
}

// dx for one image: each window's gradient goes to its first maximum,
// found again from the input (as TensorFlow's CPU kernel does). `rest`
// holds, per channel, the gradient not yet routed.
template <typename T>
void MaxPoolGradImage(const Geometry& g, const T* img, const T* grad, T* dx) {
  using V = conv_direct::Vec<T>;
  const bool tiles = Tiles(g);
  if (!tiles) std::fill_n(dx, InImage(g), T(0));
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    for (int64_t ow = 0; ow < g.out_w; ++ow, grad += g.depth) {
      const Span s = WindowAt(g, oh, ow);
      const T* first = img + (s.h0 * g.in_w + s.w0) * g.depth;
      ForEachChannel<T>(
          g.depth,
          [&](int64_t i) {
            V m = conv_direct::Load(first + i);
            ForEachPixel(g, s, [&](int64_t p) {
              const V x = conv_direct::Load(img + p + i);
              m = x > m ? x : m;
            });
            V rest = conv_direct::Load(grad + i);
            const V zero = {};
            ForEachPixel(g, s, [&](int64_t p) {
              const auto hit = conv_direct::Load(img + p + i) == m;
              V take = hit ? rest : zero;
              rest = hit ? zero : rest;
              if (!tiles) take += conv_direct::Load(dx + p + i);
              conv_direct::Store(dx + p + i, take);
            });
          },
          [&](int64_t i) {
            T m = first[i];
            ForEachPixel(g, s, [&](int64_t p) { m = std::max(m, img[p + i]); });
            bool routed = false;
            ForEachPixel(g, s, [&](int64_t p) {
              const bool hit = !routed && img[p + i] == m;
              routed = routed || hit;
              const T take = hit ? grad[i] : T(0);
              dx[p + i] = tiles ? take : dx[p + i] + take;
            });
          });
    }
  }
}

template <typename T>
void AvgPoolGradImage(const Geometry& g, const T* grad, T* dx) {
  const int64_t c = g.depth;
  std::fill_n(dx, InImage(g), T(0));
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    for (int64_t ow = 0; ow < g.out_w; ++ow, grad += c) {
      const Span s = WindowAt(g, oh, ow);
      const T scale = T(1) / static_cast<T>(s.count());
      const T* __restrict dy = grad;
      ForEachPixel(g, s, [&](int64_t p) {
        T* __restrict d = dx + p;
        for (int64_t i = 0; i < c; ++i) d[i] += dy[i] * scale;
      });
    }
  }
}

// ---- Kernels.

using window::PoolKernel;
using window::PooledShape;

// MaxPool (kMax) and AvgPool.
template <typename T, bool kMax>
class PoolOp : public PoolKernel {
 public:
  using PoolKernel::PoolKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    window::Geometry g;
    OP_REQUIRES_OK(ctx, MakeGeometry(input.shape(), &g));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, PooledShape(g), &out));
    if (out->NumElements() == 0) return;
    PoolForward<T>(ctx, g, input.data<T>(), out->data<T>(),
                   kMax ? MaxPoolRow<T> : AvgPoolRow<T>);
  }
};

template <typename T>
class MaxPoolGradOp : public PoolKernel {
 public:
  using PoolKernel::PoolKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& grad = ctx->input(2);
    window::Geometry g;
    OP_REQUIRES_OK(ctx, MakeGeometry(input.shape(), &g));
    OP_REQUIRES_OK(ctx, CheckPooled(g, "orig_output", ctx->input(1)));
    OP_REQUIRES_OK(ctx, CheckPooled(g, "grad", grad));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, input.shape(), &dx));
    if (dx->NumElements() == 0) return;
    if (grad.NumElements() == 0) {
      std::fill_n(dx->data<T>(), dx->NumElements(), T(0));
      return;
    }
    const T* in = input.data<T>();
    const T* dy = grad.data<T>();
    T* out = dx->data<T>();
    RunParallel(ctx, g.batch, OutImage(g) * 2 * Cost(g),
                [&](int64_t begin, int64_t end) {
                  for (int64_t n = begin; n < end; ++n) {
                    MaxPoolGradImage(g, in + n * InImage(g),
                                     dy + n * OutImage(g),
                                     out + n * InImage(g));
                  }
                });
  }
};

template <typename T>
class AvgPoolGradOp : public PoolKernel {
 public:
  using PoolKernel::PoolKernel;
  void Compute(OpKernelContext* ctx) override {
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
    if (dx->NumElements() == 0) return;
    const T* dy = grad.data<T>();
    T* out = dx->data<T>();
    RunParallel(ctx, g.batch, OutImage(g) * Cost(g),
                [&](int64_t begin, int64_t end) {
                  for (int64_t n = begin; n < end; ++n) {
                    AvgPoolGradImage(g, dy + n * OutImage(g),
                                     out + n * InImage(g));
                  }
                });
  }
};

#define TS_REGISTER(T)                                                      \
  REGISTER_KERNEL_BUILDER(                                                  \
      Name("MaxPool").Device(kDeviceCpu).TypeConstraint<T>("T"),            \
      PoolOp<T, true>);                                                     \
  REGISTER_KERNEL_BUILDER(                                                  \
      Name("AvgPool").Device(kDeviceCpu).TypeConstraint<T>("T"),            \
      PoolOp<T, false>);                                                    \
  REGISTER_KERNEL_BUILDER(                                                  \
      Name("MaxPoolGrad").Device(kDeviceCpu).TypeConstraint<T>("T"),        \
      MaxPoolGradOp<T>);                                                    \
  REGISTER_KERNEL_BUILDER(                                                  \
      Name("AvgPoolGrad").Device(kDeviceCpu).TypeConstraint<T>("T"),        \
      AvgPoolGradOp<T>);
TS_REGISTER(float)
TS_REGISTER(double)
#undef TS_REGISTER

}  // namespace
}  // namespace tessera
