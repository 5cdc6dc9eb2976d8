// Tests of IDX reading on small files written here (raw and gzipped, every
// element type), corrupt files, a fuzz test of mutated files, and the real
// Fashion-MNIST files when installed.
#include "core/idx_io.h"

#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string Gzip(const std::string& bytes, const std::string& path) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), bytes.size());
  gzclose(f);
  return path;
}

TEST(IdxTest, HandWrittenBigEndianFile) {
  // int16, dims [2, 3]: 0x0102 = 258 and -2 = 0xFFFE.
  const std::string bytes = std::string("\0\0\x0B\x02", 4) +
                            std::string("\0\0\0\x02\0\0\0\x03", 8) +
                            std::string("\x01\x02\xFF\xFE\0\0\0\x01\0\x02\0\x03",
                                        12);
  for (bool gz : {false, true}) {
    const std::string path = TempPath(gz ? "hand.idx.gz" : "hand.idx");
    if (gz) {
      Gzip(bytes, path);
    } else {
      WriteBytes(path, bytes);
    }
    auto reader = IdxReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ((*reader)->dtype(), DT_INT16);
    EXPECT_EQ((*reader)->num_records(), 2);
    EXPECT_EQ((*reader)->record_shape().DebugString(), "[3]");
    EXPECT_EQ((*reader)->ReadRecord(1).value().SummarizeValue(), "[1 2 3]");
    EXPECT_EQ((*reader)->ReadRecord(0).value().SummarizeValue(),
              "[258 -2 0]");
    EXPECT_EQ((*reader)->ReadAll().value().SummarizeValue(),
              "[[258 -2 0] [1 2 3]]");
    EXPECT_THAT(std::string((*reader)->ReadRecord(2).status().message()),
                HasSubstr("records [2, 3) are outside its 2 records"));
  }
}

template <typename T>
Tensor Ramp(TensorShape shape, double scale) {
  Tensor t(DataTypeToEnum<T>::value, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    t.data<T>()[i] = static_cast<T>((i % 7) * scale - (i % 3));
  }
  return t;
}

TEST(IdxTest, RoundTripsEveryTypeRawAndGzipped) {
  const std::vector<Tensor> tensors = {
      Ramp<uint8_t>({4, 2, 3}, 30), Ramp<int8_t>({5}, -11),
      Ramp<int16_t>({3, 2}, 1000), Ramp<int32_t>({2, 2, 2}, 1e8),
      Ramp<float>({6, 1}, 0.25), Ramp<double>({2, 3}, 1e-3)};
  for (const Tensor& t : tensors) {
    for (bool gz : {false, true}) {
      const std::string path = TempPath("rt.idx");
      ASSERT_TRUE(WriteIdxFile(path, t, gz).ok());
      auto all = ReadIdxFile(path);
      ASSERT_TRUE(all.ok()) << all.status();
      EXPECT_EQ(all->DebugString(100), t.DebugString(100));
      auto reader = IdxReader::Open(path).value();
      for (int64_t i = reader->num_records() - 1; i >= 0; --i) {
        EXPECT_EQ(reader->ReadRecord(i).value().SummarizeValue(100),
                  t.Slice(i, i + 1)
                      .value()
                      .Reshaped(reader->record_shape())
                      .value()
                      .SummarizeValue(100));
      }
    }
  }
}

std::string OpenError(const std::string& bytes, bool gz) {
  const std::string path = TempPath(gz ? "bad.idx.gz" : "bad.idx");
  if (gz) {
    Gzip(bytes, path);
  } else {
    WriteBytes(path, bytes);
  }
  auto reader = IdxReader::Open(path);
  return reader.ok() ? "ok" : std::string(reader.status().message());
}

TEST(IdxTest, CorruptFilesNameTheFileAndTheProblem) {
  const std::string header = std::string("\0\0\x08\x01\0\0\0\x04", 8);
  for (bool gz : {false, true}) {
    EXPECT_EQ(OpenError(header + "abcd", gz), "ok");
    EXPECT_THAT(OpenError(header + "abc", gz),
                HasSubstr("truncated: dims [4] need 4 data bytes but the file "
                          "holds 3"));
    EXPECT_THAT(OpenError(header + "abcde", gz), HasSubstr("trailing data"));
    EXPECT_THAT(OpenError(std::string("\x01\0\x08\x01", 4), gz),
                HasSubstr("bad magic 0x01000801"));
    EXPECT_THAT(OpenError(std::string("\0\0\x07\x01", 4), gz),
                HasSubstr("unknown element type byte 0x07"));
    EXPECT_THAT(OpenError(std::string("\0\0\x08\x03\0\0", 6), gz),
                HasSubstr("header declares 3 dims but they are cut off"));
    EXPECT_THAT(OpenError(std::string("\0\0", 2), gz),
                HasSubstr("no 4-byte magic"));
  }
  EXPECT_THAT(OpenError(header + "abcd", false), HasSubstr("ok"));
  EXPECT_THAT(OpenError(std::string("\0\0\x08\x01", 4), false),
              HasSubstr(TempPath("bad.idx")));
  // A gzip stream cut in the middle.
  const std::string path = TempPath("cut.idx.gz");
  ASSERT_TRUE(WriteIdxFile(path, Ramp<float>({100, 10}, 1), true).ok());
  const std::string gz = ReadBytes(path);
  WriteBytes(path, gz.substr(0, gz.size() / 2));
  auto cut = IdxReader::Open(path);
  ASSERT_FALSE(cut.ok());
  EXPECT_THAT(std::string(cut.status().message()), HasSubstr(path));
  EXPECT_EQ(IdxReader::Open(TempPath("missing.idx")).status().code(),
            absl::StatusCode::kNotFound);
}

