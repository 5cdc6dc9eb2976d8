// Fuzz target: IDX files (MNIST / Fashion-MNIST) read by IdxReader.
// Input: mode byte | IDX bytes.
//  - mode % 3 == 0: the bytes are the file (plain IDX; gzdirect path).
//  - mode % 3 == 1: the bytes are gzipped by the target before writing, so
//    mutations of the header and data reach the gzip path's size checks,
//    seeks and rewinds.
//  - mode % 3 == 2: the bytes are the file and should be a gzip stream
//    (corrupt deflate data, CRC and length trailers).
// Whatever opens is read record by record (forwards, then last-to-first to
// force rewinds) and whole. Checked beyond "no crash": the data size the
// header declares is what the file holds, every record equals its slice of
// ReadAll, and (modes 0 and 1) every element is the big-endian value at its
// offset in the input.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "core/idx_io.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// The file is read whole only when it is small: a gzip stream mutated to
// inflate to many megabytes is still opened and checked, but not copied.
constexpr int64_t kMaxReadAllBytes = 1 << 20;

[[noreturn]] void Fail(const char* what, const std::string& path) {
  std::fprintf(stderr, "idx_fuzzer: %s (%s)\n", what, path.c_str());
  std::abort();
}

std::string Gzip(absl::string_view bytes) {
  const std::string path = tessera::fuzz::ScratchDir() + "/gz_tmp";
  gzFile f = gzopen(path.c_str(), "wb");
  if (f == nullptr) return std::string();
  if (!bytes.empty()) {
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  }
  gzclose(f);
  std::FILE* in = std::fopen(path.c_str(), "rb");
  std::string out;
  char buf[4096];
  size_t n;
  while (in != nullptr && (n = std::fread(buf, 1, sizeof(buf), in)) > 0) {
    out.append(buf, n);
  }
  if (in != nullptr) std::fclose(in);
  return out;
}

// Element `i` of `t` as raw host-order bytes.
std::string ElementBytes(const tessera::Tensor& t, int64_t i) {
  const int64_t w = tessera::DataTypeSize(t.dtype());
  return std::string(static_cast<const char*>(t.raw_data()) + i * w, w);
}

// Checks an opened reader against `raw` (the uncompressed file, or empty
// when unknown).
void CheckReader(tessera::IdxReader* reader, absl::string_view raw) {
  const std::string& path = reader->path();
  const int64_t width = tessera::DataTypeSize(reader->dtype());
  const int64_t n = reader->shape().num_elements();
  const int64_t header = 4 + 4 * int64_t{reader->shape().dims()};
  if (!raw.empty() && static_cast<int64_t>(raw.size()) != header + n * width) {
    Fail("opened, but the data size differs from what the dims declare",
         path);
  }
  const int64_t records = reader->num_records();
  const int64_t record_elems = reader->record_shape().num_elements();
  if (records < 0 || record_elems < 0) Fail("negative counts", path);
  if (n * width > kMaxReadAllBytes) return;
  auto all = reader->ReadAll();
  if (!all.ok()) Fail("ReadAll failed on a file that opened", path);
  if (all->shape() != reader->shape()) Fail("ReadAll has the wrong shape", path);
  if (!raw.empty()) {
    for (int64_t i = 0; i < n; ++i) {
      std::string be(raw.substr(header + i * width, width));
      std::reverse(be.begin(), be.end());
      if (ElementBytes(*all, i) != be) Fail("element differs from the file", path);
    }
  }
  // Forwards for a few records, then backwards (rewinds a gzip stream).
  const int64_t probe = std::min<int64_t>(records, 4);
  for (int64_t k = 0; k < 2 * probe; ++k) {
    const int64_t r = k < probe ? k : records - 1 - (k - probe);
    auto rec = reader->ReadRecord(r);
    if (!rec.ok()) Fail("ReadRecord failed on a file that opened", path);
    if (rec->shape() != reader->record_shape()) Fail("record shape", path);
    if (record_elems > 0 &&
        std::memcmp(rec->raw_data(),
                    static_cast<const char*>(all->raw_data()) +
                        r * record_elems * width,
                    record_elems * width) != 0) {
      Fail("a record differs from its slice of ReadAll", path);
    }
  }
  if (reader->ReadRecord(records).ok() || reader->ReadRecord(-1).ok() ||
      reader->ReadRecords(0, records + 1).ok()) {
    Fail("a record outside the file read OK", path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tessera::fuzz::InputReader in(data, size);
  const int mode = static_cast<int>(in.Fixed(1) % 3);
  const absl::string_view bytes = in.rest();
  const std::string path = tessera::fuzz::ScratchDir() +
                           (mode == 0 ? "/data.idx" : "/data.idx.gz");
  tessera::fuzz::WriteFile(path, mode == 1 ? Gzip(bytes) : std::string(bytes));
  auto reader = tessera::IdxReader::Open(path);
  tessera::fuzz::Note("open", reader.status());
  if (!reader.ok()) return 0;
  // zlib reads a plain file that starts with the gzip magic as gzip.
  const bool known = mode == 1 || (mode == 0 && !absl::StartsWith(bytes, "\x1f\x8b"));
  CheckReader(reader->get(), known ? bytes : absl::string_view());
  return 0;
}
