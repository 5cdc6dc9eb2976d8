#include "train/estimator.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "ops/array_ops.h"
#include "ops/variables.h"
#include "runtime/saver.h"
#include "train/hooks.h"
#include "train/monitored_session.h"
#include "train/summary_hooks.h"

namespace tessera {
namespace train {
namespace fs = std::filesystem;

const char* ModeName(ModeKeys mode) {
  switch (mode) {
    case ModeKeys::kTrain: return "train";
    case ModeKeys::kEval: return "eval";
    case ModeKeys::kPredict: return "infer";
  }
  return "?";
}

double Params::Number(const std::string& key, double default_value) const {
  auto it = numbers.find(key);
  return it == numbers.end() ? default_value : it->second;
}

std::string Params::String(const std::string& key,
                           const std::string& default_value) const {
  auto it = strings.find(key);
  return it == strings.end() ? default_value : it->second;
}

Estimator::Estimator(ModelFn model_fn, RunConfig config, Params params,
                     WarmStartSettings warm_start)
    : model_fn_(std::move(model_fn)),
      config_(std::move(config)),
      params_(std::move(params)),
      warm_start_(std::move(warm_start)) {}

absl::StatusOr<std::string> Estimator::LatestCheckpoint() const {
  return ::tessera::LatestCheckpoint(config_.model_dir);
}

absl::StatusOr<EstimatorSpec> Estimator::BuildModel(const Scope& root,
                                                    const InputFn& input_fn,
                                                    ModeKeys mode) const {
  if (config_.tf_random_seed >= 0) root.graph()->set_seed(config_.tf_random_seed);
  GetOrCreateGlobalStep(root);
  ASSIGN_OR_RETURN(Features features, input_fn(root));
  RETURN_IF_ERROR(root.status());
  ASSIGN_OR_RETURN(EstimatorSpec spec, model_fn_(root, features, mode, params_));
  RETURN_IF_ERROR(root.status());
  const char* what = nullptr;
  if (mode != ModeKeys::kPredict && !spec.loss.valid()) what = "loss";
  if (mode == ModeKeys::kTrain && !spec.train_op.valid()) what = "train_op";
  if (mode == ModeKeys::kPredict && spec.predictions.empty()) what = "predictions";
  if (what != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model_fn returned no ", what, " in mode ", ModeName(mode)));
  }
  return spec;
}

absl::Status Estimator::WarmStart(const Scope& root) const {
  if (warm_start_.ckpt_to_initialize_from.empty()) return absl::OkStatus();
  std::string prefix = warm_start_.ckpt_to_initialize_from;
  if (fs::is_directory(prefix)) {
    ASSIGN_OR_RETURN(prefix, ::tessera::LatestCheckpoint(prefix));
  }
  std::map<std::string, std::string> map = warm_start_.assignment_map;
  if (map.empty()) {
    for (const Variable* v :
         root.graph()->GetVariables(GraphKeys::kTrainableVariables)) {
      map[v->name] = v->name;
    }
  }
  return InitFromCheckpoint(root, prefix, map);
}

namespace {

// Every metric as a scalar summary at the evaluated global step.
absl::Status WriteEvalSummary(const std::string& dir,
                              const std::map<std::string, double>& metrics) {
  ASSIGN_OR_RETURN(std::shared_ptr<summary::FileWriter> writer,
                   CachedFileWriter(dir));
  ::tensorflow::Summary s;
  for (const auto& [key, value] : metrics) {
    if (key == "global_step") continue;
    auto* v = s.add_value();
    v->set_tag(key);
    v->set_simple_value(static_cast<float>(value));
  }
  RETURN_IF_ERROR(writer->AddSummary(std::move(s),
                                     static_cast<int64_t>(metrics.at("global_step"))));
  return writer->Flush();
}

}  // namespace

absl::StatusOr<TrainResult> Estimator::Train(
    const InputFn& input_fn, int64_t steps, int64_t max_steps,
    std::vector<std::shared_ptr<SessionRunHook>> hooks) {
  absl::StatusOr<std::string> latest = LatestCheckpoint();
  if (max_steps > 0 && latest.ok()) {
    // Cheap check without building the model: TF's "skipping training".
    absl::StatusOr<Tensor> step = LoadVariable(*latest, "global_step");
    if (step.ok() && IndexValues(*step)[0] >= max_steps) {
      return TrainResult{IndexValues(*step)[0], 0, 0.f};
    }
  }
  Scope root = Scope::NewRootScope();
  ASSIGN_OR_RETURN(EstimatorSpec spec, BuildModel(root, input_fn, ModeKeys::kTrain));
  if (!latest.ok()) RETURN_IF_ERROR(WarmStart(root));

  Scaffold scaffold;
  SaverOptions saver_options;
  saver_options.max_to_keep = config_.keep_checkpoint_max;
  ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver,
                   Saver::Create(root.AtRootNameScope(), saver_options));
  scaffold.saver = std::move(saver);

