// CPU kernel for Transpose, for every dtype. Elements are moved as opaque
// words of their size (strings as strings), so only six instantiations
// exist. The permutation is first simplified (size-1 dims dropped, dims that
// stay adjacent merged); then an identity shares the input buffer, a 2-D or
// batched 2-D transpose runs cache-blocked, and the rest walks the output
// row by row.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/kernel_registry.h"
#include "core/op_kernel.h"
#include "kernels/kernel_util.h"
#include "kernels/transpose_op.h"
#include "core/threadpool.h"

namespace tessera {

TransposePlan SimplifyTranspose(const TensorShape& shape,
                                const std::vector<int64_t>& perm) {
  // Drop size-1 dims, renumbering the rest.
  std::vector<int> renumber(shape.dims(), -1);
  std::vector<int64_t> dims;
  for (int i = 0; i < shape.dims(); ++i) {
    if (shape.dim_size(i) != 1) {
      renumber[i] = static_cast<int>(dims.size());
      dims.push_back(shape.dim_size(i));
    }
  }
  // Runs of input dims that appear consecutively in the output, in output
  // order, as [first, last].
  std::vector<std::pair<int, int>> groups;
  for (int64_t p : perm) {
    const int d = renumber[p];
    if (d < 0) continue;
    if (!groups.empty() && groups.back().second + 1 == d) {
      groups.back().second = d;
    } else {
      groups.push_back({d, d});
    }
  }
  std::vector<int> by_input(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) by_input[g] = static_cast<int>(g);
  std::sort(by_input.begin(), by_input.end(), [&](int a, int b) {
    return groups[a].first < groups[b].first;
  });
  TransposePlan plan;
  plan.dims.resize(groups.size());
  plan.perm.resize(groups.size());
  for (size_t pos = 0; pos < by_input.size(); ++pos) {
    const auto& [first, last] = groups[by_input[pos]];
    int64_t size = 1;
    for (int d = first; d <= last; ++d) size *= dims[d];
    plan.dims[pos] = size;
    plan.perm[by_input[pos]] = static_cast<int>(pos);
  }
  return plan;
}

namespace {


constexpr int64_t kTile = 32;

// out[b][c][r] = in[b][r][c] for matrices of rows x cols; work unit u is
// batch u / row_tiles, rows [tile * kTile, +kTile).
template <typename S>
void TransposeTiles(const S* in, S* out, int64_t rows, int64_t cols,
                    int64_t begin, int64_t end) {
  const int64_t row_tiles = (rows + kTile - 1) / kTile;
  for (int64_t u = begin; u < end; ++u) {
    const int64_t b = u / row_tiles;
    const int64_t r0 = (u % row_tiles) * kTile;
    const int64_t r1 = std::min(rows, r0 + kTile);
    const S* src = in + b * rows * cols;
    S* dst = out + b * rows * cols;
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t c1 = std::min(cols, c0 + kTile);
      for (int64_t c = c0; c < c1; ++c) {
        for (int64_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * cols + c];
      }
    }
  }
}

// General case: output rows [begin, end), each a strided gather.
template <typename S>
void TransposeRows(const S* in, S* out, const TransposePlan& plan,
                   int64_t begin, int64_t end) {
  const int rank = static_cast<int>(plan.dims.size());
  std::vector<int64_t> in_stride(rank, 1), od(rank), os(rank);
  for (int i = rank - 2; i >= 0; --i) {
    in_stride[i] = in_stride[i + 1] * plan.dims[i + 1];
  }
  for (int k = 0; k < rank; ++k) {
    od[k] = plan.dims[plan.perm[k]];
    os[k] = in_stride[plan.perm[k]];
  }
  const int64_t inner = od[rank - 1], step = os[rank - 1];
  std::vector<int64_t> idx(rank - 1);
  int64_t offset = 0, rest = begin;
  for (int k = rank - 2; k >= 0; --k) {
    idx[k] = rest % od[k];
    rest /= od[k];
    offset += idx[k] * os[k];
  }
  S* dst = out + begin * inner;
  for (int64_t row = begin; row < end; ++row, dst += inner) {
    const S* src = in + offset;
    if (step == 1) {
      std::copy_n(src, inner, dst);
    } else {
      for (int64_t j = 0; j < inner; ++j) dst[j] = src[j * step];
    }
    for (int k = rank - 2; k >= 0; --k) {  // advance the odometer
      offset += os[k];
      if (++idx[k] < od[k]) break;
      offset -= os[k] * od[k];
      idx[k] = 0;
    }
  }
}

template <typename S>
void RunTranspose(OpKernelContext* ctx, const Tensor& in,
                  const TransposePlan& plan, Tensor* out) {
  const S* src = in.data<S>();
  S* dst = out->data<S>();
  const std::vector<int>& p = plan.perm;
  const int rank = static_cast<int>(p.size());
  const bool batched = rank == 3 && p[0] == 0 && p[1] == 2 && p[2] == 1;
  if (rank == 2 || batched) {  // p is [1, 0] when rank == 2
    const int64_t batch = batched ? plan.dims[0] : 1;
    const int64_t rows = plan.dims[rank - 2], cols = plan.dims[rank - 1];
    const int64_t units = batch * ((rows + kTile - 1) / kTile);
    RunParallel(ctx, units, kTile * cols * 2, [&](int64_t b, int64_t e) {
      TransposeTiles(src, dst, rows, cols, b, e);
    });
    return;
  }
  const int64_t inner = plan.dims[p[rank - 1]];
  RunParallel(ctx, in.NumElements() / inner, inner * 2,
              [&](int64_t b, int64_t e) {
                TransposeRows(src, dst, plan, b, e);
              });
}

}  // namespace

