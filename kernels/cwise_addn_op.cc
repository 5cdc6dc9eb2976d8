// CPU kernel for AddN: the element-wise sum of N same-shape tensors (no
// broadcasting, as in TensorFlow).
#include "core/kernel_registry.h"
#include "kernels/cwise_ops.h"

namespace tessera {
namespace cwise {
namespace {

template <typename T>
class AddNOp : public OpKernel {
 public:
  explicit AddNOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    const int n = ctx->num_inputs();
    OP_REQUIRES(ctx, n >= 1,
                absl::InvalidArgumentError("AddN needs at least one input"));
    const Tensor& first = ctx->input(0);
    for (int i = 1; i < n; ++i) {
      OP_REQUIRES(ctx, ctx->input(i).shape() == first.shape(),
                  absl::InvalidArgumentError(absl::StrCat(
                      "AddN inputs must all have the same shape: input 0 has "
                      "shape ",
                      first.shape().DebugString(), " but input ", i,
                      " has shape ", ctx->input(i).shape().DebugString())));
    }
    if (n == 1) {
      ctx->set_output(0, first);
      return;
    }
    // Input 0's buffer may become the output unless a later input reads
    // the same buffer after the first pass has overwritten it.
    bool can_forward = true;
    for (int i = 2; i < n; ++i) {
      can_forward = can_forward && !ctx->input(i).SharesBufferWith(first);
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, can_forward ? ctx->forward_input_or_allocate_output(
                                          0, 0, first.shape(), &out)
                                    : ctx->allocate_output(0, first.shape(),
                                                           &out));
    T* po = out->data<T>();
    // Gathered once so the worker loops do not go through the context.
    absl::InlinedVector<const T*, 8> in(n);
    for (int i = 0; i < n; ++i) in[i] = ctx->input(i).data<T>();
    ParallelRange(ctx, first.NumElements(), n, [&](int64_t b, int64_t e) {
      Sum(in, po, b, e);
    });
  }

 private:
  // First pass writes in[0] + in[1]; later passes accumulate. Element i of
  // the output is only written after in[0][i] (which it may alias) is read.
  static void Sum(absl::Span<const T* const> in, T* out, int64_t b,
                  int64_t e) {
    using C = ComputeType<T>;
    for (int64_t i = b; i < e; ++i) {
      out[i] = static_cast<T>(
          WrapAdd(static_cast<C>(in[0][i]), static_cast<C>(in[1][i])));
    }
    for (size_t k = 2; k < in.size(); ++k) {
      const T* src = in[k];
      for (int64_t i = b; i < e; ++i) {
        out[i] = static_cast<T>(
            WrapAdd(static_cast<C>(out[i]), static_cast<C>(src[i])));
      }
    }
  }
};

#define REGISTER_ADDN(T)                                                 \
  REGISTER_KERNEL_BUILDER(                                               \
      Name("AddN").Device(kDeviceCpu).TypeConstraint<T>("T"), AddNOp<T>)

REGISTER_ADDN(float);
REGISTER_ADDN(double);
REGISTER_ADDN(half);
REGISTER_ADDN(int8_t);
REGISTER_ADDN(int16_t);
REGISTER_ADDN(int32_t);
REGISTER_ADDN(int64_t);
REGISTER_ADDN(uint8_t);

}  // namespace
}  // namespace cwise
}  // namespace tessera
