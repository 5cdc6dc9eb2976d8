// Saver: SaveV2 / RestoreV2 in the graph, the checkpoint state file and
// max_to_keep bookkeeping on the host.
#include "runtime/saver.h"

#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/status.h"
#include "core/table.h"
#include "core/tensor_bundle.h"
#include "google/protobuf/text_format.h"
#include "graph/graph_def_io.h"
#include "ops/array_ops.h"
#include "ops/io_ops.h"
#include "ops/slice_ops.h"
#include "ops/variables.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

Tensor Strings(const std::vector<std::string>& v) {
  return Tensor::FromVector<tstring>(std::vector<tstring>(v.begin(), v.end()));
}

std::string DirOf(const std::string& prefix) {
  const std::string dir = fs::path(prefix).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Removes a checkpoint's index and data files.
void DeleteCheckpoint(const std::string& prefix) {
  std::error_code ec;
  fs::remove(BundleIndexFilename(prefix), ec);
  const fs::path p(prefix);
  const std::string base = p.filename().string() + ".data-";
  for (const auto& entry : fs::directory_iterator(DirOf(prefix), ec)) {
    if (entry.path().filename().string().rfind(base, 0) == 0) {
      fs::remove(entry.path(), ec);
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Saver>> Saver::Create(const Scope& scope,
                                                     SaverOptions options) {
  RETURN_IF_ERROR(scope.status());
  std::unique_ptr<Saver> saver(new Saver);
  if (!options.name_map.empty()) {
    for (const auto& [key, var] : options.name_map) {
      saver->keys_.push_back(key);
      saver->vars_.push_back(var);
    }
  } else {
    if (options.var_list.empty()) {
      options.var_list =
          scope.graph()->GetVariables(GraphKeys::kGlobalVariables);
    }
    for (const Variable* v : options.var_list) {
      saver->keys_.push_back(v->name);
      saver->vars_.push_back(v);
    }
  }
  if (saver->vars_.empty()) {
    return absl::InvalidArgumentError("Saver: no variables to save");
  }
  saver->options_ = std::move(options);
  const Scope s = scope.NewSubScope("save");
  saver->filename_ =
      ops::Const(s.WithOpName("Const"), Tensor::Scalar<tstring>("model"));
  RETURN_IF_ERROR(saver->BuildSave(s));
  for (size_t i = 0; i < saver->vars_.size(); ++i) {
    const Variable* v = saver->vars_[i];
    Output value = ops::RestoreV2(s.WithOpName("RestoreV2"), saver->filename_,
                                  Strings({saver->keys_[i]}), Strings({""}),
                                  {v->dtype})[0];
    saver->restore_ops_.push_back(AssignVariable(s.WithOpName("Assign"), v, value));
  }
  saver->restore_all_ =
      ops::Group(s.WithOpName("restore_all"), saver->restore_ops_);
  RETURN_IF_ERROR(scope.status());
  // As TF: the every-n-hours clock starts when the Saver is built.
  saver->last_preserved_ = absl::ToUnixMicros(absl::Now()) / 1e6;
  return saver;
}

// Unsharded: SaveV2 to the prefix; "control_dependency" returns it after
// the save. Sharded (TF's _AddShardedSaveOpsForV2): per device a SaveV2 to
// ShardedFilename("<prefix>_temp/part", k, n), then MergeV2Checkpoints
// into the prefix; "Identity" returns it after the merge.
absl::Status Saver::BuildSave(const Scope& s) {
  std::map<std::string, std::vector<size_t>> by_device;
  for (size_t i = 0; i < vars_.size(); ++i) {
    const std::string& device =
        options_.sharded ? vars_[i]->handle->requested_device() : "";
    by_device[device].push_back(i);
  }
  auto save = [&](const Scope& sc, const Output& prefix,
                  const std::vector<size_t>& which) {
    InputList values;
    std::vector<std::string> keys;
    for (size_t i : which) {
      values.push_back(Output{vars_[i]->read, 0});
      keys.push_back(keys_[i]);
    }
    const Tensor no_slices = Strings(std::vector<std::string>(keys.size()));
    Operation op = ops::SaveV2(sc.WithOpName("SaveV2"), prefix, Strings(keys),
                               no_slices, values);
    return ops::Identity(
        sc.WithOpName("control_dependency").WithControlDependencies({op}),
        prefix);
  };
  if (!options_.sharded) {
    save_op_ = save(s, filename_, by_device[""]).node;
    save_tensor_name_ = Output{save_op_.node, 0}.name();
    return s.status();
  }
  Output tmp = ops::StringJoin(s.WithOpName("StringJoin"),
                               {filename_, Tensor::Scalar<tstring>("_temp/part")});
  const int n = static_cast<int>(by_device.size());
  Output num_shards = ops::Const(s.WithOpName("num_shards"), n);
  InputList shard_prefixes;
  std::vector<Operation> saves;
  int k = 0;
  for (const auto& [device, which] : by_device) {
    const Scope sd = s.WithDevice(device);
    Output name = ops::ShardedFilename(sd.WithOpName("ShardedFilename"), tmp,
                                       k++, num_shards);
    Output done = save(sd, name, which);
    shard_prefixes.push_back(name);
    saves.push_back(done);
  }
  Output prefixes = ops::Pack(s.WithOpName("MergeV2Checkpoints/checkpoint_prefixes")
                                  .WithControlDependencies(saves),
                              shard_prefixes);
  Operation merge = ops::MergeV2Checkpoints(s.WithOpName("MergeV2Checkpoints"),
                                            prefixes, filename_);
  Output result = ops::Identity(
      s.WithOpName("Identity").WithControlDependencies({merge}), filename_);
  save_op_ = result.node;
  save_tensor_name_ = result.name();
  return s.status();
}

absl::StatusOr<std::unique_ptr<Saver>> Saver::FromSaverDef(
    const Graph& graph, const ::tensorflow::SaverDef& saver_def) {
  // V1 (saved slices) restores: RestoreV2 reads V1 files. Saving through a
  // V1 graph's SaveSlices op fails with an error saying V1 is read-only.
  std::unique_ptr<Saver> saver(new Saver);
  saver->version_ = saver_def.version();
  // "^name" is a control output to FindOutput; a SaverDef names tensors.
  for (const std::string* name : {&saver_def.filename_tensor_name(),
                                  &saver_def.save_tensor_name()}) {
    if (absl::StartsWith(*name, "^")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SaverDef names '", *name, "', a control dependency, as a tensor"));
    }
  }
  ASSIGN_OR_RETURN(saver->filename_,
                   graph.FindOutput(saver_def.filename_tensor_name()));
  ASSIGN_OR_RETURN(Output save, graph.FindOutput(saver_def.save_tensor_name()));
  saver->save_op_ = save.node;
  saver->save_tensor_name_ = saver_def.save_tensor_name();
  saver->restore_all_ = graph.FindNode(saver_def.restore_op_name());
  if (!saver->restore_all_.valid()) {
    return absl::NotFoundError(absl::StrCat(
        "SaverDef names restore op '", saver_def.restore_op_name(),
        "', which is not in the graph"));
  }
  saver->options_.max_to_keep = saver_def.max_to_keep();
  saver->options_.keep_checkpoint_every_n_hours =
      saver_def.keep_checkpoint_every_n_hours();
  saver->options_.sharded = saver_def.sharded();
  saver->last_preserved_ = absl::ToUnixMicros(absl::Now()) / 1e6;
  return saver;
}

::tensorflow::SaverDef Saver::saver_def() const {
  ::tensorflow::SaverDef def;
  def.set_filename_tensor_name(filename_.name());
  def.set_save_tensor_name(save_tensor_name_);
  def.set_restore_op_name(restore_all_.name());
  def.set_max_to_keep(options_.max_to_keep);
  def.set_sharded(options_.sharded);
  def.set_keep_checkpoint_every_n_hours(
      static_cast<float>(options_.keep_checkpoint_every_n_hours));
  def.set_version(version_);
  return def;
}

absl::StatusOr<std::string> Saver::Save(Session* session,
                                        const std::string& prefix,
                                        int64_t global_step,
                                        bool write_state) {
  const std::string path =
      global_step >= 0 ? absl::StrCat(prefix, "-", global_step) : prefix;
  std::error_code ec;
  fs::create_directories(DirOf(path), ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot create the checkpoint directory ", DirOf(path), ": ",
        ec.message()));
  }
  RETURN_IF_ERROR(session->Run({{filename_, Tensor::Scalar<tstring>(path)}},
                               {}, {save_op_}, nullptr));
  if (write_state) RETURN_IF_ERROR(UpdateState(path));
  return path;
}

void Saver::RecoverLastCheckpoints(const ::tensorflow::CheckpointState& state) {
  kept_.clear();
  const auto& paths = state.all_model_checkpoint_paths();
  const auto& times = state.all_model_checkpoint_timestamps();
  const double now = absl::ToUnixMicros(absl::Now()) / 1e6;
  for (int i = 0; i < paths.size(); ++i) {
    kept_.push_back({paths[i], i < times.size() ? times[i] : now});
  }
  if (state.last_preserved_timestamp() > 0) {
    last_preserved_ = state.last_preserved_timestamp();
  }
}

// Records `prefix` as the newest checkpoint, drops the oldest beyond
// max_to_keep (unless keep_checkpoint_every_n_hours preserves it) and
// rewrites the state file atomically.
absl::Status Saver::UpdateState(const std::string& prefix) {
  const double now = absl::ToUnixMicros(absl::Now()) / 1e6;
  for (auto it = kept_.begin(); it != kept_.end();) {  // re-saved prefix
    it = it->first == prefix ? kept_.erase(it) : it + 1;
  }
  kept_.push_back({prefix, now});
  while (options_.max_to_keep > 0 &&
         static_cast<int>(kept_.size()) > options_.max_to_keep) {
    const auto [oldest, time] = kept_.front();
    kept_.erase(kept_.begin());
    if (time - last_preserved_ >=
        options_.keep_checkpoint_every_n_hours * 3600) {
      last_preserved_ = time;  // kept on disk, no longer tracked
    } else {
      DeleteCheckpoint(oldest);
    }
  }
  ::tensorflow::CheckpointState state;
  state.set_model_checkpoint_path(prefix);
  for (const auto& [p, t] : kept_) {
    state.add_all_model_checkpoint_paths(p);
    state.add_all_model_checkpoint_timestamps(t);
  }
  state.set_last_preserved_timestamp(last_preserved_);
  std::string text;
  google::protobuf::TextFormat::PrintToString(state, &text);
  return table::WriteFileAtomically(DirOf(prefix) + "/checkpoint", text);
}

// Compares the checkpoint with the variables; `use` marks what to restore.
absl::Status Saver::CheckCheckpoint(const std::string& prefix,
                                    std::vector<bool>* use) const {
  ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                   BundleReader::Open(prefix));
  std::vector<std::string> missing, mismatched;
  std::set<std::string> unused;
  for (const std::string& k : reader->Keys()) unused.insert(k);
  use->assign(vars_.size(), false);
  for (size_t i = 0; i < vars_.size(); ++i) {
    const Variable* v = vars_[i];
    unused.erase(keys_[i]);
    auto dtype = reader->LookupDtype(keys_[i]);
    if (!dtype.ok()) {
      missing.push_back(keys_[i]);
      continue;
    }
    auto shape = reader->LookupShape(keys_[i]);
    RETURN_IF_ERROR(shape.status());
    if (*dtype != v->dtype || !v->shape.IsCompatibleWith(*shape)) {
      mismatched.push_back(absl::StrCat(
          keys_[i], " (variable ", v->name, ": ", DataTypeString(v->dtype), " ",
          v->shape.DebugString(), ", checkpoint: ", DataTypeString(*dtype), " ",
          shape->DebugString(), ")"));
      continue;
    }
    (*use)[i] = true;
  }
  if (options_.lenient || (missing.empty() && mismatched.empty())) {
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat(
      "Restoring from checkpoint ", prefix, " failed.",
      missing.empty() ? "" : " Missing from the checkpoint: ",
      absl::StrJoin(missing, ", "), ".",
      mismatched.empty() ? "" : " Mismatched: ",
      absl::StrJoin(mismatched, ", "),
      unused.empty() ? "" : " Checkpoint keys not used: ",
      absl::StrJoin(unused, ", ")));
}

absl::Status Saver::Restore(Session* session, const std::string& prefix) {
  if (vars_.empty()) {  // FromSaverDef
    return session->Run({{filename_, Tensor::Scalar<tstring>(prefix)}}, {},
                        {restore_all_}, nullptr);
  }
  std::vector<bool> use;
  RETURN_IF_ERROR(CheckCheckpoint(prefix, &use));
  std::vector<Operation> targets;
  for (size_t i = 0; i < use.size(); ++i) {
    if (use[i]) targets.push_back(restore_ops_[i]);
  }
  if (targets.empty()) return absl::OkStatus();
  return session->Run({{filename_, Tensor::Scalar<tstring>(prefix)}}, {},
                      targets, nullptr);
}

absl::StatusOr<std::vector<CheckpointVariable>> ListVariables(
    const std::string& prefix) {
  ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                   BundleReader::Open(prefix));
  std::vector<CheckpointVariable> vars;
  for (const std::string& key : reader->Keys()) {
    ASSIGN_OR_RETURN(DataType dtype, reader->LookupDtype(key));
    ASSIGN_OR_RETURN(TensorShape shape, reader->LookupShape(key));
    vars.push_back({key, dtype, shape});
  }
  return vars;
}

