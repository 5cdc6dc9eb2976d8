// CPU kernels for the broadcasting arithmetic ops that cannot fail on
// values: Add, AddV2, Sub, Mul, SquaredDifference, Maximum, Minimum.
#include <cmath>
#include <string>

#include "core/kernel_registry.h"
#include "kernels/cwise_ops.h"

namespace tessera {
namespace cwise {
namespace {

struct AddF : NoCheck {
  template <typename C>
  C operator()(const C& a, const C& b) const {
    return WrapAdd(a, b);
  }
};

struct SubF : NoCheck {
  template <typename C>
  C operator()(C a, C b) const {
    return WrapSub(a, b);
  }
};

struct MulF : NoCheck {
  template <typename C>
  C operator()(C a, C b) const {
    return WrapMul(a, b);
  }
};

struct SquaredDifferenceF : NoCheck {
  template <typename C>
  C operator()(C a, C b) const {
    const C d = WrapSub(a, b);
    return WrapMul(d, d);
  }
};

// NaN propagates, as in TensorFlow 2 (std::max would drop it on one side).
struct MaximumF : NoCheck {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
    }
    return a > b ? a : b;
  }
};

struct MinimumF : NoCheck {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
    }
    return a < b ? a : b;
  }
};

#define REGISTER_BINARY(OP, T, F)                                     \
  REGISTER_KERNEL_BUILDER(                                            \
      Name(OP).Device(kDeviceCpu).TypeConstraint<T>("T"), BinaryOp<T, T, F>)

// Add and AddV2 share instantiations.
#define REGISTER_ADD(T)        \
  REGISTER_BINARY("Add", T, AddF); \
  REGISTER_BINARY("AddV2", T, AddF)

REGISTER_ADD(float);
REGISTER_ADD(double);
REGISTER_ADD(half);
REGISTER_ADD(int8_t);
REGISTER_ADD(int16_t);
REGISTER_ADD(int32_t);
REGISTER_ADD(int64_t);
REGISTER_ADD(uint8_t);
REGISTER_BINARY("Add", tstring, AddF);  // string concatenation, as in TF

#define REGISTER_SUB_MUL(T)         \
  REGISTER_BINARY("Sub", T, SubF); \
  REGISTER_BINARY("Mul", T, MulF)

REGISTER_SUB_MUL(float);
REGISTER_SUB_MUL(double);
REGISTER_SUB_MUL(half);
REGISTER_SUB_MUL(int8_t);
REGISTER_SUB_MUL(int16_t);
REGISTER_SUB_MUL(int32_t);
REGISTER_SUB_MUL(int64_t);
REGISTER_SUB_MUL(uint8_t);

#define REGISTER_OTHERS(T)                                   \
  REGISTER_BINARY("SquaredDifference", T, SquaredDifferenceF); \
  REGISTER_BINARY("Maximum", T, MaximumF);                   \
  REGISTER_BINARY("Minimum", T, MinimumF)

REGISTER_OTHERS(float);
REGISTER_OTHERS(double);
REGISTER_OTHERS(half);
REGISTER_OTHERS(int32_t);
REGISTER_OTHERS(int64_t);

}  // namespace
}  // namespace cwise
}  // namespace tessera
