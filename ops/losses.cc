// Losses as graph builders. Each gets its own name scope
// ("sparse_softmax_cross_entropy_loss/...") as in TF1.
#include "ops/losses.h"

#include "absl/strings/str_cat.h"
#include "graph/collections.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/reduction_ops.h"
#include "ops/shape_ops.h"
#include "ops/slice_ops.h"

namespace tessera {
namespace losses {

Output ComputeWeightedLoss(const Scope& scope, const Output& losses,
                           const LossOptions& options) {
  const Scope s = scope.NewSubScope("weighted_loss");
  Output losses_f = losses.dtype() == DT_FLOAT
                        ? losses
                        : ops::Cast(s, losses, DT_FLOAT);
  Output weights = ops::Cast(s, ops::Identity(s, options.weights), DT_FLOAT);
  // Weights broadcast to the losses' shape (so counts are per element).
  Output full_weights = ops::Mul(s, weights, ops::OnesLike(s, losses_f));
  Output weighted = ops::Mul(s, losses_f, full_weights);
  Output total;
  switch (options.reduction) {
    case Reduction::kNone:
      total = weighted;
      break;
    case Reduction::kSum:
      total = ops::SumAll(s, weighted);
      break;
    case Reduction::kMean:
      total = ops::DivNoNan(s, ops::SumAll(s, weighted), ops::SumAll(s, full_weights));
      break;
    case Reduction::kSumOverBatchSize:
      total = ops::DivNoNan(s, ops::SumAll(s, weighted),
                      ops::Cast(s, ops::Size(s, losses_f), DT_FLOAT));
      break;
    case Reduction::kSumByNonzeroWeights: {
      Output nonzero = ops::Cast(s, ops::NotEqual(s, full_weights, 0.f), DT_FLOAT);
      total = ops::DivNoNan(s, ops::SumAll(s, weighted), ops::SumAll(s, nonzero));
      break;
    }
  }
  total = ops::Identity(s.WithOpName("value"), total);
  if (options.add_to_collection && total.valid()) {
    scope.graph()->AddToCollection(GraphKeys::kLosses, total);
  }
  return total;
}

Output SparseSoftmaxCrossEntropy(const Scope& scope, const Input& labels,
                                 const Input& logits,
                                 const LossOptions& options) {
  const Scope s = scope.NewSubScope("sparse_softmax_cross_entropy_loss");
  auto xent = ops::SparseSoftmaxCrossEntropyWithLogits(s, logits, labels);
  return ComputeWeightedLoss(s, xent.loss, options);
}

Output SoftmaxCrossEntropy(const Scope& scope, const Output& onehot_labels,
                           const Output& logits, double label_smoothing,
                           const LossOptions& options) {
  const Scope s = scope.NewSubScope("softmax_cross_entropy_loss");
  Output labels = ops::Cast(s, onehot_labels, logits.dtype());
  if (label_smoothing > 0) {
    Output classes = ops::Cast(
        s,
        ops::Slice(s, ops::Shape(s, logits),
                   ops::Reshape(s, ops::Sub(s, ops::Rank(s, logits), 1), {1}),
                   {1}),
        logits.dtype());
    labels = ops::Add(s, ops::Mul(s, labels, float(1 - label_smoothing)),
                      ops::RealDiv(s, float(label_smoothing), classes));
  }
  auto xent = ops::SoftmaxCrossEntropyWithLogits(s, logits, labels);
  return ComputeWeightedLoss(s, xent.loss, options);
}

Output SigmoidCrossEntropy(const Scope& scope, const Output& labels,
                           const Output& logits, double label_smoothing,
                           const LossOptions& options) {
  const Scope s = scope.NewSubScope("sigmoid_cross_entropy_loss");
  Output z = ops::Cast(s, labels, logits.dtype());
  if (label_smoothing > 0) {
    z = ops::Add(s, ops::Mul(s, z, float(1 - label_smoothing)),
                 float(0.5 * label_smoothing));
  }
  // max(x, 0) - x * z + log(1 + exp(-|x|)): stable for large |x|.
  Output x = logits;
  Output loss = ops::Add(
      s, ops::Sub(s, ops::Maximum(s, x, 0.f), ops::Mul(s, x, z)),
      ops::Log(s, ops::Add(s, ops::Exp(s, ops::Neg(s, ops::Abs(s, x))), 1.f)));
  return ComputeWeightedLoss(s, loss, options);
}

Output MeanSquaredError(const Scope& scope, const Input& labels,
                        const Input& predictions, const LossOptions& options) {
  const Scope s = scope.NewSubScope("mean_squared_error");
  return ComputeWeightedLoss(
      s, ops::SquaredDifference(s, predictions, labels), options);
}

Output AbsoluteDifference(const Scope& scope, const Input& labels,
                          const Input& predictions,
                          const LossOptions& options) {
  const Scope s = scope.NewSubScope("absolute_difference");
  return ComputeWeightedLoss(
      s, ops::Abs(s, ops::Sub(s, predictions, labels)), options);
}

Output HuberLoss(const Scope& scope, const Input& labels,
                 const Input& predictions, double delta,
                 const LossOptions& options) {
  const Scope s = scope.NewSubScope("huber_loss");
  Output error = ops::Abs(s, ops::Sub(s, predictions, labels));
  Output quadratic = ops::Minimum(s, error, float(delta));
  Output linear = ops::Sub(s, error, quadratic);
  Output loss = ops::Add(s, ops::Mul(s, ops::Square(s, quadratic), 0.5f),
                         ops::Mul(s, linear, float(delta)));
  return ComputeWeightedLoss(s, loss, options);
}

Output GetTotalLoss(const Scope& scope, bool add_regularization_losses) {
  InputList terms;
  std::vector<std::string> keys = {GraphKeys::kLosses};
  if (add_regularization_losses) keys.push_back(GraphKeys::kRegularizationLosses);
  for (const std::string& key : keys) {
    for (const CollectionItem& item : scope.graph()->GetCollection(key)) {
      if (const auto* out = std::get_if<Output>(&item)) terms.push_back(*out);
    }
  }
  if (terms.empty()) {
    scope.UpdateStatus(absl::InvalidArgumentError(
        "GetTotalLoss: no losses in LOSSES or REGULARIZATION_LOSSES"));
    return Output();
  }
  const Scope named = scope.WithOpName("total_loss");
  return terms.size() == 1 ? ops::Identity(named, terms[0])
                           : ops::AddN(named, terms);
}

Regularizer L1Regularizer(double scale) {
  return [scale](const Scope& scope, const Output& w) {
    const Scope s = scope.NewSubScope("l1_regularizer");
    return ops::Mul(s, ops::SumAll(s, ops::Abs(s, w)), scale);
  };
}

Regularizer L2Regularizer(double scale) {
  return [scale](const Scope& scope, const Output& w) {
    const Scope s = scope.NewSubScope("l2_regularizer");
    return ops::Mul(s, ops::L2Loss(s, w), scale);
  };
}

}  // namespace losses
}  // namespace tessera