absl::StatusOr<Tensor> LoadVariable(const std::string& prefix,
                                    const std::string& name) {
  ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                   BundleReader::Open(prefix));
  return reader->Lookup(name);
}

namespace {

// (checkpoint name, variable) pairs the assignment map selects.
absl::StatusOr<std::vector<std::pair<std::string, Variable*>>> ResolveMap(
    Graph* graph, const std::map<std::string, std::string>& assignment_map) {
  std::vector<std::pair<std::string, Variable*>> pairs;
  for (const auto& [ckpt, var_name] : assignment_map) {
    const bool scope_map = !ckpt.empty() && ckpt.back() == '/' &&
                           !var_name.empty() && var_name.back() == '/';
    if (!scope_map) {
      Variable* v = graph->MutableVariable(var_name);
      if (v == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "InitFromCheckpoint: no variable ", var_name, " in the graph"));
      }
      pairs.push_back({ckpt, v});
      continue;
    }
    bool any = false;
    for (const Variable* v : graph->variables()) {
      if (v->name.rfind(var_name, 0) != 0) continue;
      pairs.push_back({ckpt + v->name.substr(var_name.size()),
                       graph->MutableVariable(v->name)});
      any = true;
    }
    if (!any) {
      return absl::NotFoundError(absl::StrCat(
          "InitFromCheckpoint: no variable under scope ", var_name));
    }
  }
  return pairs;
}

}  // namespace

