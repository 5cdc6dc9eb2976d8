// tf.metrics builders: shared helpers, means, binary counts, precision /
// recall and multi-class (MeanIOU, MeanPerClassAccuracy). The
// threshold-based ones (AUC...) are in metrics_confusion.cc, the top-k ones
// in metrics_top_k.cc.
#include "ops/metrics.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/collections.h"
#include "ops/array_ops.h"
#include "ops/gradient_ops.h"
#include "ops/init_ops.h"
#include "ops/math_ops.h"
#include "ops/metrics_internal.h"
#include "ops/reduction_ops.h"
#include "ops/shape_ops.h"
#include "ops/variables.h"

namespace tessera {
namespace metrics {
namespace internal {

Scope MetricScope(const Scope& scope, const MetricOptions& options,
                  const std::string& default_name) {
  return scope.NewSubScope(options.name.empty() ? default_name : options.name);
}

const Variable* MetricVariable(const Scope& s, const std::string& name,
                               const TensorShape& shape, DataType dtype) {
  VariableOptions options;
  options.trainable = false;
  options.collections = {GraphKeys::kLocalVariables,
                         GraphKeys::kMetricVariables};
  // TF1's metric_variable is a tf.Variable: named after the name scope and
  // never reused, whatever the variable scope says.
  return GetVariable(s.AtRootVariableScope(), s.name_prefix() + "/" + name,
                     shape, dtype, init::Zeros(), options);
}

bool HasWeights(const Input& weights) {
  return weights.is_literal() || weights.output().valid();
}

Output ToOutput(const Scope& s, const Input& in) {
  if (!in.status().ok()) {
    s.UpdateStatus(in.status());
    return Output();
  }
  if (in.is_literal()) return ops::Const(s, in.literal());
  return in.output();
}

Output ToFloat(const Scope& s, const Output& x, DataType dtype) {
  if (!x.valid() || x.dtype() == dtype) return x;
  return ops::Cast(s, x, dtype);
}

Output ToBool(const Scope& s, const Output& x) {
  if (!x.valid() || x.dtype() == DT_BOOL) return x;
  return ops::NotEqual(s, x, ops::ZerosLike(s, x));
}

Output DivNoNan(const Scope& s, const Output& num, const Output& den,
                const std::string& name) {
  return ops::DivNoNan(name.empty() ? s : s.WithOpName(name), num, den);
}

void RemoveSqueezable(const Scope& s, Output* predictions, Output* labels,
                      Output* weights) {
  auto rank = [](const Output& o) { return o.valid() ? o.shape().dims() : -1; };
  auto last_is_one = [](const Output& o) {
    const int r = o.shape().dims();
    return r > 0 && o.shape().dim_size(r - 1) == 1;
  };
  if (labels != nullptr && labels->valid() && predictions->valid()) {
    const int rp = rank(*predictions), rl = rank(*labels);
    if (rp >= 0 && rl >= 0) {
      if (rp - rl == 1 && last_is_one(*predictions)) {
        *predictions = ops::Squeeze(s, *predictions, {-1});
      } else if (rl - rp == 1 && last_is_one(*labels)) {
        *labels = ops::Squeeze(s, *labels, {-1});
      }
    }
  }
  if (weights != nullptr && weights->valid() && predictions->valid()) {
    const int rw = rank(*weights), rp = rank(*predictions);
    if (rw > 0 && rp >= 0) {
      if (rw - rp == 1 && last_is_one(*weights)) {
        *weights = ops::Squeeze(s, *weights, {-1});
      } else if (rp - rw == 1) {
        *weights = ops::ExpandDims(s, *weights, -1);
      }
    }
  }
}

Output BroadcastWeights(const Scope& s, const Output& weights,
                        const Output& values) {
  Output w = ToFloat(s, weights);
  Output ones = ops::OnesLike(s, ToFloat(s, values));
  return ops::Mul(s, w, ones);
}

Metric Finish(const Scope& s, const MetricOptions& options, Output value,
              Output update_op) {
  Graph* g = s.graph();
  if (s.ok()) {
    for (const auto& key : options.metrics_collections)
      g->AddToCollection(key, value);
    for (const auto& key : options.updates_collections)
      g->AddToCollection(key, update_op);
  }
  return {value, update_op};
}

}  // namespace internal

using internal::BroadcastWeights;
using internal::DivNoNan;
using internal::Finish;
using internal::HasWeights;
using internal::MetricScope;
using internal::MetricVariable;
using internal::RemoveSqueezable;
using ops::SumAll;
using internal::ToBool;
using internal::ToFloat;
using internal::ToOutput;

namespace {

// TF's mean() on values already computed in `s` (the metric's scope).
Metric MeanIn(const Scope& s, Output values, const Input& weights_in,
              const MetricOptions& options) {
  values = ToFloat(s, values);
  const Variable* total = MetricVariable(s, "total", TensorShape());
  const Variable* count = MetricVariable(s, "count", TensorShape());
  Output num_values;
  if (HasWeights(weights_in)) {
    Output weights = ToOutput(s, weights_in);
    RemoveSqueezable(s, &values, nullptr, &weights);
    weights = BroadcastWeights(s, weights, values);
    values = ops::Mul(s, values, weights);
    num_values = SumAll(s, weights);
  } else {
    num_values = ops::Cast(s, ops::Size(s, values), DT_FLOAT);
  }
  if (!s.ok()) return {};
  Operation add_total = AssignAddVariable(s, total, SumAll(s, values));
  Operation add_count = AssignAddVariable(s, count, num_values);
  Output value =
      DivNoNan(s, ReadValue(s, total), ReadValue(s, count), "value");
  const Scope after = s.WithControlDependencies({add_total, add_count});
  Output update = DivNoNan(after, ReadValue(after, total),
                           ReadValue(after, count), "update_op");
  return Finish(s, options, value, update);
}

}  // namespace

Metric Mean(const Scope& scope, const Input& values,
            const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean");
  return MeanIn(s, ToOutput(s, values), options.weights, options);
}

Metric MeanTensor(const Scope& scope, const Input& values_in,
                  const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean");
  Output values = ToFloat(s, ToOutput(s, values_in));
  if (!s.ok()) return {};
  auto shape = values.shape().AsTensorShape();
  if (!shape.ok()) {
    s.UpdateStatus(absl::InvalidArgumentError(absl::StrCat(
        "MeanTensor needs values of a fully defined shape, got ",
        values.shape().DebugString())));
    return {};
  }
  const Variable* total = MetricVariable(s, "total_tensor", *shape);
  const Variable* count = MetricVariable(s, "count_tensor", *shape);
  Output num_values = ops::OnesLike(s, values);
  if (HasWeights(options.weights)) {
    Output weights = ToOutput(s, options.weights);
    RemoveSqueezable(s, &values, nullptr, &weights);
    num_values = BroadcastWeights(s, weights, values);
    values = ops::Mul(s, values, num_values);
  }
  if (!s.ok()) return {};
  Operation add_total = AssignAddVariable(s, total, values);
  Operation add_count = AssignAddVariable(s, count, num_values);
  Output value =
      DivNoNan(s, ReadValue(s, total), ReadValue(s, count), "value");
  const Scope after = s.WithControlDependencies({add_total, add_count});
  Output update = DivNoNan(after, ReadValue(after, total),
                           ReadValue(after, count), "update_op");
  return Finish(s, options, value, update);
}

Metric Accuracy(const Scope& scope, const Input& labels_in,
                const Input& predictions_in, const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "accuracy");
  Output labels = ToOutput(s, labels_in);
  Output predictions = ToOutput(s, predictions_in);
  if (!s.ok()) return {};
  RemoveSqueezable(s, &predictions, &labels, nullptr);
  if (predictions.dtype() != labels.dtype())
    predictions = ops::Cast(s, predictions, labels.dtype());
  Output is_correct = ops::Cast(s, ops::Equal(s, predictions, labels), DT_FLOAT);
  return MeanIn(s, is_correct, options.weights, options);
}

namespace {

// labels and predictions as floats of the same rank.
void FloatPair(const Scope& s, const Input& labels_in,
               const Input& predictions_in, Output* labels,
               Output* predictions) {
  *labels = ToFloat(s, ToOutput(s, labels_in));
  *predictions = ToFloat(s, ToOutput(s, predictions_in));
  if (s.ok()) RemoveSqueezable(s, predictions, labels, nullptr);
}

}  // namespace

Metric MeanSquaredError(const Scope& scope, const Input& labels_in,
                        const Input& predictions_in,
                        const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean_squared_error");
  Output labels, predictions;
  FloatPair(s, labels_in, predictions_in, &labels, &predictions);
  if (!s.ok()) return {};
  return MeanIn(s, ops::SquaredDifference(s, labels, predictions),
                options.weights, options);
}

Metric RootMeanSquaredError(const Scope& scope, const Input& labels,
                            const Input& predictions,
                            const MetricOptions& options) {
  MetricOptions inner = options;
  if (inner.name.empty()) inner.name = "root_mean_squared_error";
  inner.metrics_collections.clear();
  inner.updates_collections.clear();
  Metric mse = MeanSquaredError(scope, labels, predictions, inner);
  if (!scope.ok()) return {};
  // The ops land beside the mse's, in its (already unique) name scope.
  const Scope s = scope.ReenterNameScope(mse.value.node->name().substr(
      0, mse.value.node->name().rfind('/')));
  return Finish(s, options, ops::Sqrt(s.WithOpName("rmse"), mse.value),
                ops::Sqrt(s.WithOpName("update_rmse_op"), mse.update_op));
}

Metric MeanAbsoluteError(const Scope& scope, const Input& labels_in,
                         const Input& predictions_in,
                         const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean_absolute_error");
  Output labels, predictions;
  FloatPair(s, labels_in, predictions_in, &labels, &predictions);
  if (!s.ok()) return {};
  return MeanIn(s, ops::Abs(s, ops::Sub(s, predictions, labels)),
                options.weights, options);
}

Metric MeanRelativeError(const Scope& scope, const Input& labels_in,
                         const Input& predictions_in,
                         const Input& normalizer_in,
                         const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean_relative_error");
  Output labels, predictions;
  FloatPair(s, labels_in, predictions_in, &labels, &predictions);
  Output normalizer = ToFloat(s, ToOutput(s, normalizer_in));
  if (!s.ok()) return {};
  RemoveSqueezable(s, &predictions, &normalizer, nullptr);
  Output error = ops::Abs(s, ops::Sub(s, labels, predictions));
  // Broadcast the normalizer to the errors' shape for the element-wise
  // select.
  Output norm = ops::Mul(s, normalizer, ops::OnesLike(s, error));
  Output is_zero = ops::Equal(s, norm, ops::ZerosLike(s, norm));
  Output safe = ops::Select(s, is_zero, ops::OnesLike(s, norm), norm);
  Output relative = ops::Select(s, is_zero, ops::ZerosLike(s, error),
                                ops::RealDiv(s, error, safe));
  return MeanIn(s, relative, options.weights, options);
}

namespace {

enum class Condition { kTP, kFP, kTN, kFN };

// TF's _count_condition on the named condition of bool labels/predictions.
Metric CountCondition(const Scope& scope, const Input& labels_in,
                      const Input& predictions_in, Condition which,
                      const std::string& default_name,
                      const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, default_name);
  Output labels = ToOutput(s, labels_in);
  Output predictions = ToOutput(s, predictions_in);
  if (!s.ok()) return {};
  RemoveSqueezable(s, &predictions, &labels, nullptr);
  labels = ToBool(s, labels);
  predictions = ToBool(s, predictions);
  Output l = which == Condition::kTP || which == Condition::kFN
                 ? labels
                 : ops::LogicalNot(s, labels);
  Output p = which == Condition::kTP || which == Condition::kFP
                 ? predictions
                 : ops::LogicalNot(s, predictions);
  Output values = ops::Cast(s, ops::LogicalAnd(s, l, p), DT_FLOAT);
  const Variable* count = MetricVariable(s, "count", TensorShape());
  if (HasWeights(options.weights)) {
    Output weights = ToOutput(s, options.weights);
    RemoveSqueezable(s, &values, nullptr, &weights);
    values = ops::Mul(s, values, BroadcastWeights(s, weights, values));
  }
  if (!s.ok()) return {};
  Operation add = AssignAddVariable(s, count, SumAll(s, values));
  Output value = ReadValue(s.WithOpName("value"), count);
  Output update =
      ReadValue(s.WithControlDependencies({add}).WithOpName("update_op"), count);
  return Finish(s, options, value, update);
}

// MetricOptions for a sub-metric: same weights, default name, no
// collections.
MetricOptions Sub(const MetricOptions& options) {
  MetricOptions sub;
  sub.weights = options.weights;
  return sub;
}

// num / (num + other), 0 when num + other is 0 (TF's precision / recall).
Output Ratio(const Scope& s, const Output& num, const Output& other,
             const std::string& name) {
  return DivNoNan(s, num, ops::Add(s, num, other), name);
}

}  // namespace