absl::Status CheckPermutation(const std::vector<int64_t>& perm, int rank) {
  if (static_cast<int>(perm.size()) != rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transpose expects a vector of size ", rank,
        ", but perm [", absl::StrJoin(perm, ","), "] has ", perm.size(),
        " elements"));
  }
  std::vector<bool> seen(rank, false);
  for (int64_t d : perm) {
    if (d < 0 || d >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("perm [", absl::StrJoin(perm, ","), "]: ", d,
                       " is out of range [0, ", rank, ")"));
    }
    if (seen[d]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "perm [", absl::StrJoin(perm, ","), "] is not a permutation: ", d,
          " appears more than once"));
    }
    seen[d] = true;
  }
  return absl::OkStatus();
}

namespace {

class TransposeOp : public OpKernel {
 public:
  explicit TransposeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    const Tensor& perm_t = ctx->input(1);
    OP_REQUIRES(ctx, perm_t.dims() == 1,
                absl::InvalidArgumentError(absl::StrCat(
                    "perm must be a vector, not ",
                    perm_t.shape().DebugString())));
    const std::vector<int64_t> perm = IndexValues(perm_t);
    OP_REQUIRES_OK(ctx, CheckPermutation(perm, input.dims()));
    TensorShape shape;
    for (int64_t d : perm) shape.AddDim(input.dim_size(static_cast<int>(d)));
    const TransposePlan plan = SimplifyTranspose(input.shape(), perm);
    if (std::is_sorted(plan.perm.begin(), plan.perm.end())) {
      ctx->set_output(0, *input.Reshaped(shape));  // same element order
      return;
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, shape, &out));
    if (input.NumElements() == 0) return;
    const bool ok = VisitStorageType(input.dtype(), [&](auto tag) {
      RunTranspose<decltype(tag)>(ctx, input, plan, out);
    });
    OP_REQUIRES(ctx, ok,
                absl::UnimplementedError(absl::StrCat(
                    "Transpose does not support ",
                    DataTypeString(input.dtype()))));
  }
};

REGISTER_KERNEL_BUILDER(Name("Transpose").Device(kDeviceCpu), TransposeOp);

}  // namespace
}  // namespace tessera
