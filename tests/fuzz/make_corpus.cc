// Writes the fuzz seed corpus: small valid inputs for each target, made with
// Tessera's own writers (so they track the formats). Usage:
//   bazel run //tests/fuzz:make_corpus -- $PWD/tests/fuzz/corpus
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/coding.h"
#include "core/csv.h"
#include "core/example_util.h"
#include "core/idx_io.h"
#include "core/record_io.h"
#include "core/table.h"
#include "core/tensor.h"
#include "core/tensor_bundle.h"
#include "proto/event.pb.h"
#include "google/protobuf/text_format.h"
#include "graph/graph_def_io.h"
#include "ops/array_ops.h"
#include "ops/conv_ops.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/optimizers.h"
#include "ops/reduction_ops.h"
#include "ops/shape_ops.h"
#include "ops/variables.h"
#include "proto/saved_model.pb.h"
#include "runtime/meta_graph.h"
#include "runtime/saver.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Write(const fs::path& dir, const std::string& name,
           const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
  std::printf("%s/%s (%zu bytes)\n", dir.c_str(), name.c_str(), bytes.size());
}

std::string Fixed32(uint32_t v) {
  std::string s;
  coding::PutFixed32(&s, v);
  return s;
}

// A bundle with float, int64, string and scalar tensors; returns the
// .index and .data bytes.
std::pair<std::string, std::string> MakeBundle(const fs::path& tmp) {
  const std::string prefix = (tmp / "model.ckpt").string();
  BundleWriter writer(prefix);
  Tensor w(DT_FLOAT, TensorShape({2, 3}));
  for (int i = 0; i < 6; ++i) w.data<float>()[i] = 0.5f * i;
  Tensor steps(DT_INT64, TensorShape({2}));
  steps.data<int64_t>()[0] = 7;
  steps.data<int64_t>()[1] = -1;
  Tensor names(DT_STRING, TensorShape({2}));
  names.data<tstring>()[0] = "dense/kernel";
  names.data<tstring>()[1] = "";
  (void)writer.Add("dense/kernel", w);
  (void)writer.Add("global_step", Tensor::Scalar<int64_t>(42));
  (void)writer.Add("steps", steps);
  (void)writer.Add("names", names);
  if (!writer.Finish().ok()) std::abort();
  return {ReadFile(BundleIndexFilename(prefix)),
          ReadFile(BundleDataFilename(prefix, 0, 1))};
}

void CheckpointSeeds(const fs::path& out, const fs::path& tmp) {
  auto [index, data] = MakeBundle(tmp);
  Write(out / "table_fuzzer", "bundle.index", index);
  table::TableOptions snappy;
  snappy.compression = table::kSnappyCompression;
  snappy.block_size = 64;
  table::TableBuilder builder(snappy);
  for (int i = 0; i < 40; ++i) {
    (void)builder.Add(absl::StrCat("key", 100 + i), std::string(20, 'a' + i % 26));
  }
  Write(out / "table_fuzzer", "snappy_blocks.table", builder.Finish().value());

  const fs::path ckpt = out / "checkpoint_fuzzer";
  // Raw mode (even first byte): the files as written.
  Write(ckpt, "raw_bundle", std::string(1, '\0') + Fixed32(index.size()) +
                                index + data);
  // Structured mode (odd): the same entries, re-tabled by the target.
  std::string entries;
  auto table = table::Table::Open(index, "seed.index").value();
  (void)table->ForEach([&](absl::string_view key, absl::string_view value) {
    entries += static_cast<char>(key.size());
    entries += std::string(key);
    entries += static_cast<char>(value.size() & 0xff);
    entries += static_cast<char>(value.size() >> 8);
    entries += std::string(value);
    return absl::OkStatus();
  });
  Write(ckpt, "entries_bundle",
        std::string(1, '\1') + Fixed32(entries.size()) + entries + data);
}