Metric TruePositives(const Scope& scope, const Input& labels,
                     const Input& predictions, const MetricOptions& options) {
  return CountCondition(scope, labels, predictions, Condition::kTP,
                        "true_positives", options);
}
Metric FalsePositives(const Scope& scope, const Input& labels,
                      const Input& predictions, const MetricOptions& options) {
  return CountCondition(scope, labels, predictions, Condition::kFP,
                        "false_positives", options);
}
Metric TrueNegatives(const Scope& scope, const Input& labels,
                     const Input& predictions, const MetricOptions& options) {
  return CountCondition(scope, labels, predictions, Condition::kTN,
                        "true_negatives", options);
}
Metric FalseNegatives(const Scope& scope, const Input& labels,
                      const Input& predictions, const MetricOptions& options) {
  return CountCondition(scope, labels, predictions, Condition::kFN,
                        "false_negatives", options);
}

Metric Precision(const Scope& scope, const Input& labels,
                 const Input& predictions, const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "precision");
  Metric tp = TruePositives(s, labels, predictions, Sub(options));
  Metric fp = FalsePositives(s, labels, predictions, Sub(options));
  if (!s.ok()) return {};
  return Finish(s, options, Ratio(s, tp.value, fp.value, "value"),
                Ratio(s, tp.update_op, fp.update_op, "update_op"));
}

