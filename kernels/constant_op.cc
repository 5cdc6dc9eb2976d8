// CPU kernels for Const, Placeholder, PlaceholderWithDefault, Identity and
// NoOp. All are cheap and type-agnostic, so one registration covers every
// dtype.
#include "absl/strings/str_cat.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"

namespace tessera {
namespace {

class ConstOp : public OpKernel {
 public:
  explicit ConstOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("value", &value_));
    DataType dtype;
    OP_REQUIRES_OK(c, c->GetAttr("dtype", &dtype));
    OP_REQUIRES(c, value_.dtype() == dtype,
                absl::InvalidArgumentError(absl::StrCat(
                    "Const value has dtype ", DataTypeString(value_.dtype()),
                    " but attr dtype is ", DataTypeString(dtype))));
  }
  // The tensor is shared, never copied: consumers only read inputs.
  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, value_); }

 private:
  Tensor value_;
};

class PlaceholderOp : public OpKernel {
 public:
  explicit PlaceholderOp(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("dtype", &dtype_));
    OP_REQUIRES_OK(c, c->GetAttr("shape", &shape_));
  }
  void Compute(OpKernelContext* ctx) override {
    ctx->SetStatus(absl::InvalidArgumentError(absl::StrCat(
        "You must feed a value for placeholder tensor '", name(),
        "' with dtype ", DataTypeString(dtype_),
        shape_.unknown_rank() ? "" : absl::StrCat(" and shape ", shape_.DebugString()))));
  }

 private:
  DataType dtype_;
  PartialTensorShape shape_;
};

class IdentityOp : public OpKernel {
 public:
  explicit IdentityOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    ctx->set_output(0, ctx->input(0));
  }
};

class NoOp : public OpKernel {
 public:
  explicit NoOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext*) override {}
};

REGISTER_KERNEL_BUILDER(Name("Const").Device(kDeviceCpu), ConstOp);
REGISTER_KERNEL_BUILDER(Name("Placeholder").Device(kDeviceCpu), PlaceholderOp);
REGISTER_KERNEL_BUILDER(Name("PlaceholderWithDefault").Device(kDeviceCpu),
                        IdentityOp);
REGISTER_KERNEL_BUILDER(Name("Identity").Device(kDeviceCpu), IdentityOp);
REGISTER_KERNEL_BUILDER(Name("NoOp").Device(kDeviceCpu), NoOp);

}  // namespace
}  // namespace tessera