void RecordSeeds(const fs::path& out, const fs::path& tmp) {
  const char* names[] = {"plain.tfrecord", "zlib.tfrecord", "gzip.tfrecord"};
  const io::Compression modes[] = {io::Compression::kNone,
                                   io::Compression::kZlib,
                                   io::Compression::kGzip};
  for (int m = 0; m < 3; ++m) {
    const std::string path = (tmp / names[m]).string();
    auto writer = io::RecordWriter::Open(path, modes[m]).value();
    for (const char* r : {"", "one record", "a longer record: 0123456789"}) {
      (void)writer->Write(r);
    }
    (void)writer->Close();
    Write(out / "record_io_fuzzer", names[m],
          std::string(1, static_cast<char>(m)) + ReadFile(path));
  }
}

// Event files: a file_version event, a scalar summary, a histogram and a
// graph_def, framed as a file (mode 0) and as raw records (mode 1).
void EventSeeds(const fs::path& out, const fs::path& tmp) {
  std::vector<std::string> records;
  ::tensorflow::Event e;
  e.set_wall_time(1.5e9);
  e.set_file_version("brain.Event:2");
  records.push_back(e.SerializeAsString());
  e.Clear();
  e.set_step(3);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag("loss");
  v->set_simple_value(0.25f);
  auto* h = e.mutable_summary()->add_value();
  h->set_tag("weights");
  auto* histo = h->mutable_histo();
  histo->set_min(-1);
  histo->set_max(2);
  histo->set_num(3);
  histo->add_bucket_limit(0);
  histo->add_bucket(1);
  histo->add_bucket_limit(2);
  histo->add_bucket(2);
  records.push_back(e.SerializeAsString());
  e.Clear();
  e.set_graph_def(std::string("\n\x05\n\x01x\x12\x00", 7));
  records.push_back(e.SerializeAsString());
  const std::string path = (tmp / "events.out.tfevents").string();
  auto writer = io::RecordWriter::Open(path).value();
  std::string raw(1, '\1');
  for (const std::string& r : records) {
    (void)writer->Write(r);
    raw += static_cast<char>(r.size() & 0xff);
    raw += static_cast<char>(r.size() >> 8);
    raw += r;
  }
  (void)writer->Close();
  Write(out / "event_reader_fuzzer", "events_file",
        std::string(1, '\0') + ReadFile(path));
  Write(out / "event_reader_fuzzer", "event_records", raw);
}

void TensorSeeds(const fs::path& out) {
  Tensor f(DT_FLOAT, TensorShape({2, 2}));
  for (int i = 0; i < 4; ++i) f.data<float>()[i] = i - 1.5f;
  Tensor s(DT_STRING, TensorShape({2}));
  s.data<tstring>()[0] = "a";
  s.data<tstring>()[1] = "bc";
  Tensor h(DT_HALF, TensorShape({3}));
  for (int i = 0; i < 3; ++i) h.data<half>()[i] = half(0.5f * i - 1.f);
  int n = 0;
  for (const Tensor& t : {f, s, h, Tensor::Scalar<int64_t>(-3),
                          Tensor::Scalar<bool>(true)}) {
    ::tensorflow::TensorProto content, fields;
    t.AsProtoTensorContent(&content);
    t.AsProtoField(&fields);
    Write(out / "tensor_proto_fuzzer", absl::StrCat("content_", n),
          content.SerializeAsString());
    Write(out / "tensor_proto_fuzzer", absl::StrCat("fields_", n++),
          fields.SerializeAsString());
  }
}

