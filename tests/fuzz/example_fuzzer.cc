// Fuzz target: serialized tf.Example protos parsed by ParseExamples (the
// engine of ParseExample, ParseExampleV2 and ParseSingleExample).
// Input: count byte (1 + b % 4 examples) | u16 length | example | ... | the
// last example takes the rest. Each of three fixed configs is applied:
//  - kDefaults: FixedLenFeature of each dtype (scalar, [2], [1], [2,2])
//    with defaults, FixedLenSequenceFeature ([-1], [-1,2]) with and without
//    a padding default, and VarLenFeature of each dtype;
//  - kRequired: the same keys required (no defaults);
//  - kEdges: zero-size shapes ([0], [-1,0], [3,0]).
// Checked beyond "no crash": output shapes are [batch] + the feature shape
// (the longest example for sequences); sparse indices are in range, in
// row-major order and as many as the values; the batch parse agrees with
// each example parsed alone (ParseSingleExample's path) value for value,
// padding included; and the thread-pool parse agrees with the serial one.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/example_parser.h"
#include "core/threadpool.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using tessera::DenseFeatureConfig;
using tessera::ExampleParserConfig;
using tessera::ExampleParserResult;
using tessera::PartialTensorShape;
using tessera::Tensor;
using tessera::tstring;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "example_fuzzer: %s\n", what.c_str());
  std::abort();
}

ExampleParserConfig Configs(int which) {
  ExampleParserConfig c;
  using tessera::DT_FLOAT;
  using tessera::DT_INT64;
  using tessera::DT_STRING;
  const bool defaults = which == 0;
  auto dflt = [&](Tensor t) { return defaults ? t : Tensor(); };
  if (which == 2) {
    c.dense.push_back({"f", DT_FLOAT, PartialTensorShape({0}), Tensor()});
    c.dense.push_back({"fseq", DT_FLOAT, PartialTensorShape({-1, 0}),
                       Tensor()});
    c.dense.push_back({"s", DT_STRING, PartialTensorShape({3, 0}), Tensor()});
    c.sparse.push_back({"vf", DT_FLOAT});
    return c;
  }
  c.dense.push_back({"f", DT_FLOAT, PartialTensorShape(tessera::TensorShape()),
                     dflt(Tensor::Scalar<float>(0.5f))});
  c.dense.push_back({"i", DT_INT64, PartialTensorShape({2}),
                     dflt(Tensor::FromVector<int64_t>({1, -2}))});
  c.dense.push_back({"s", DT_STRING, PartialTensorShape({1}),
                     dflt(Tensor::FromVector<tstring>({tstring("x")}))});
  c.dense.push_back({"m", DT_FLOAT, PartialTensorShape({2, 2}),
                     dflt(Tensor::FromVector<float>({1, 2, 3, 4}))});
  c.dense.push_back({"fseq", DT_FLOAT, PartialTensorShape({-1, 2}),
                     dflt(Tensor::Scalar<float>(-1.f))});
  c.dense.push_back({"sseq", DT_STRING, PartialTensorShape({-1}),
                     dflt(Tensor::Scalar<tstring>(tstring("-")))});
  c.dense.push_back({"iseq", DT_INT64, PartialTensorShape({-1}), Tensor()});
  c.sparse.push_back({"vf", DT_FLOAT});
  c.sparse.push_back({"vi", DT_INT64});
  c.sparse.push_back({"vs", DT_STRING});
  return c;
}

// Element ia of a equals element ib of b (bitwise for numbers: NaN == NaN).
bool SameElement(const Tensor& a, int64_t ia, const Tensor& b, int64_t ib) {
  if (a.dtype() != b.dtype()) return false;
  if (a.dtype() == tessera::DT_STRING) {
    return a.data<tstring>()[ia] == b.data<tstring>()[ib];
  }
  const int64_t w = tessera::DataTypeSize(a.dtype());
  return std::memcmp(static_cast<const char*>(a.raw_data()) + ia * w,
                     static_cast<const char*>(b.raw_data()) + ib * w, w) == 0;
}

bool SameTensor(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  for (int64_t i = 0; i < a.NumElements(); ++i) {
    if (!SameElement(a, i, b, i)) return false;
  }
  return true;
}

bool SameResult(const ExampleParserResult& a, const ExampleParserResult& b) {
  auto same = [](const std::vector<Tensor>& x, const std::vector<Tensor>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameTensor(x[i], y[i])) return false;
    }
    return true;
  };
  return same(a.dense_values, b.dense_values) &&
         same(a.sparse_indices, b.sparse_indices) &&
         same(a.sparse_values, b.sparse_values) &&
         same(a.sparse_shapes, b.sparse_shapes);
}

void CheckDenseShape(const DenseFeatureConfig& d, const Tensor& t,
                     int64_t batch) {
  const bool variable = d.shape.dims() > 0 && d.shape.dim_size(0) < 0;
  bool ok = t.dims() == d.shape.dims() + 1 && t.dim_size(0) == batch &&
            t.dtype() == d.dtype;
  for (int k = variable ? 1 : 0; ok && k < d.shape.dims(); ++k) {
    ok = t.dim_size(k + 1) == d.shape.dim_size(k);
  }
  if (!ok) Fail("dense feature '" + d.key + "' has shape " + t.shape().DebugString());
}