absl::Status InitFromCheckpoint(
    const Scope& scope, const std::string& prefix,
    const std::map<std::string, std::string>& assignment_map) {
  RETURN_IF_ERROR(scope.status());
  ASSIGN_OR_RETURN(auto pairs, ResolveMap(scope.graph(), assignment_map));
  ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader,
                   BundleReader::Open(prefix));
  std::vector<std::string> problems;
  for (const auto& [key, v] : pairs) {
    auto dtype = reader->LookupDtype(key);
    auto shape = reader->LookupShape(key);
    if (!dtype.ok() || !shape.ok()) {
      problems.push_back(absl::StrCat(key, " (for ", v->name, "): not in the checkpoint"));
    } else if (*dtype != v->dtype || !v->shape.IsCompatibleWith(*shape)) {
      problems.push_back(absl::StrCat(
          key, " (for ", v->name, "): checkpoint has ", DataTypeString(*dtype),
          " ", shape->DebugString(), ", variable is ", DataTypeString(v->dtype),
          " ", v->shape.DebugString()));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "InitFromCheckpoint from ", prefix, ": ", absl::StrJoin(problems, "; ")));
  }
  const Scope s = scope.AtRootNameScope().NewSubScope("init_from_checkpoint");
  for (const auto& [key, v] : pairs) {
    Output value = ops::RestoreV2(s, Tensor::Scalar<tstring>(prefix),
                                  Strings({key}), Strings({""}), {v->dtype})[0];
    v->initializer = AssignVariable(s.WithOpName("Assign"), v, value).node;
  }
  return scope.status();
}

absl::StatusOr<::tensorflow::CheckpointState> GetCheckpointState(
    const std::string& dir) {
  ::tensorflow::CheckpointState state;
  RETURN_IF_ERROR(ReadTextProto(dir + "/checkpoint", &state));
  auto absolute = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? p : dir + "/" + p;
  };
  state.set_model_checkpoint_path(absolute(state.model_checkpoint_path()));
  for (std::string& p : *state.mutable_all_model_checkpoint_paths()) {
    p = absolute(p);
  }
  return state;
}

absl::StatusOr<std::string> LatestCheckpoint(const std::string& dir) {
  auto state = GetCheckpointState(dir);
  if (!state.ok() || state->model_checkpoint_path().empty() ||
      !fs::exists(BundleIndexFilename(state->model_checkpoint_path()))) {
    return absl::NotFoundError(
        absl::StrCat("no checkpoint recorded in ", dir, "/checkpoint"));
  }
  return state->model_checkpoint_path();
}

}  // namespace tessera