// A small CNN + dense training graph: placeholders, variables, conv, pool,
// matmul, loss, symbolic gradients and an Adam train op.
::tensorflow::GraphDef TrainingGraph() {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4, 4, 1});
  Output y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, {-1, 2});
  Scope s = root.WithVariableScope("model");
  const Variable* filter = GetVariable(s, "filter", {2, 2, 1, 2});
  const Variable* w = GetVariable(s, "kernel", {8, 2});
  const Variable* b = GetVariable(s, "bias", {2}, DT_FLOAT, init::Zeros());
  Output conv = ops::Relu(s, ops::Conv2D(s, x, filter, {1, 1, 1, 1},
                                         "SAME"));
  Output pool = ops::MaxPool(s, conv, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  Output flat = ops::Reshape(s, pool, {-1, 8});
  Output logits = ops::BiasAdd(s, ops::MatMul(s, flat, w),
                               b);
  Output loss = ops::Mean(s, ops::Square(s, ops::Sub(s, logits, y)), {0, 1});
  train::AdamOptimizer adam(0.01);
  (void)adam.Minimize(root, loss);
  (void)AllVariablesInitializer(root);
  if (!root.ok()) {
    std::fprintf(stderr, "%s\n", root.status().ToString().c_str());
    std::abort();
  }
  ::tensorflow::GraphDef gd;
  if (!root.ToGraphDef(&gd).ok()) std::abort();
  return gd;
}

void GraphSeeds(const fs::path& out) {
  const fs::path dir = out / "graph_def_fuzzer";
  const ::tensorflow::GraphDef gd = TrainingGraph();
  Write(dir, "training.pb", SerializeDeterministic(gd));
  std::string text;
  google::protobuf::TextFormat::PrintToString(gd, &text);
  Write(dir, "training.pbtxt", text);
  // The README's y = x W + b, small enough for mutations to matter.
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  Output w = ops::Const(root.WithOpName("W"), {{1.f, 0.f}, {0.f, 1.f}, {2.f, -1.f}});
  ops::Add(root.WithOpName("y"), ops::MatMul(root, x, w), {0.5f, -0.5f});
  ::tensorflow::GraphDef small;
  if (!root.ToGraphDef(&small).ok()) std::abort();
  Write(dir, "affine.pb", SerializeDeterministic(small));
  google::protobuf::TextFormat::PrintToString(small, &text);
  Write(dir, "affine.pbtxt", text);
}


// IDX files of every element type: mode 0 plain files, mode 1 raw bytes the
// target gzips, mode 2 gzipped files.
void IdxSeeds(const fs::path& out, const fs::path& tmp) {
  const fs::path dir = out / "idx_fuzzer";
  Tensor images(DT_UINT8, TensorShape({3, 2, 2}));
  for (int i = 0; i < 12; ++i) images.data<uint8_t>()[i] = 20 * i;
  Tensor labels(DT_INT8, TensorShape({3}));
  for (int i = 0; i < 3; ++i) labels.data<int8_t>()[i] = i - 1;
  Tensor shorts(DT_INT16, TensorShape({4}));
  for (int i = 0; i < 4; ++i) shorts.data<int16_t>()[i] = 1000 * i - 1500;
  Tensor ints(DT_INT32, TensorShape({2, 2}));
  for (int i = 0; i < 4; ++i) ints.data<int32_t>()[i] = -70000 * i;
  Tensor floats(DT_FLOAT, TensorShape({2, 3}));
  for (int i = 0; i < 6; ++i) floats.data<float>()[i] = 0.25f * i - 0.5f;
  Tensor doubles(DT_DOUBLE, TensorShape({3, 1}));
  for (int i = 0; i < 3; ++i) doubles.data<double>()[i] = 1e10 * i;
  Tensor none(DT_UINT8, TensorShape({0, 4}));
  struct Seed {
    const char* name;
    const Tensor* t;
    char mode;
  };
  for (const Seed& seed : {Seed{"uint8_images", &images, 0},
                           Seed{"int8_labels", &labels, 0},
                           Seed{"int16", &shorts, 1},
                           Seed{"int32", &ints, 0},
                           Seed{"float", &floats, 1},
                           Seed{"double", &doubles, 0},
                           Seed{"zero_records", &none, 0},
                           Seed{"uint8_images_gz", &images, 2},
                           Seed{"float_gz", &floats, 2}}) {
    const std::string path = (tmp / seed.name).string();
    if (!WriteIdxFile(path, *seed.t, seed.mode == 2).ok()) std::abort();
    Write(dir, seed.name, std::string(1, seed.mode) + ReadFile(path));
  }
}

