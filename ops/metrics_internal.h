// Helpers shared by the metrics builders (metrics.cc, metrics_confusion.cc).
#ifndef TESSERA_OPS_METRICS_INTERNAL_H_
#define TESSERA_OPS_METRICS_INTERNAL_H_

#include <string>
#include <vector>

#include "graph/node_builder.h"
#include "ops/metrics.h"

namespace tessera {
namespace metrics {
namespace internal {

// The metric's name scope: options.name or `default_name`, made unique.
Scope MetricScope(const Scope& scope, const MetricOptions& options,
                  const std::string& default_name);
// A zero-initialized local metric variable "<name scope of s>/<name>"
// (TF1's metric_variable).
const Variable* MetricVariable(const Scope& s, const std::string& name,
                               const TensorShape& shape,
                               DataType dtype = DT_FLOAT);

bool HasWeights(const Input& weights);
// The Input as an Output (a Const for literals); records literal errors.
Output ToOutput(const Scope& s, const Input& in);
Output ToFloat(const Scope& s, const Output& x, DataType dtype = DT_FLOAT);
// x != 0 (bool stays bool).
Output ToBool(const Scope& s, const Output& x);
// TF's _safe_div: num / den, or 0 where den == 0 (one DivNoNan op, named
// `name` if given).
Output DivNoNan(const Scope& s, const Output& num, const Output& den,
                const std::string& name = "");

// TF's _remove_squeezable_dimensions on static ranks: squeezes a trailing 1
// of labels or predictions whose ranks differ by one; squeezes or expands
// the weights' last dim to the predictions' rank. `labels` and `weights`
// may be null.
void RemoveSqueezable(const Scope& s, Output* predictions, Output* labels,
                      Output* weights);
// weights (cast to float) * ones_like(values).
Output BroadcastWeights(const Scope& s, const Output& weights,
                        const Output& values);

// Adds value / update_op to the options' collections and returns them.
Metric Finish(const Scope& s, const MetricOptions& options, Output value,
              Output update_op);

// TF's _confusion_matrix_at_thresholds: variables "true_positives",
// "false_negatives", "true_negatives", "false_positives" ([T], float) in
// `s`, for the kinds in `includes` ("tp", "fn", "tn", "fp").
struct ConfusionAtThresholds {
  // Fresh reads of the variables (for value) and reads after every
  // update (for update_op); invalid for kinds not included.
  Output tp, fn, tn, fp;
  Output tp_update, fn_update, tn_update, fp_update;
};
ConfusionAtThresholds BuildConfusionAtThresholds(
    const Scope& s, const Input& labels, const Input& predictions,
    const std::vector<float>& thresholds, const Input& weights,
    const std::vector<std::string>& includes);

}  // namespace internal
}  // namespace metrics
}  // namespace tessera

#endif  // TESSERA_OPS_METRICS_INTERNAL_H_