  MonitoredSessionOptions options;
  options.checkpoint_dir = config_.model_dir;
  options.save_checkpoint_steps = config_.save_checkpoints_steps;
  options.save_checkpoint_secs = config_.save_checkpoints_secs;
  options.session_options = config_.session_options;
  options.hooks = std::move(hooks);
  options.hooks.push_back(std::make_shared<NanTensorHook>(spec.loss));
  if (config_.log_step_count_steps > 0) {
    options.hooks.push_back(std::make_shared<LoggingTensorHook>(
        std::map<std::string, Output>{{"loss", spec.loss}},
        config_.log_step_count_steps));
  }
  if (steps > 0 || max_steps > 0) {
    options.hooks.push_back(std::make_shared<StopAtStepHook>(
        steps > 0 ? steps : 0, steps > 0 ? 0 : max_steps));
  }
  if (config_.save_summary_steps > 0) {
    options.hooks.push_back(std::make_shared<SummarySaverHook>(
        config_.save_summary_steps, config_.model_dir));
  }
  if (config_.log_step_count_steps > 0) {
    options.hooks.push_back(std::make_shared<StepCounterHook>(
        config_.log_step_count_steps, config_.model_dir));
  }
  for (auto& hook : spec.training_hooks) options.hooks.push_back(hook);
  ASSIGN_OR_RETURN(std::unique_ptr<MonitoredSession> session,
                   MonitoredSession::Create(root, scaffold, options));
  TrainResult result;
  std::vector<Tensor> out;
  while (!session->ShouldStop()) {
    absl::Status s = session->Run({spec.loss}, {spec.train_op}, &out);
    if (absl::IsOutOfRange(s)) break;
    RETURN_IF_ERROR(s);
    ++result.steps_run;
    result.last_loss = out[0].scalar<float>();
  }
  RETURN_IF_ERROR(session->Close());
  ASSIGN_OR_RETURN(result.global_step, ReadGlobalStep(session->raw_session()));
  return result;
}

absl::StatusOr<std::map<std::string, double>> Estimator::Evaluate(
    const InputFn& input_fn, int64_t steps, const std::string& name) {
  absl::StatusOr<std::string> latest = LatestCheckpoint();
  if (!latest.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Evaluate: no trained model in model_dir '", config_.model_dir,
        "' (train first)"));
  }
  Scope root = Scope::NewRootScope();
  ASSIGN_OR_RETURN(EstimatorSpec spec, BuildModel(root, input_fn, ModeKeys::kEval));
  Scope m = root.WithVariableScope("metrics");
  spec.eval_metric_ops.emplace("loss", metrics::Mean(m, spec.loss));
  std::vector<Operation> updates;
  std::vector<Output> values;
  for (const auto& [key, metric] : spec.eval_metric_ops) {
    updates.push_back(metric.update_op);
    values.push_back(metric.value);
  }
  Operation update = ops::Group(root, updates);

  MonitoredSessionOptions options;
  options.checkpoint_dir = config_.model_dir;
  options.save_checkpoint_secs = 0;  // evaluation never saves
  options.session_options = config_.session_options;
  options.hooks = spec.evaluation_hooks;
  std::map<std::string, double> result;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<MonitoredSession> session,
                     MonitoredSession::Create(root, {}, options));
    for (int64_t i = 0; (steps <= 0 || i < steps) && !session->ShouldStop(); ++i) {
      absl::Status s = session->Run({}, {update}, nullptr);
      if (absl::IsOutOfRange(s)) break;
      RETURN_IF_ERROR(s);
    }
    std::vector<Tensor> out;
    RETURN_IF_ERROR(session->raw_session()->Run({}, values, &out));
    size_t i = 0;
    for (const auto& [key, metric] : spec.eval_metric_ops) {
      result[key] = out[i++].scalar<float>();
    }
    ASSIGN_OR_RETURN(int64_t step, ReadGlobalStep(session->raw_session()));
    result["global_step"] = static_cast<double>(step);
    RETURN_IF_ERROR(session->Close());
  }
  RETURN_IF_ERROR(WriteEvalSummary(
      config_.model_dir + (name.empty() ? "/eval" : "/eval_" + name), result));
  return result;
}

