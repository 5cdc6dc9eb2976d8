// BatchDatasetV2 (stack `batch_size` elements; drop_remainder drops a short
// last batch), PaddedBatchDatasetV2 (pad every component to padded_shapes,
// -1 meaning the largest in the batch) and UnbatchDataset.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/dataset.h"
#include "core/kernel_registry.h"
#include "core/status.h"

namespace tessera {
namespace data {
namespace {

// Copies `src` into row `row` of `dst` (whose rows have shape `row_shape`,
// at least src's size in every dim), padding the rest is done by the caller.
void CopyIntoRow(const Tensor& src, Tensor* dst, int64_t row) {
  const int rank = src.dims();
  TensorShape row_shape = dst->shape();
  row_shape.RemoveDim(0);
  const size_t elem = ElementSize(src.dtype());
  const int64_t row_elems = row_shape.num_elements();
  char* base = static_cast<char*>(dst->raw_data()) + row * row_elems * elem;
  const char* from = static_cast<const char*>(src.raw_data());
  if (src.NumElements() == 0) return;
  // Copy innermost runs: src index -> dst index with dst strides.
  const int64_t inner = rank == 0 ? 1 : src.dim_size(rank - 1);
  const int64_t runs = rank == 0 ? 1 : src.NumElements() / inner;
  std::vector<int64_t> idx(rank > 0 ? rank - 1 : 0, 0);
  for (int64_t r = 0; r < runs; ++r) {
    int64_t off = 0;
    for (int d = 0; d + 1 < rank; ++d) off = off * row_shape.dim_size(d) + idx[d];
    if (rank > 0) off *= row_shape.dim_size(rank - 1);
    const char* s = from + r * inner * elem;
    char* t = base + off * elem;
    if (src.dtype() == DT_STRING) {
      for (int64_t k = 0; k < inner; ++k) {
        reinterpret_cast<tstring*>(t)[k] = reinterpret_cast<const tstring*>(s)[k];
      }
    } else if (src.dtype() == DT_VARIANT) {
      for (int64_t k = 0; k < inner; ++k) {
        reinterpret_cast<Variant*>(t)[k] = reinterpret_cast<const Variant*>(s)[k];
      }
    } else {
      std::memcpy(t, s, inner * elem);
    }
    for (int d = rank - 2; d >= 0; --d) {
      if (++idx[d] < src.dim_size(d)) break;
      idx[d] = 0;
    }
  }
}

// Fills every element of `t` with the scalar `value`.
void FillWith(const Tensor& value, Tensor* t) {
  const size_t elem = ElementSize(t->dtype());
  if (t->dtype() == DT_STRING) {
    for (auto& s : t->flat<tstring>()) s = value.scalar<tstring>();
    return;
  }
  char* p = static_cast<char*>(t->raw_data());
  for (int64_t i = 0; i < t->NumElements(); ++i) {
    std::memcpy(p + i * elem, value.raw_data(), elem);
  }
}

class BatchDataset : public DatasetBase {
 public:
  // `padded` empty: plain batching (shapes must match). Else padded_shapes
  // and one scalar padding value per component.
  BatchDataset(DatasetPtr input, int64_t batch, bool drop,
               std::vector<PartialTensorShape> padded, Element pad_values,
               std::vector<PartialTensorShape> shapes)
      : DatasetBase(input->output_dtypes(), std::move(shapes)),
        input_(std::move(input)), batch_(batch), drop_(drop),
        padded_(std::move(padded)), pad_values_(std::move(pad_values)) {}
  std::string DebugString() const override {
    return padded_.empty() ? "BatchDataset" : "PaddedBatchDataset";
  }
  absl::StatusOr<std::unique_ptr<IteratorBase>> MakeIterator() const override {
    ASSIGN_OR_RETURN(std::unique_ptr<IteratorBase> in, input_->MakeIterator());
    return std::unique_ptr<IteratorBase>(new Iterator(Self(this), std::move(in)));
  }

  absl::StatusOr<Element> Stack(const std::vector<Element>& rows) const;