Metric Recall(const Scope& scope, const Input& labels,
              const Input& predictions, const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "recall");
  Metric tp = TruePositives(s, labels, predictions, Sub(options));
  Metric fn = FalseNegatives(s, labels, predictions, Sub(options));
  if (!s.ok()) return {};
  return Finish(s, options, Ratio(s, tp.value, fn.value, "value"),
                Ratio(s, tp.update_op, fn.update_op, "update_op"));
}

// ---- Multi-class.

namespace {

// Flattened int32 ids.
Output FlatIds(const Scope& s, const Output& x) {
  Output ids = x.dtype() == DT_INT32 ? x : ops::Cast(s, x, DT_INT32);
  return ops::Reshape(s, ids, {-1});
}

// Flattened float weights, one per id (ones without weights).
Output FlatWeights(const Scope& s, const MetricOptions& options,
                   const Output& ids, DataType dtype) {
  Output ones = ops::OnesLike(s, ops::Cast(s, ids, dtype));
  if (!HasWeights(options.weights)) return ones;
  Output w = ToFloat(s, ToOutput(s, options.weights), dtype);
  return ops::Reshape(s, ops::Mul(s, ops::Reshape(s, w, {-1}), ones), {-1});
}

}  // namespace

Metric MeanIOU(const Scope& scope, const Input& labels_in,
               const Input& predictions_in, int num_classes,
               const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean_iou");
  Output labels = ToOutput(s, labels_in);
  Output predictions = ToOutput(s, predictions_in);
  if (!s.ok()) return {};
  const int64_t c = num_classes;
  const Variable* total_cm = MetricVariable(s, "total_confusion_matrix",
                                            TensorShape({c, c}), DT_DOUBLE);
  Output l = FlatIds(s, labels), p = FlatIds(s, predictions);
  Output ids = ops::Add(s, ops::Mul(s, l, num_classes), p);
  Output w = FlatWeights(s, options, ids, DT_DOUBLE);
  Output batch_cm = ops::Reshape(
      s, ops::UnsortedSegmentSum(s, w, ids, num_classes * num_classes),
      {num_classes, num_classes});
  if (!s.ok()) return {};
  Operation add = AssignAddVariable(s, total_cm, batch_cm);

  std::vector<float> eye(c * c, 0.f);
  for (int64_t i = 0; i < c; ++i) eye[i * c + i] = 1.f;
  const Tensor eye_t = Tensor::FromVector(eye, TensorShape({c, c}));
  auto compute = [&](const Scope& v, const Output& cm_d) {
    Output cm = ops::Cast(v, cm_d, DT_FLOAT);
    Output sum_over_row = ops::Sum(v, cm, 0);
    Output sum_over_col = ops::Sum(v, cm, 1);
    Output diag = ops::Sum(v, ops::Mul(v, cm, ops::Const(v, eye_t)), 1);
    Output denominator =
        ops::Sub(v, ops::Add(v, sum_over_row, sum_over_col), diag);
    Output num_valid = ops::Sum(
        v, ops::Cast(v, ops::NotEqual(v, denominator, 0.f), DT_FLOAT), 0);
    Output positive = ops::Greater(v, denominator, 0.f);
    Output safe = ops::Select(v, positive, denominator,
                              ops::OnesLike(v, denominator));
    Output iou = ops::RealDiv(v, diag, safe);
    return DivNoNan(v, ops::Sum(v, iou, 0), num_valid, "value");
  };
  Output value = compute(s, ReadValue(s, total_cm));
  Output update = ReadValue(
      s.WithControlDependencies({add}).WithOpName("update_op"), total_cm);
  return Finish(s, options, value, update);
}

