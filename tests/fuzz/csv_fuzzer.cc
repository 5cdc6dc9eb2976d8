// Fuzz target: CSV records (core/csv: SplitCsvRecord, CsvDecoder, the
// ParseNumber behind DecodeCSV, CSVDataset and StringToNumber).
// Input: 6 config bytes | records separated by '\n'.
//   byte 0: delimiter selector (, ; | tab space; 250 and up: another byte)
//   byte 1: bit 0 quoting on, bit 1 na_value "NA", bits 2-7 select_cols mask
//           (columns 0..5; none set: every column)
//   byte 2: number of columns (1 + b % 6) when no select_cols
//   bytes 3-5: per column a 4-bit code: bit 0 required (no default), bits
//           1-3 the dtype (float, double, int32, int64, string).
// Checked beyond "no crash":
//  - decoding all records at once (Decode) and one at a time (DecodeRecord)
//    agree, value for value;
//  - every decoded value is the default, or what ParseNumber gives for the
//    split field (a string column: the field itself);
//  - the split fields, written back as CSV (quoted when quoting is on) and
//    split again, come back the same.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/csv.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using tessera::CsvDecoder;
using tessera::CsvOptions;
using tessera::DataType;
using tessera::Tensor;
using tessera::tstring;

[[noreturn]] void Fail(const std::string& what, absl::string_view record) {
  std::fprintf(stderr, "csv_fuzzer: %s; record '%.*s'\n", what.c_str(),
               static_cast<int>(record.size()), record.data());
  std::abort();
}

Tensor DefaultFor(int code) {
  constexpr DataType kTypes[] = {tessera::DT_FLOAT, tessera::DT_DOUBLE,
                                 tessera::DT_INT32, tessera::DT_INT64,
                                 tessera::DT_STRING};
  const DataType dt = kTypes[(code >> 1) % 5];
  if (code & 1) return Tensor(dt, tessera::TensorShape({0}));  // required
  switch (dt) {
    case tessera::DT_FLOAT: return Tensor::Scalar<float>(-1.5f);
    case tessera::DT_DOUBLE: return Tensor::Scalar<double>(2.25);
    case tessera::DT_INT32: return Tensor::Scalar<int32_t>(-7);
    case tessera::DT_INT64: return Tensor::Scalar<int64_t>(1ll << 40);
    default: return Tensor::Scalar<tstring>(tstring("dflt"));
  }
}

// Writes fields back as one record that SplitCsvRecord reads as `fields`.
std::string Join(const std::vector<std::string>& fields,
                 const CsvOptions& options) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += options.delim;
    if (!options.use_quote_delim) {
      out += fields[i];
      continue;
    }
    out += '"';
    for (char c : fields[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += '"';
  }
  return out;
}

template <typename T>
bool SameValue(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) && std::isnan(b)) return true;
  }
  return a == b;
}

// Value `row` of `col` must be the default or the parse of `field`.
void CheckValue(const Tensor& col, int64_t row, const Tensor& def,
                const CsvOptions& options, const std::string& field,
                absl::string_view record) {
  const bool missing =
      field.empty() || (!options.na_value.empty() && field == options.na_value);
  tessera::VisitDataType(col.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T got = col.data<T>()[row];
    T want = zero;
    if (missing) {
      want = def.data<T>()[0];
    } else if constexpr (std::is_same_v<T, tstring>) {
      want = tstring(field);
    } else if constexpr (std::is_same_v<T, float> ||
                         std::is_same_v<T, double> ||
                         std::is_same_v<T, int32_t> ||
                         std::is_same_v<T, int64_t>) {
      if (!tessera::ParseNumber(field, &want)) {
        Fail("a field that is not a number decoded", record);
      }
    }
    if (!SameValue(got, want)) Fail("a decoded value is not its field's", record);
  });
}

void CheckRecord(const CsvDecoder& decoder,
                 const std::vector<Tensor>& defaults, absl::string_view record,
                 bool batch_ok, const std::vector<Tensor>& batch,
                 int64_t row) {
  const CsvOptions& options = decoder.options();
  std::vector<std::string> fields;
  const absl::Status split =
      tessera::SplitCsvRecord(record, options, "record", &fields);
  auto single = decoder.DecodeRecord(record, "record");
  if (single.ok() && !split.ok()) Fail("decoded but does not split", record);
  if (split.ok()) {
    // Written back with every column (select_cols already applied).
    CsvOptions all = options;
    all.select_cols.clear();
    std::vector<std::string> again;
    if (!tessera::SplitCsvRecord(Join(fields, options), all, "again", &again)
             .ok() ||
        again != fields) {
      Fail("split fields do not survive a write and re-split", record);
    }
  }
  if (!single.ok()) return;
  if (fields.size() != defaults.size()) Fail("field count", record);
  for (size_t c = 0; c < defaults.size(); ++c) {
    CheckValue((*single)[c], 0, defaults[c], options, fields[c], record);
    if (batch_ok) {
      CheckValue(batch[c], row, defaults[c], options, fields[c], record);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tessera::fuzz::InputReader in(data, size);
  const uint8_t d = static_cast<uint8_t>(in.Fixed(1));
  const uint8_t flags = static_cast<uint8_t>(in.Fixed(1));
  const size_t ncols = 1 + in.Fixed(1) % 6;
  const uint32_t types = static_cast<uint32_t>(in.Fixed(3));
  CsvOptions options;
  constexpr char kDelims[] = {',', ';', '|', '\t', ' '};
  options.delim = d < 250 ? kDelims[d % 5] : static_cast<char>(d * 37);
  options.use_quote_delim = flags & 1;
  if (flags & 2) options.na_value = "NA";
  std::vector<Tensor> defaults;
  for (int c = 0; c < 6; ++c) {
    if (flags & (4 << c)) options.select_cols.push_back(c);
  }
  const size_t columns =
      options.select_cols.empty() ? ncols : options.select_cols.size();
  for (size_t c = 0; c < columns; ++c) {
    defaults.push_back(DefaultFor((types >> (4 * c)) & 15));
  }
  auto decoder = CsvDecoder::Create(options, defaults);
  tessera::fuzz::Note("create", decoder.status());
  if (!decoder.ok()) return 0;
  std::vector<std::string> lines = absl::StrSplit(in.rest(), '\n');
  if (lines.size() > 256) lines.resize(256);
  Tensor records(tessera::DT_STRING,
                 tessera::TensorShape({static_cast<int64_t>(lines.size())}));
  for (size_t i = 0; i < lines.size(); ++i) {
    records.data<tstring>()[i] = lines[i];
  }
  std::vector<Tensor> batch;
  const absl::Status decoded = decoder->Decode(records, &batch);
  tessera::fuzz::Note("decode", decoded);
  const bool batch_ok = decoded.ok();
  bool all_single_ok = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    all_single_ok &= decoder->DecodeRecord(lines[i], "record").ok();
    CheckRecord(*decoder, defaults, lines[i], batch_ok, batch,
                static_cast<int64_t>(i));
  }
  if (batch_ok != all_single_ok) {
    Fail("Decode and per-record DecodeRecord disagree", in.rest());
  }
  return 0;
}