// Header: delimiter selector, flags (quote, NA, select mask), column count,
// 4-bit column codes (bit 0 required, bits 1-3 float/double/int32/int64/
// string); then records.
void CsvSeeds(const fs::path& out) {
  const fs::path dir = out / "csv_fuzzer";
  auto header = [](char delim, char flags, char ncols, uint32_t codes) {
    std::string h = {delim, flags, static_cast<char>(ncols - 1)};
    for (int i = 0; i < 3; ++i) h += static_cast<char>(codes >> (8 * i));
    return h;
  };
  // float, double (required), int32, int64, string: codes 0, 3, 4, 6, 8.
  const uint32_t five = 0 | 3 << 4 | 4 << 8 | 6 << 12 | 8 << 16;
  Write(dir, "quoted_na",
        header(0, 3, 5, five) +
            "1.5,2.25,3,40,\"a,b\"\n,-1e300,NA,-9,\"say \"\"hi\"\"\"\n"
            " 7 ,inf,2147483647,-9223372036854775808,\n"
            "nan,0x10,1,1,\"\"");
  Write(dir, "semicolon_plain", header(1, 0, 2, 6 << 4 | 8) +
                                    "x;1\ny;-2\n;\nlast;9223372036854775807");
  // select_cols {1, 3} (mask bits 3 and 5): int32, string.
  Write(dir, "select_cols", header(0, 1 | 8 | 32, 1, 4 | 8 << 4) +
                                "a,1,b,c,d\n\"q\",2,\"r\",\"s\"\n,,,");
  Write(dir, "tab_required", header(3, 1, 3, 1 | 5 << 4 | 9 << 8) +
                                 "0.5\t-3\t\"t\"\n\t\t\n1\t2");
}

// Examples for the target's configs (count byte, u16-length-prefixed
// examples, the last one unprefixed).
void ExampleSeeds(const fs::path& out) {
  const fs::path dir = out / "example_fuzzer";
  auto full = [](float f, int64_t i) {
    return ExampleBuilder()
        .AddFloats("f", {f})
        .AddInt64s("i", {i, i + 1})
        .AddBytes("s", {"str"})
        .AddFloats("m", {1, 2, 3, f})
        .AddFloats("fseq", {1, 2, 3, 4})
        .AddBytes("sseq", {"p", "q", "r"})
        .AddInt64s("iseq", {i})
        .AddFloats("vf", {0.5f, f})
        .AddInt64s("vi", {i})
        .AddBytes("vs", {"u", "", "v"})
        .Serialize();
  };
  auto batch = [](const std::vector<std::string>& examples) {
    std::string s(1, static_cast<char>(examples.size() - 1));
    for (size_t k = 0; k + 1 < examples.size(); ++k) {
      s += static_cast<char>(examples[k].size() & 0xff);
      s += static_cast<char>(examples[k].size() >> 8);
      s += examples[k];
    }
    return s + examples.back();
  };
  Write(dir, "single_full", batch({full(2.5f, 7)}));
  Write(dir, "batch_of_three",
        batch({full(-1, 3),
               ExampleBuilder().AddFloats("fseq", {9, 8}).AddBytes("vs", {"w"})
                   .AddEmpty("f").Serialize(),
               ExampleBuilder().AddBytes("sseq", {"a", "b", "c", "d"})
                   .AddInt64s("iseq", {1, 2, 3}).AddFloats("vf", {1})
                   .Serialize()}));
  Write(dir, "zero_size_shapes",
        batch({ExampleBuilder().AddFloats("f", {}).AddFloats("fseq", {})
                   .AddBytes("s", {}).Serialize(),
               ExampleBuilder().AddFloats("vf", {3, 4}).AddFloats("f", {})
                   .AddBytes("s", {}).Serialize()}));
  Write(dir, "wrong_types", batch({ExampleBuilder().AddInt64s("f", {1})
                                       .AddFloats("vs", {2}).Serialize()}));
}

