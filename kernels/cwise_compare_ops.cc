// CPU kernels for the broadcasting comparisons (bool output) and the
// logical ops: Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual,
// LogicalAnd, LogicalOr, LogicalNot.
#include <string>

#include "core/kernel_registry.h"
#include "kernels/cwise_ops.h"

namespace tessera {
namespace cwise {
namespace {

struct EqualF : NoCheck {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a == b;
  }
};
struct NotEqualF : NoCheck {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a != b;
  }
};
struct LessF : NoCheck {
  template <typename C>
  bool operator()(C a, C b) const {
    return a < b;
  }
};
struct LessEqualF : NoCheck {
  template <typename C>
  bool operator()(C a, C b) const {
    return a <= b;
  }
};
struct GreaterF : NoCheck {
  template <typename C>
  bool operator()(C a, C b) const {
    return a > b;
  }
};
struct GreaterEqualF : NoCheck {
  template <typename C>
  bool operator()(C a, C b) const {
    return a >= b;
  }
};
struct LogicalAndF : NoCheck {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOrF : NoCheck {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct LogicalNotF : NoCheck {
  bool operator()(bool a) const { return !a; }
};

#define REGISTER_CMP(OP, T, F)                                            \
  REGISTER_KERNEL_BUILDER(Name(OP).Device(kDeviceCpu).TypeConstraint<T>("T"), \
                          BinaryOp<T, bool, F>)

#define REGISTER_EQ(T)                  \
  REGISTER_CMP("Equal", T, EqualF);     \
  REGISTER_CMP("NotEqual", T, NotEqualF)

#define REGISTER_ORDER(T)                          \
  REGISTER_CMP("Less", T, LessF);                  \
  REGISTER_CMP("LessEqual", T, LessEqualF);        \
  REGISTER_CMP("Greater", T, GreaterF);            \
  REGISTER_CMP("GreaterEqual", T, GreaterEqualF)

#define REGISTER_ALL_CMP(T) \
  REGISTER_EQ(T);           \
  REGISTER_ORDER(T)

REGISTER_ALL_CMP(float);
REGISTER_ALL_CMP(double);
REGISTER_ALL_CMP(half);
REGISTER_ALL_CMP(int8_t);
REGISTER_ALL_CMP(int16_t);
REGISTER_ALL_CMP(int32_t);
REGISTER_ALL_CMP(int64_t);
REGISTER_ALL_CMP(uint8_t);
REGISTER_EQ(bool);
REGISTER_EQ(tstring);

REGISTER_KERNEL_BUILDER(Name("LogicalAnd").Device(kDeviceCpu),
                        BinaryOp<bool, bool, LogicalAndF>);
REGISTER_KERNEL_BUILDER(Name("LogicalOr").Device(kDeviceCpu),
                        BinaryOp<bool, bool, LogicalOrF>);
REGISTER_KERNEL_BUILDER(Name("LogicalNot").Device(kDeviceCpu),
                        UnaryOp<bool, LogicalNotF>);

}  // namespace
}  // namespace cwise
}  // namespace tessera
