// CheckNumerics: fails with the op's message when the tensor holds NaN or
// Inf ("<message> : Tensor had NaN values", TF's wording); else forwards it.
#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/numerics.h"
#include "core/op_kernel.h"

namespace tessera {
namespace {

template <typename T>
class CheckNumericsOp : public OpKernel {
 public:
  explicit CheckNumericsOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("message", &message_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const NonFiniteCount count = CountNonFinite(in);
    const bool nan = count.nan > 0, inf = count.inf > 0;
    if (nan || inf) {
      ctx->SetStatus(absl::InvalidArgumentError(absl::StrCat(
          message_, " : Tensor had ",
          nan && inf ? "Inf and NaN" : (nan ? "NaN" : "Inf"), " values")));
      return;
    }
    ctx->set_output(0, in);
  }

 private:
  std::string message_;
};

REGISTER_KERNEL_BUILDER(
    Name("CheckNumerics").Device(kDeviceCpu).TypeConstraint<float>("T"),
    CheckNumericsOp<float>);
REGISTER_KERNEL_BUILDER(
    Name("CheckNumerics").Device(kDeviceCpu).TypeConstraint<double>("T"),
    CheckNumericsOp<double>);
REGISTER_KERNEL_BUILDER(
    Name("CheckNumerics").Device(kDeviceCpu).TypeConstraint<half>("T"),
    CheckNumericsOp<half>);
REGISTER_KERNEL_BUILDER(
    Name("CheckNumerics").Device(kDeviceCpu).TypeConstraint<bfloat16>("T"),
    CheckNumericsOp<bfloat16>);

}  // namespace
}  // namespace tessera