// A graph with every collection kind, a Saver and a signature def, binary
// and text; plus TensorFlow's own meta graphs from tests/testdata.
void MetaGraphSeeds(const fs::path& out, const fs::path& testdata) {
  const fs::path dir = out / "meta_graph_fuzzer";
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 2});
  const Variable* w = GetVariable(root, "w", {2, 1});
  VariableOptions reference;
  reference.use_resource = false;  // VariableV2 + Assign + Identity
  const Variable* b = GetVariable(root, "b", {1}, DT_FLOAT, init::Zeros(),
                                  reference);
  (void)GetOrCreateGlobalStep(root);
  Output y = ops::Add(root.WithOpName("y"), ops::MatMul(root, x, w), b);
  Graph* g = root.graph();
  g->AddToCollection("outputs", y);
  g->AddToCollection("outputs", Operation(y.node));
  g->AddToCollection("labels", std::string("cat"));
  g->AddToCollection("labels", std::string("dog"));
  g->AddToCollection("sizes", int64_t{28});
  g->AddToCollection("rates", 0.5f);
  (void)AllVariablesInitializer(root);
  auto saver = Saver::Create(root);
  if (!root.ok() || !saver.ok()) std::abort();
  ExportMetaGraphOptions options;
  options.saver_def = (*saver)->saver_def();
  options.tags = {"serve"};
  ::tensorflow::SignatureDef sig;
  sig.set_method_name("tensorflow/serving/predict");
  (*sig.mutable_inputs())["x"].set_name("x:0");
  (*sig.mutable_inputs())["x"].set_dtype(::tensorflow::DT_FLOAT);
  (*sig.mutable_outputs())["y"].set_name("y:0");
  options.signature_defs["serving_default"] = sig;
  auto mgd = ExportMetaGraphDef(*g, options);
  if (!mgd.ok()) std::abort();
  Write(dir, "affine.meta", SerializeDeterministic(*mgd));
  std::string text;
  google::protobuf::TextFormat::PrintToString(*mgd, &text);
  Write(dir, "affine.meta.pbtxt", text);
  const fs::path tf = testdata / "tf";
  Write(dir, "tf_session_bundle.meta",
        ReadFile(tf / "session_bundle_half_plus_two/00000123/export.meta"));
  ::tensorflow::SavedModel model;
  if (!model.ParseFromString(
          ReadFile(tf / "saved_model_counter/00000123/saved_model.pb")) ||
      model.meta_graphs_size() == 0) {
    std::fprintf(stderr, "cannot read the TF saved_model_counter fixture\n");
    std::abort();
  }
  Write(dir, "tf_saved_model_counter.meta",
        SerializeDeterministic(model.meta_graphs(0)));
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUTPUT_DIR\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const std::filesystem::path tmp =
      std::filesystem::temp_directory_path() / "tessera_make_corpus";
  std::filesystem::create_directories(tmp);
  tessera::CheckpointSeeds(out, tmp);
  tessera::RecordSeeds(out, tmp);
  tessera::EventSeeds(out, tmp);
  tessera::TensorSeeds(out);
  tessera::GraphSeeds(out);
  tessera::IdxSeeds(out, tmp);
  tessera::CsvSeeds(out);
  tessera::ExampleSeeds(out);
  // bazel run: the workspace; else the current directory.
  const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  tessera::MetaGraphSeeds(
      out, std::filesystem::path(ws ? ws : ".") / "tests/testdata");
  std::filesystem::remove_all(tmp);
  return 0;
}
