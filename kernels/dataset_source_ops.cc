// In-memory source datasets: TensorDataset (one element), TensorSliceDataset
// (slices along dim 0) and RangeDataset. RangeDataset is the model for a new
// source: a DatasetBase with the element signature, an iterator with the
// cursor, and a DatasetOpKernel that reads the inputs.
#include "absl/strings/str_cat.h"
#include "core/dataset.h"
#include "core/kernel_registry.h"
#include "core/status.h"

namespace tessera {
namespace data {
namespace {

class TensorDataset : public DatasetBase {
 public:
  TensorDataset(Element components, std::vector<PartialTensorShape> shapes)
      : DatasetBase(DtypesOf(components), std::move(shapes)),
        components_(std::move(components)) {}

  static std::vector<DataType> DtypesOf(const Element& e) {
    std::vector<DataType> d;
    for (const Tensor& t : e) d.push_back(t.dtype());
    return d;
  }
  std::string DebugString() const override { return "TensorDataset"; }

  absl::StatusOr<std::unique_ptr<IteratorBase>> MakeIterator() const override {
    return std::unique_ptr<IteratorBase>(new Iterator(Self(this)));
  }

 private:
  class Iterator : public DatasetIterator<TensorDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    absl::Status GetNext(IteratorContext*, Element* out, bool* end) override {
      *end = produced_;
      if (!produced_) *out = dataset()->components_;
      produced_ = true;
      return absl::OkStatus();
    }

   private:
    bool produced_ = false;
  };
  Element components_;
};

class TensorSliceDataset : public DatasetBase {
 public:
  TensorSliceDataset(Element components, std::vector<PartialTensorShape> shapes)
      : DatasetBase(TensorDataset::DtypesOf(components), std::move(shapes)),
        components_(std::move(components)) {}
  std::string DebugString() const override { return "TensorSliceDataset"; }

  absl::StatusOr<std::unique_ptr<IteratorBase>> MakeIterator() const override {
    return std::unique_ptr<IteratorBase>(new Iterator(Self(this)));
  }

 private:
  class Iterator : public DatasetIterator<TensorSliceDataset> {
   public:
    using DatasetIterator::DatasetIterator;
    absl::Status GetNext(IteratorContext*, Element* out, bool* end) override {
      const Element& c = dataset()->components_;
      *end = i_ >= c[0].dim_size(0);
      if (*end) return absl::OkStatus();
      out->clear();
      for (const Tensor& t : c) {
        ASSIGN_OR_RETURN(Tensor row, t.SubSlice(i_));
        out->push_back(std::move(row));
      }
      ++i_;
      return absl::OkStatus();
    }

   private:
    int64_t i_ = 0;
  };
  Element components_;
};

Element InputsOf(OpKernelContext* ctx) {
  Element e;
  for (int i = 0; i < ctx->num_inputs(); ++i) e.push_back(ctx->input(i));
  return e;
}

class TensorDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  absl::StatusOr<DatasetPtr> MakeDataset(OpKernelContext* ctx) override {
    Element e = InputsOf(ctx);
    RETURN_IF_ERROR(CheckElement(e, output_dtypes(), output_shapes(), name()));
    return DatasetPtr(std::make_shared<TensorDataset>(e, output_shapes()));
  }
};

class TensorSliceDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  absl::StatusOr<DatasetPtr> MakeDataset(OpKernelContext* ctx) override {
    Element e = InputsOf(ctx);
    for (size_t i = 0; i < e.size(); ++i) {
      if (e[i].dims() < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "TensorSliceDataset component ", i, " is a scalar; slicing needs "
            "rank >= 1"));
      }
      if (e[i].dim_size(0) != e[0].dim_size(0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "TensorSliceDataset components must have the same dim 0: "
            "component 0 has ", e[0].dim_size(0), " rows, component ", i,
            " has ", e[i].dim_size(0)));
      }
    }
    return DatasetPtr(std::make_shared<TensorSliceDataset>(e, output_shapes()));
  }
};

class RangeDataset : public DatasetBase {
 public:
  RangeDataset(int64_t start, int64_t stop, int64_t step)
      : DatasetBase({DT_INT64}, {PartialTensorShape({})}),
        start_(start), stop_(stop), step_(step) {}
  std::string DebugString() const override {
    return absl::StrCat("RangeDataset(", start_, ", ", stop_, ", ", step_, ")");
  }
  absl::StatusOr<std::unique_ptr<IteratorBase>> MakeIterator() const override {
    return std::unique_ptr<IteratorBase>(new Iterator(Self(this)));
  }

 private:
  class Iterator : public DatasetIterator<RangeDataset> {
   public:
    explicit Iterator(std::shared_ptr<const RangeDataset> d)
        : DatasetIterator(d), next_(d->start_) {}
    absl::Status GetNext(IteratorContext*, Element* out, bool* end) override {
      const RangeDataset* d = dataset();
      *end = d->step_ > 0 ? next_ >= d->stop_ : next_ <= d->stop_;
      if (*end) return absl::OkStatus();
      *out = {Tensor::Scalar<int64_t>(next_)};
      next_ += d->step_;
      return absl::OkStatus();
    }

   private:
    int64_t next_;
  };
  int64_t start_, stop_, step_;
};

class RangeDatasetOp : public DatasetOpKernel {
 public:
  using DatasetOpKernel::DatasetOpKernel;
  absl::StatusOr<DatasetPtr> MakeDataset(OpKernelContext* ctx) override {
    ASSIGN_OR_RETURN(int64_t start, ScalarInput<int64_t>(ctx, 0, "start"));
    ASSIGN_OR_RETURN(int64_t stop, ScalarInput<int64_t>(ctx, 1, "stop"));
    ASSIGN_OR_RETURN(int64_t step, ScalarInput<int64_t>(ctx, 2, "step"));
    if (step == 0) {
      return absl::InvalidArgumentError("RangeDataset step must not be 0");
    }
    return DatasetPtr(std::make_shared<RangeDataset>(start, stop, step));
  }
};

REGISTER_KERNEL_BUILDER(Name("TensorDataset").Device(kDeviceCpu),
                        TensorDatasetOp);
REGISTER_KERNEL_BUILDER(Name("TensorSliceDataset").Device(kDeviceCpu),
                        TensorSliceDatasetOp);
REGISTER_KERNEL_BUILDER(Name("RangeDataset").Device(kDeviceCpu),
                        RangeDatasetOp);

}  // namespace
}  // namespace data
}  // namespace tessera