void CheckSparse(const ExampleParserResult& r, size_t k, int64_t batch) {
  const Tensor& ix = r.sparse_indices[k];
  const int64_t n = r.sparse_values[k].NumElements();
  const int64_t* shape = r.sparse_shapes[k].data<int64_t>();
  if (ix.dims() != 2 || ix.dim_size(0) != n || ix.dim_size(1) != 2 ||
      shape[0] != batch) {
    Fail("sparse indices, values and shape disagree");
  }
  const int64_t* p = ix.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = p[2 * i], col = p[2 * i + 1];
    if (row < 0 || row >= batch || col < 0 || col >= shape[1]) {
      Fail("a sparse index is out of range");
    }
    const bool next = i == 0 ? col == 0
                             : (row == p[2 * i - 2] ? col == p[2 * i - 1] + 1
                                                    : row > p[2 * i - 2] && col == 0);
    if (!next) Fail("sparse indices are not consecutive and row-major");
  }
}

// What a sequence feature is padded with: its default, else zero or "".
Tensor Padding(const DenseFeatureConfig& d) {
  if (d.default_value.IsInitialized() && d.default_value.NumElements() > 0) {
    return d.default_value;
  }
  switch (d.dtype) {
    case tessera::DT_FLOAT: return Tensor::Scalar<float>(0.f);
    case tessera::DT_INT64: return Tensor::Scalar<int64_t>(0);
    default: return Tensor::Scalar<tstring>(tstring());
  }
}

// Example i parsed alone must match row i of the batch result.
void CheckAgainstSingle(const ExampleParserConfig& config,
                        const ExampleParserResult& batch, int64_t i,
                        const ExampleParserResult& one) {
  for (size_t k = 0; k < config.dense.size(); ++k) {
    const Tensor& b = batch.dense_values[k];
    const Tensor& s = one.dense_values[k];
    const int64_t bstride = b.NumElements() / b.dim_size(0);
    const int64_t sn = s.NumElements();  // batch of one
    const DenseFeatureConfig& d = config.dense[k];
    const bool variable = d.shape.dims() > 0 && d.shape.dim_size(0) < 0;
    if (variable ? sn > bstride : sn != bstride) {
      Fail("feature '" + d.key + "' alone has another size than in the batch");
    }
    for (int64_t e = 0; e < sn; ++e) {
      if (!SameElement(b, i * bstride + e, s, e)) {
        Fail("feature '" + d.key +
             "' differs between the batch and the example alone");
      }
    }
    const Tensor pad = Padding(d);
    for (int64_t e = sn; e < bstride; ++e) {
      if (!SameElement(b, i * bstride + e, pad, 0)) {
        Fail("feature '" + d.key + "' is not padded with its default");
      }
    }
  }
  for (size_t k = 0; k < config.sparse.size(); ++k) {
    const int64_t* ix = batch.sparse_indices[k].data<int64_t>();
    int64_t at = 0, j = 0;
    for (; at < batch.sparse_values[k].NumElements(); ++at) {
      if (ix[2 * at] != i) continue;
      if (j >= one.sparse_values[k].NumElements() ||
          !SameElement(batch.sparse_values[k], at, one.sparse_values[k], j)) {
        Fail("sparse values differ between the batch and the example alone");
      }
      ++j;
    }
    if (j != one.sparse_values[k].NumElements()) Fail("sparse value count");
  }
}

tessera::ThreadPool* Pool() {
  static auto* pool = new tessera::ThreadPool("example_fuzzer", 2);
  return pool;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tessera::fuzz::InputReader in(data, size);
  const int count = 1 + static_cast<int>(in.Fixed(1) % 4);
  std::vector<tstring> examples;
  for (int i = 0; i + 1 < count; ++i) {
    examples.emplace_back(in.Take(in.Fixed(2)));
  }
  examples.emplace_back(in.rest());
  const int64_t batch = static_cast<int64_t>(examples.size());
  for (int which = 0; which < 3; ++which) {
    const ExampleParserConfig config = Configs(which);
    auto result = tessera::ParseExamples(config, examples, {});
    if (batch > 1) {
      auto pooled = tessera::ParseExamples(config, examples, {}, Pool());
      if (pooled.ok() != result.ok() ||
          (result.ok() && !SameResult(*result, *pooled))) {
        Fail("the thread-pool parse differs from the serial one");
      }
    }
    tessera::fuzz::Note("config " + std::to_string(which), result.status());
    if (!result.ok()) continue;
    for (size_t k = 0; k < config.dense.size(); ++k) {
      CheckDenseShape(config.dense[k], result->dense_values[k], batch);
    }
    for (size_t k = 0; k < config.sparse.size(); ++k) {
      CheckSparse(*result, k, batch);
    }
    for (int64_t i = 0; i < batch; ++i) {
      auto one = tessera::ParseExamples(config, {examples[i]}, {});
      if (!one.ok()) Fail("an example of a good batch fails alone");
      CheckAgainstSingle(config, *result, i, *one);
    }
  }
  return 0;
}
