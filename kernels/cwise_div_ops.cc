// CPU kernels for the broadcasting ops whose integer forms can fail on
// values: Div, RealDiv, DivNoNan, FloorDiv, FloorMod and Pow. Integer division by
// zero and integer negative powers are reported as errors (they would trap
// or be meaningless), and INT_MIN / -1 wraps instead of trapping.
#include <cmath>
#include <limits>

#include "core/kernel_registry.h"
#include "kernels/cwise_ops.h"

namespace tessera {
namespace cwise {
namespace {

// Rejects integer divisors equal to zero.
struct NonZeroDivisor {
  template <typename T>
  static absl::Status CheckX(const T*, int64_t) {
    return absl::OkStatus();
  }
  template <typename T>
  static absl::Status CheckY(const T* y, int64_t n) {
    if constexpr (std::is_integral_v<T>) {
      for (int64_t i = 0; i < n; ++i) {
        if (y[i] == 0) {
          return absl::InvalidArgumentError("Integer division by zero");
        }
      }
    }
    return absl::OkStatus();
  }
};

// Truncating integer division (C semantics, as TF's Div on integers);
// true division for floats.
struct DivF : NonZeroDivisor {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (kIsSignedInt<C>) {
      if (b == -1) return WrapNeg(a);
    }
    return a / b;
  }
};

struct FloorDivF : NonZeroDivisor {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      return std::floor(a / b);
    } else if constexpr (kIsSignedInt<C>) {
      if (b == -1) return WrapNeg(a);
      const C q = a / b;
      // Round toward -inf when the signs differ and there is a remainder.
      return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    } else {
      return a / b;
    }
  }
};

// The remainder takes the divisor's sign: x - floor(x / y) * y.
struct FloorModF : NonZeroDivisor {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      const C r = std::fmod(a, b);
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    } else if constexpr (kIsSignedInt<C>) {
      if (b == -1) return 0;
      const C r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<C>(r + b) : r;
    } else {
      return a % b;
    }
  }
};

// tf.math.divide_no_nan: 0 where the divisor is 0 (floats only).
struct DivNoNanF : NonZeroDivisor {
  template <typename C>
  C operator()(C a, C b) const {
    return b == C(0) ? C(0) : a / b;
  }
};

struct NonNegativeExponent {
  template <typename T>
  static absl::Status CheckX(const T*, int64_t) {
    return absl::OkStatus();
  }
  template <typename T>
  static absl::Status CheckY(const T* y, int64_t n) {
    if constexpr (kIsSignedInt<T>) {
      for (int64_t i = 0; i < n; ++i) {
        if (y[i] < 0) {
          return absl::InvalidArgumentError(
              "Integers to negative integer powers are not allowed");
        }
      }
    }
    return absl::OkStatus();
  }
};

struct PowF : NonNegativeExponent {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      return std::pow(a, b);
    } else {
      // Exponentiation by squaring, wrapping on overflow.
      C result = 1;
      while (b > 0) {
        if (b & 1) result = WrapMul(result, a);
        a = WrapMul(a, a);
        b >>= 1;
      }
      return result;
    }
  }
};

#define REGISTER_BINARY(OP, T, F, COST)                              \
  REGISTER_KERNEL_BUILDER(Name(OP).Device(kDeviceCpu).TypeConstraint<T>("T"), \
                          BinaryOp<T, T, F, COST>)

#define REGISTER_DIVS(T)                       \
  REGISTER_BINARY("Div", T, DivF, 4);          \
  REGISTER_BINARY("FloorDiv", T, FloorDivF, 8)

REGISTER_DIVS(float);
REGISTER_DIVS(double);
REGISTER_DIVS(half);
REGISTER_DIVS(uint8_t);
REGISTER_DIVS(int16_t);
REGISTER_DIVS(int32_t);
REGISTER_DIVS(int64_t);

REGISTER_BINARY("RealDiv", float, DivF, 4);
REGISTER_BINARY("RealDiv", double, DivF, 4);
REGISTER_BINARY("RealDiv", half, DivF, 4);
REGISTER_BINARY("DivNoNan", float, DivNoNanF, 5);
REGISTER_BINARY("DivNoNan", double, DivNoNanF, 5);
REGISTER_BINARY("DivNoNan", half, DivNoNanF, 5);

#define REGISTER_MOD_POW(T)                     \
  REGISTER_BINARY("FloorMod", T, FloorModF, 8); \
  REGISTER_BINARY("Pow", T, PowF, 20)

REGISTER_MOD_POW(float);
REGISTER_MOD_POW(double);
REGISTER_MOD_POW(half);
REGISTER_MOD_POW(int32_t);
REGISTER_MOD_POW(int64_t);

}  // namespace
}  // namespace cwise
}  // namespace tessera
