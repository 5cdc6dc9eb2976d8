// Window geometry shared by the convolution and pooling kernels (NHWC):
// the attrs read at construction, and TensorFlow's output-size and padding
// rules for SAME / VALID / EXPLICIT.
#ifndef TESSERA_KERNELS_WINDOW_UTIL_H_
#define TESSERA_KERNELS_WINDOW_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_kernel.h"
#include "core/status.h"

namespace tessera {
namespace window {

// The sizes of one 2-D windowed op on an NHWC input.
struct Geometry {
  int64_t batch = 0, in_h = 0, in_w = 0, depth = 0;
  int64_t k_h = 1, k_w = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int64_t pad_top = 0, pad_left = 0, out_h = 0, out_w = 0;
};

inline std::string Str(const std::vector<int32_t>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
}

// The window attrs of a conv (dilations, explicit_paddings) or pool (ksize)
// node; only NHWC is supported on CPU.
struct Attrs {
  std::vector<int32_t> ksize, strides, dilations = {1, 1, 1, 1};
  std::vector<int32_t> explicit_paddings;
  std::string padding;

  absl::Status Read(const OpKernelConstruction& c, bool pool) {
    const std::string& op = c.def().op();
    std::string format;
    RETURN_IF_ERROR(c.GetAttr("data_format", &format));
    if (format != "NHWC") {
      return absl::InvalidArgumentError(absl::StrCat(
          op, " on CPU supports only data_format NHWC, got ", format));
    }
    RETURN_IF_ERROR(c.GetAttr("strides", &strides));
    RETURN_IF_ERROR(c.GetAttr("padding", &padding));
    RETURN_IF_ERROR(Check(op, "strides", strides));
    if (pool) {
      RETURN_IF_ERROR(c.GetAttr("ksize", &ksize));
      RETURN_IF_ERROR(Check(op, "ksize", ksize));
    } else {
      RETURN_IF_ERROR(c.GetAttr("dilations", &dilations));
      RETURN_IF_ERROR(Check(op, "dilations", dilations));
      RETURN_IF_ERROR(c.GetAttr("explicit_paddings", &explicit_paddings));
    }
    if (padding == "EXPLICIT") {
      const auto& p = explicit_paddings;
      if (p.size() != 8 || p[0] || p[1] || p[6] || p[7] ||
          *std::min_element(p.begin(), p.end()) < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            op, " with padding EXPLICIT needs 8 non-negative "
            "explicit_paddings, zero in the batch and depth dims; got ",
            Str(p)));
      }
    } else if (padding != "SAME" && padding != "VALID") {
      return absl::InvalidArgumentError(absl::StrCat(
          op, ": padding must be SAME, VALID or EXPLICIT, got '", padding,
          "'"));
    }
    return absl::OkStatus();
  }

  static absl::Status Check(const std::string& op, const char* name,
                            const std::vector<int32_t>& v) {
    if (v.size() != 4 || v[0] != 1 || v[3] != 1 ||
        *std::min_element(v.begin(), v.end()) < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          op, " requires '", name, "' to have 4 entries >= 1 with 1 in the "
          "batch and depth dims, got ", Str(v)));
    }
    return absl::OkStatus();
  }

  // Output size and leading padding of dim `d` (1: height, 2: width).
  absl::Status OutputSize(int d, int64_t in, int64_t k, int64_t* out,
                          int64_t* pad_before) const {
    const int64_t stride = strides[d], eff = (k - 1) * dilations[d] + 1;
    if (padding == "SAME") {
      *out = (in + stride - 1) / stride;
      *pad_before =
          std::max<int64_t>(0, (*out - 1) * stride + eff - in) / 2;
      return absl::OkStatus();
    }
    const bool expl = padding == "EXPLICIT";
    *pad_before = expl ? explicit_paddings[2 * d] : 0;
    const int64_t padded =
        in + (expl ? *pad_before + explicit_paddings[2 * d + 1] : 0);
    if (padded < eff) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Computed output size would be negative: input size ", in,
          " (padded to ", padded, ") is smaller than the effective window size ",
          eff));
    }
    *out = (padded - eff + stride) / stride;
    return absl::OkStatus();
  }

  // The geometry for a 4-D `input` and a k_h x k_w window.
  absl::Status Compute(const std::string& op, const TensorShape& input,
                       int64_t k_h, int64_t k_w, Geometry* g) const {
    if (input.dims() != 4) {
      return absl::InvalidArgumentError(absl::StrCat(
          op, " input must be 4-D (NHWC), got shape ", input.DebugString()));
    }
    g->batch = input.dim_size(0);
    g->in_h = input.dim_size(1);
    g->in_w = input.dim_size(2);
    g->depth = input.dim_size(3);
    g->k_h = k_h;
    g->k_w = k_w;
    g->stride_h = strides[1];
    g->stride_w = strides[2];
    g->dil_h = dilations[1];
    g->dil_w = dilations[2];
    absl::Status s = OutputSize(1, g->in_h, k_h, &g->out_h, &g->pad_top);
    if (s.ok()) s = OutputSize(2, g->in_w, k_w, &g->out_w, &g->pad_left);
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          op, ": ", s.message(), "; input shape ", input.DebugString(),
          ", window ", k_h, "x", k_w));
    }
    return absl::OkStatus();
  }
};