absl::StatusOr<std::vector<std::map<std::string, Tensor>>> Estimator::Predict(
    const InputFn& input_fn) {
  ASSIGN_OR_RETURN(std::string latest, LatestCheckpoint());
  Scope root = Scope::NewRootScope();
  ASSIGN_OR_RETURN(EstimatorSpec spec,
                   BuildModel(root, input_fn, ModeKeys::kPredict));
  MonitoredSessionOptions options;
  options.checkpoint_dir = config_.model_dir;
  options.save_checkpoint_secs = 0;
  options.session_options = config_.session_options;
  ASSIGN_OR_RETURN(std::unique_ptr<MonitoredSession> session,
                   MonitoredSession::Create(root, {}, options));
  std::vector<Output> fetches;
  for (const auto& [key, output] : spec.predictions) fetches.push_back(output);
  std::vector<std::map<std::string, Tensor>> examples;
  while (!session->ShouldStop()) {
    std::vector<Tensor> out;
    absl::Status s = session->Run(fetches, {}, &out);
    if (absl::IsOutOfRange(s)) break;
    RETURN_IF_ERROR(s);
    int64_t batch = out[0].dims() > 0 ? out[0].dim_size(0) : 1;
    for (int64_t b = 0; b < batch; ++b) {
      std::map<std::string, Tensor>& example = examples.emplace_back();
      size_t i = 0;
      for (const auto& [key, output] : spec.predictions) {
        const Tensor& t = out[i++];
        if (t.dims() == 0 || t.dim_size(0) != batch) {
          return absl::InvalidArgumentError(absl::StrCat(
              "prediction '", key, "' has shape ", t.shape().DebugString(),
              "; every prediction needs the batch size ", batch, " as dim 0"));
        }
        ASSIGN_OR_RETURN(example[key], t.SubSlice(b));
      }
    }
  }
  RETURN_IF_ERROR(session->Close());
  return examples;
}

absl::StatusOr<std::vector<std::map<std::string, double>>> TrainAndEvaluate(
    Estimator* estimator, const TrainSpec& train_spec,
    const EvalSpec& eval_spec) {
  std::vector<std::map<std::string, double>> evaluations;
  for (int pass = 0;; ++pass) {
    if (train_spec.max_steps <= 0 && pass >= train_spec.epochs) break;
    ASSIGN_OR_RETURN(TrainResult trained,
                     estimator->Train(train_spec.input_fn, -1,
                                      train_spec.max_steps, train_spec.hooks));
    ASSIGN_OR_RETURN(evaluations.emplace_back(),
                     estimator->Evaluate(eval_spec.input_fn, eval_spec.steps,
                                         eval_spec.name));
    if (train_spec.max_steps > 0 && trained.global_step >= train_spec.max_steps) {
      break;
    }
    if (trained.steps_run == 0) break;  // an empty input would loop forever
  }
  return evaluations;
}

}  // namespace train
}  // namespace tessera