 private:
  class Iterator : public DatasetIterator<BatchDataset> {
   public:
    Iterator(std::shared_ptr<const BatchDataset> d,
             std::unique_ptr<IteratorBase> in)
        : DatasetIterator(std::move(d)), input_(std::move(in)) {}
    absl::Status GetNext(IteratorContext* ctx, Element* out, bool* end) override {
      std::vector<Element> rows;
      const BatchDataset* d = dataset();
      while (!input_done_ && static_cast<int64_t>(rows.size()) < d->batch_) {
        Element e;
        bool e_end = false;
        RETURN_IF_ERROR(input_->GetNext(ctx, &e, &e_end));
        if (e_end) input_done_ = true; else rows.push_back(std::move(e));
      }
      *end = rows.empty() ||
             (d->drop_ && static_cast<int64_t>(rows.size()) < d->batch_);
      if (*end) return absl::OkStatus();
      ASSIGN_OR_RETURN(*out, d->Stack(rows));
      return absl::OkStatus();
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    bool input_done_ = false;
  };

  DatasetPtr input_;
  int64_t batch_;
  bool drop_;
  std::vector<PartialTensorShape> padded_;
  Element pad_values_;
};

absl::StatusOr<Element> BatchDataset::Stack(
    const std::vector<Element>& rows) const {
  Element out;
  const int64_t n = static_cast<int64_t>(rows.size());
  for (size_t c = 0; c < rows[0].size(); ++c) {
    TensorShape row_shape = rows[0][c].shape();
    for (int64_t r = 1; r < n; ++r) {
      const TensorShape& s = rows[r][c].shape();
      if (padded_.empty() && s != row_shape) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Cannot batch tensors with different shapes in component ", c,
            ". First element had shape ", row_shape.DebugString(),
            " and element ", r, " had shape ", s.DebugString(),
            "; use PaddedBatch"));
      }
      if (!padded_.empty() && s.dims() != row_shape.dims()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "PaddedBatch component ", c, ": elements have ranks ",
            row_shape.dims(), " and ", s.dims()));
      }
      for (int d = 0; d < s.dims(); ++d) {
        row_shape.set_dim(d, std::max(row_shape.dim_size(d), s.dim_size(d)));
      }
    }
    if (!padded_.empty()) {
      const PartialTensorShape& p = padded_[c];
      if (!p.unknown_rank() && p.dims() != row_shape.dims()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "padded_shapes[", c, "] ", p.DebugString(), " has rank ", p.dims(),
            " but the component has rank ", row_shape.dims()));
      }
      for (int d = 0; !p.unknown_rank() && d < p.dims(); ++d) {
        if (p.dim_size(d) < 0) continue;
        if (p.dim_size(d) < row_shape.dim_size(d)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "component ", c, " has size ", row_shape.dim_size(d), " in dim ",
              d, ", larger than padded_shapes[", c, "] ", p.DebugString()));
        }
        row_shape.set_dim(d, p.dim_size(d));
      }
    }
    TensorShape shape = row_shape;
    shape.InsertDim(0, n);
    Tensor t(rows[0][c].dtype(), shape);
    if (!padded_.empty()) FillWith(pad_values_[c], &t);
    for (int64_t r = 0; r < n; ++r) CopyIntoRow(rows[r][c], &t, r);
    out.push_back(std::move(t));
  }
  return out;
}

