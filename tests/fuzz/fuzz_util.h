// Helpers shared by the fuzz targets: a per-process scratch directory for
// parsers that read files, and a little-endian input splitter.
#ifndef TESSERA_TESTS_FUZZ_FUZZ_UTIL_H_
#define TESSERA_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"

namespace tessera {
namespace fuzz {

// Debug-build protobuf logs every invalid-UTF-8 string field it rejects:
// thousands of lines per run that bury the counts. Parse results are
// unaffected.
inline const bool kQuietProtobuf =
    (google::protobuf::SetLogHandler(nullptr), true);

// A directory private to this process, made once and removed at exit: in
// /dev/shm when there is one (writing every input to a loaded disk made the
// file-based targets 50x slower), else $TEST_TMPDIR or /tmp.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string base = tmp ? tmp : "/tmp";
    if (access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    auto* d = new std::string(base + "/tessera_fuzz_" +
                              std::to_string(getpid()));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return d;
  }();
  return *dir;
}

// With FUZZ_VERBOSE=1 in the environment, prints what became of an input
// (to check that seeds get past the first error: `FUZZ_VERBOSE=1
// bazel-bin/tests/fuzz/<target> --runs=0 tests/fuzz/corpus/<target>`).
inline void Note(absl::string_view what, const absl::Status& status) {
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(what.size()),
                 what.data(), status.ToString().c_str());
  }
}

inline void WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

// Consumes input from the front: fixed-width little-endian integers and
// length-prefixed pieces; reads past the end yield zeros / short pieces.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  uint64_t Fixed(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes && !rest_.empty(); ++i) {
      v |= uint64_t{static_cast<uint8_t>(rest_[0])} << (8 * i);
      rest_.remove_prefix(1);
    }
    return v;
  }
  absl::string_view Take(size_t n) {
    absl::string_view piece = rest_.substr(0, n);
    rest_.remove_prefix(piece.size());
    return piece;
  }
  absl::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

 private:
  absl::string_view rest_;
};

}  // namespace fuzz
}  // namespace tessera

#endif  // TESSERA_TESTS_FUZZ_FUZZ_UTIL_H_