// A 1-D int32 tensor of 4 non-negative sizes (input_sizes and the like).
inline absl::Status ShapeFromTensor(const std::string& op, const char* name,
                                    const Tensor& t, TensorShape* shape) {
  if (t.dtype() != DT_INT32 || t.dims() != 1 || t.NumElements() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": ", name, " must be a 1-D int32 tensor of 4 sizes, got shape ",
        t.shape().DebugString()));
  }
  *shape = TensorShape();
  for (int i = 0; i < 4; ++i) {
    const int32_t d = t.data<int32_t>()[i];
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(op, ": ", name, " has a negative size ", d));
    }
    shape->AddDim(d);
  }
  return absl::OkStatus();
}

// Checks a convolution's HWIO filter against the NHWC input and fills the
// geometry and output depth (shared by the CPU and GPU Conv2D kernels).
inline absl::Status ConvGeometry(const std::string& op, const Attrs& attrs,
                                 const TensorShape& input,
                                 const TensorShape& filter, Geometry* g,
                                 int64_t* out_channels) {
  if (filter.dims() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": filter must be 4-D [height, width, in_channels, "
        "out_channels], got shape ", filter.DebugString()));
  }
  RETURN_IF_ERROR(
      attrs.Compute(op, input, filter.dim_size(0), filter.dim_size(1), g));
  if (input.dim_size(3) != filter.dim_size(2)) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": input depth ", input.dim_size(3),
        " does not match the filter's in_channels ", filter.dim_size(2),
        " (input shape ", input.DebugString(), ", filter shape ",
        filter.DebugString(), ")"));
  }
  if (filter.dim_size(0) == 0 || filter.dim_size(1) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        op, ": filter height and width must be positive, got filter shape ",
        filter.DebugString()));
  }
  *out_channels = filter.dim_size(3);
  return absl::OkStatus();
}

// NHWC shape of a pooled output.
inline TensorShape PooledShape(const Geometry& g) {
  return TensorShape({g.batch, g.out_h, g.out_w, g.depth});
}

// Base of the MaxPool/AvgPool kernels and their gradients (CPU and GPU):
// reads ksize/strides/padding and checks pooled-shape inputs.
class PoolKernel : public OpKernel {
 public:
  explicit PoolKernel(OpKernelConstruction* c) : OpKernel(c) {
    OP_REQUIRES_OK(c, attrs_.Read(*c, /*pool=*/true));
    set_expensive(true);
  }

 protected:
  absl::Status MakeGeometry(const TensorShape& input, Geometry* g) const {
    return attrs_.Compute(type_string(), input, attrs_.ksize[1],
                          attrs_.ksize[2], g);
  }
  // `t` (the input named `name`) must have the pooled output's shape.
  absl::Status CheckPooled(const Geometry& g, const char* name,
                           const Tensor& t) const {
    if (t.shape() == PooledShape(g)) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        type_string(), ": ", name, " has shape ", t.shape().DebugString(),
        " but the pooled output has shape ", PooledShape(g).DebugString()));
  }

  Attrs attrs_;
};

}  // namespace window
}  // namespace tessera

#endif  // TESSERA_KERNELS_WINDOW_UTIL_H_