// Zero records of a record shape whose element count overflows int64:
// the crash input idx_fuzzer found (UBSan: signed overflow counting a
// record's elements) must be an error at Open.
TEST(IdxTest, ZeroRecordsOfAnOverflowingShapeIsAnError) {
  std::string header("\0\0\x08\x04\0\0\0\0", 8);
  for (int d = 0; d < 3; ++d) header += std::string(4, '\xff');
  for (bool gz : {false, true}) {
    EXPECT_THAT(OpenError(header, gz), HasSubstr("too many elements"));
  }
  // Zero records of a modest shape still open.
  EXPECT_EQ(OpenError(std::string("\0\0\x08\x03\0\0\0\0\0\0\0\x1c"
                                  "\0\0\0\x1c", 16),
                      false),
            "ok");
}

// Random byte flips and truncations of raw and gzipped files: Open and
// reads end in OK or an error, never a crash or a huge allocation.
TEST(IdxFuzzTest, MutatedFilesNeverCrash) {
  std::mt19937 rng(7);
  const std::string raw_path = TempPath("fuzz_src.idx");
  const std::string gz_path = TempPath("fuzz_src.idx.gz");
  ASSERT_TRUE(WriteIdxFile(raw_path, Ramp<int32_t>({6, 3}, 5), false).ok());
  ASSERT_TRUE(WriteIdxFile(gz_path, Ramp<int32_t>({6, 3}, 5), true).ok());
  const std::string sources[] = {ReadBytes(raw_path), ReadBytes(gz_path)};
  int opened = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    std::string m = sources[iter % 2];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      const size_t at = rng() % m.size();
      if (rng() % 4 == 0) {
        m.resize(at);
      } else {
        m[at] = static_cast<char>(rng());
      }
    }
    const std::string path = TempPath("fuzz.idx");
    WriteBytes(path, m);
    auto reader = IdxReader::Open(path);
    if (!reader.ok()) continue;
    ++opened;
    for (int64_t i = 0; i < std::min<int64_t>(3, (*reader)->num_records());
         ++i) {
      auto rec = (*reader)->ReadRecord(i);
      if (rec.ok()) {
        ASSERT_EQ(rec->shape(), (*reader)->record_shape());
      }
    }
  }
  EXPECT_GT(opened, 0);
}

TEST(IdxTest, RealFashionMnistWhenInstalled) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const std::string images = dir + "t10k-images-idx3-ubyte.gz";
  const std::string labels = dir + "t10k-labels-idx1-ubyte.gz";
  if (!std::ifstream(images).good() || !std::ifstream(labels).good()) {
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << dir;
  }
  auto img = IdxReader::Open(images);
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ((*img)->dtype(), DT_UINT8);
  EXPECT_EQ((*img)->shape().DebugString(), "[10000,28,28]");
  auto lab = ReadIdxFile(labels);
  ASSERT_TRUE(lab.ok()) << lab.status();
  EXPECT_EQ(lab->shape().DebugString(), "[10000]");
  int counts[10] = {0};
  for (int64_t i = 0; i < 10000; ++i) {
    const uint8_t l = lab->data<uint8_t>()[i];
    ASSERT_LT(l, 10);
    ++counts[l];
  }
  for (int c : counts) EXPECT_EQ(c, 1000);  // the test set is balanced
  auto first = (*img)->ReadRecord(0).value();
  int64_t sum = 0;
  for (int64_t i = 0; i < first.NumElements(); ++i) {
    sum += first.data<uint8_t>()[i];
  }
  EXPECT_GT(sum, 0);
  auto all = (*img)->ReadAll().value();
  EXPECT_EQ(all.Slice(0, 1).value().SummarizeValue(784),
            first.Reshaped({1, 28, 28}).value().SummarizeValue(784));
}

}  // namespace
}  // namespace tessera
