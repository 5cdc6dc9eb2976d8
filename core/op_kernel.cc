#include "core/op_kernel.h"

#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace tessera {

OpKernel::OpKernel(OpKernelConstruction* c)
    : def_(c->def()),
      input_types_(c->input_types()),
      output_types_(c->output_types()) {}

absl::Status OpKernelContext::allocate_output(int i, const TensorShape& shape,
                                              Tensor** out) {
  bool host = i < 64 && ((params_->host_memory_outputs >> i) & 1) != 0;
  auto t = Tensor::Allocate(
      host ? device()->host_allocator() : device()->allocator(),
      expected_output_dtype(i), shape);
  if (!t.ok()) {
    return AnnotateStatus(t.status(),
                          absl::StrCat("output ", i, " of node '",
                                       op_kernel().name(), "'"));
  }
  outputs_[i] = *std::move(t);
  *out = &outputs_[i];
  return absl::OkStatus();
}

absl::Status OpKernelContext::allocate_temp(DataType dtype,
                                            const TensorShape& shape,
                                            Tensor* out) {
  auto t = Tensor::Allocate(device()->allocator(), dtype, shape);
  if (!t.ok()) {
    return AnnotateStatus(t.status(), absl::StrCat("temporary of node '",
                                                   op_kernel().name(), "'"));
  }
  *out = *std::move(t);
  return absl::OkStatus();
}

void OpKernelContext::set_output(int i, Tensor tensor) {
  outputs_[i] = std::move(tensor);
}

absl::Status OpKernelContext::forward_input_or_allocate_output(
    int input_index, int output_index, const TensorShape& shape,
    Tensor** out) {
  const Tensor& in = input(input_index);
  // Forwardable and one reference: nobody else can see the buffer.
  bool forwardable = input_index < 64 &&
                     ((params_->forwardable_inputs >> input_index) & 1) != 0;
  if (forwardable && in.dtype() == expected_output_dtype(output_index) &&
      !DataTypeIsObject(in.dtype()) && in.NumElements() == shape.num_elements() &&
      in.BufferRefCount() == 1 && in.IsInitialized()) {
    auto reshaped = in.Reshaped(shape);
    if (reshaped.ok()) {
      outputs_[output_index] = *std::move(reshaped);
      *out = &outputs_[output_index];
      return absl::OkStatus();
    }
  }
  return allocate_output(output_index, shape, out);
}

}  // namespace tessera