class BatchDatasetOp : public UnaryDatasetOpKernel {
 public:
  explicit BatchDatasetOp(OpKernelConstruction* c)
      : UnaryDatasetOpKernel(c), padded_(c->def().op() == "PaddedBatchDatasetV2") {}
  absl::StatusOr<DatasetPtr> MakeDataset(OpKernelContext* ctx,
                                         DatasetPtr input) override {
    ASSIGN_OR_RETURN(int64_t batch, ScalarInput<int64_t>(ctx, 1, "batch_size"));
    if (batch < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch_size must be positive, got ", batch));
    }
    ASSIGN_OR_RETURN(bool drop, ScalarInput<bool>(ctx, ctx->num_inputs() - 1,
                                                  "drop_remainder"));
    std::vector<PartialTensorShape> padded;
    Element values;
    if (padded_) {
      const int n = static_cast<int>(input->output_dtypes().size());
      for (int c = 0; c < n; ++c) {
        const Tensor& s = ctx->input(2 + c);
        if (s.dims() != 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              "padded_shapes[", c, "] must be a vector"));
        }
        padded.push_back(PartialTensorShape(IndexValues(s)));
        const Tensor& v = ctx->input(2 + n + c);
        if (v.NumElements() != 1 || v.dtype() != input->output_dtypes()[c]) {
          return absl::InvalidArgumentError(absl::StrCat(
              "padding_values[", c, "] must be a ",
              DataTypeString(input->output_dtypes()[c]), " scalar"));
        }
        values.push_back(v);
      }
    }
    return DatasetPtr(std::make_shared<BatchDataset>(
        std::move(input), batch, drop, std::move(padded), std::move(values),
        output_shapes()));
  }

 private:
  bool padded_;
};

class UnbatchDataset : public DatasetBase {
 public:
  UnbatchDataset(DatasetPtr input, std::vector<PartialTensorShape> shapes)
      : DatasetBase(input->output_dtypes(), std::move(shapes)),
        input_(std::move(input)) {}
  std::string DebugString() const override { return "UnbatchDataset"; }
  absl::StatusOr<std::unique_ptr<IteratorBase>> MakeIterator() const override {
    ASSIGN_OR_RETURN(std::unique_ptr<IteratorBase> in, input_->MakeIterator());
    return std::unique_ptr<IteratorBase>(new Iterator(Self(this), std::move(in)));
  }

 private:
  class Iterator : public DatasetIterator<UnbatchDataset> {
   public:
    Iterator(std::shared_ptr<const UnbatchDataset> d,
             std::unique_ptr<IteratorBase> in)
        : DatasetIterator(std::move(d)), input_(std::move(in)) {}
    absl::Status GetNext(IteratorContext* ctx, Element* out, bool* end) override {
      while (row_ >= rows_) {
        RETURN_IF_ERROR(ctx->CheckCancelled());
        RETURN_IF_ERROR(input_->GetNext(ctx, &batch_, end));
        if (*end) return absl::OkStatus();
        row_ = 0;
        rows_ = -1;
        for (size_t c = 0; c < batch_.size(); ++c) {
          const Tensor& t = batch_[c];
          if (t.dims() < 1 || (rows_ >= 0 && t.dim_size(0) != rows_)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "Unbatch needs components of rank >= 1 with equal dim 0; "
                "component ", c, " has shape ", t.shape().DebugString()));
          }
          rows_ = t.dim_size(0);
        }
      }
      out->clear();
      for (const Tensor& t : batch_) {
        ASSIGN_OR_RETURN(Tensor r, t.SubSlice(row_));
        out->push_back(std::move(r));
      }
      ++row_;
      *end = false;
      return absl::OkStatus();
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    Element batch_;
    int64_t row_ = 0, rows_ = 0;
  };
  DatasetPtr input_;
};

class UnbatchDatasetOp : public UnaryDatasetOpKernel {
 public:
  using UnaryDatasetOpKernel::UnaryDatasetOpKernel;
  absl::StatusOr<DatasetPtr> MakeDataset(OpKernelContext*,
                                         DatasetPtr input) override {
    return DatasetPtr(std::make_shared<UnbatchDataset>(std::move(input),
                                                       output_shapes()));
  }
};

REGISTER_KERNEL_BUILDER(Name("BatchDatasetV2").Device(kDeviceCpu),
                        BatchDatasetOp);
REGISTER_KERNEL_BUILDER(Name("PaddedBatchDatasetV2").Device(kDeviceCpu),
                        BatchDatasetOp);
REGISTER_KERNEL_BUILDER(Name("UnbatchDataset").Device(kDeviceCpu),
                        UnbatchDatasetOp);

}  // namespace
}  // namespace data
}  // namespace tessera