Metric MeanPerClassAccuracy(const Scope& scope, const Input& labels_in,
                            const Input& predictions_in, int num_classes,
                            const MetricOptions& options) {
  const Scope s = MetricScope(scope, options, "mean_accuracy");
  Output labels = ToOutput(s, labels_in);
  Output predictions = ToOutput(s, predictions_in);
  if (!s.ok()) return {};
  const TensorShape shape({num_classes});
  const Variable* total = MetricVariable(s, "total", shape);
  const Variable* count = MetricVariable(s, "count", shape);
  Output l = FlatIds(s, labels), p = FlatIds(s, predictions);
  Output ones = FlatWeights(s, options, l, DT_FLOAT);
  Output is_correct =
      ops::Mul(s, ops::Cast(s, ops::Equal(s, l, p), DT_FLOAT), ones);
  if (!s.ok()) return {};
  Operation add_total = AssignAddVariable(
      s, total, ops::UnsortedSegmentSum(s, ones, l, num_classes));
  Operation add_count = AssignAddVariable(
      s, count, ops::UnsortedSegmentSum(s, is_correct, l, num_classes));
  Output per_class = DivNoNan(s, ReadValue(s, count), ReadValue(s, total));
  Output value = ops::Mean(s.WithOpName("mean_accuracy"), per_class, 0);
  const Scope after = s.WithControlDependencies({add_total, add_count});
  Output update = DivNoNan(after, ReadValue(after, count),
                           ReadValue(after, total), "update_op");
  return Finish(s, options, value, update);
}

}  // namespace metrics
}  // namespace tessera
