// CPU kernel for Cast between every numeric type and bool (C++
// static_cast rules, as TensorFlow; complex to real keeps the real part).
// One kernel covers all pairs: the conversion loop is chosen once, when the
// kernel is built. The Truncate attr is accepted but conversions always
// round to nearest (it only matters for float -> half/bfloat16).
#include <complex>
#include <type_traits>

#include "core/kernel_registry.h"
#include "kernels/cwise_ops.h"

namespace tessera {
namespace {

template <typename T>
inline constexpr bool kIsComplex =
    std::is_same_v<T, complex64> || std::is_same_v<T, complex128>;

template <typename T>
inline constexpr bool kCastable = !std::is_same_v<T, tstring>;

// A real value (half types widened to float) as D.
template <typename D, typename S>
D ConvertReal(S s) {
  if constexpr (cwise::kIsHalfLike<S>) {
    return ConvertReal<D>(static_cast<float>(s));
  } else if constexpr (std::is_same_v<D, bool>) {
    return s != S(0);
  } else if constexpr (cwise::kIsHalfLike<D>) {
    return D(static_cast<float>(s));
  } else if constexpr (kIsComplex<D>) {
    return D(static_cast<typename D::value_type>(s), 0);
  } else {
    return static_cast<D>(s);
  }
}

template <typename D, typename S>
D Convert(const S& s) {
  if constexpr (std::is_same_v<S, D>) {
    return s;
  } else if constexpr (kIsComplex<S> && kIsComplex<D>) {
    using V = typename D::value_type;
    return D(static_cast<V>(s.real()), static_cast<V>(s.imag()));
  } else if constexpr (kIsComplex<S> && std::is_same_v<D, bool>) {
    return s != S(0);
  } else if constexpr (kIsComplex<S>) {
    return ConvertReal<D>(s.real());
  } else {
    return ConvertReal<D>(s);
  }
}

using CastFn = void (*)(const void* in, void* out, int64_t begin,
                        int64_t end);

template <typename S, typename D>
void CastRange(const void* in, void* out, int64_t begin, int64_t end) {
  const S* src = static_cast<const S*>(in);
  D* dst = static_cast<D*>(out);
  for (int64_t i = begin; i < end; ++i) dst[i] = Convert<D>(src[i]);
}

// The conversion loop for (src, dst), or nullptr when unsupported.
CastFn GetCastFn(DataType src, DataType dst) {
  CastFn fn = nullptr;
  VisitDataType(src, [&](auto s) {
    using S = decltype(s);
    if constexpr (kCastable<S>) {
      VisitDataType(dst, [&](auto d) {
        using D = decltype(d);
        if constexpr (kCastable<D>) fn = &CastRange<S, D>;
      });
    }
  });
  return fn;
}

class CastOp : public OpKernel {
 public:
  explicit CastOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("SrcT", &src_));
    OP_REQUIRES_OK(c, c->GetAttr("DstT", &dst_));
    if (src_ == dst_) return;  // forwarded, whatever the type
    fn_ = GetCastFn(src_, dst_);
    OP_REQUIRES(c, fn_ != nullptr,
                absl::UnimplementedError(absl::StrCat(
                    "Unsupported cast from ", DataTypeString(src_), " to ",
                    DataTypeString(dst_))));
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES_OK(ctx, cwise::CheckInputTypes(*ctx));
    const Tensor& x = ctx->input(0);
    if (src_ == dst_) {
      ctx->set_output(0, x);
      return;
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &out));
    const void* in = x.raw_data();
    void* po = out->raw_data();
    CastFn fn = fn_;
    cwise::ParallelRange(ctx, x.NumElements(), 2, [&](int64_t b, int64_t e) {
      fn(in, po, b, e);
    });
  }

 private:
  DataType src_ = DT_INVALID, dst_ = DT_INVALID;
  CastFn fn_ = nullptr;
};

REGISTER_KERNEL_BUILDER(Name("Cast").Device(kDeviceCpu), CastOp);

}  // namespace
}  // namespace tessera
