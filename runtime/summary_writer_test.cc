// FileWriter end to end: summary ops run in a Session, their output and the
// graph go into an event file, which is read back with the reader and also
// parsed by hand here (framing and both masked CRC32Cs); PNGs decode with
// libpng. Then durability (a child process SIGKILLed after Flush), a
// truncated tail, corruption, concurrency, flush_secs and Reopen.
#include "core/test_files.h"
#include "runtime/summary_writer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/crc32c.h"
#include "core/event_reader.h"
#include "core/png.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/summary_ops.h"
#include "runtime/session.h"

namespace tessera {
namespace summary {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::tensorflow::Event;

// Independent TFRecord parse: uint64 length, masked crc32c(length), data,
// masked crc32c(data); every CRC must match.
std::vector<std::string> ParseFraming(const std::string& bytes) {
  std::vector<std::string> records;
  size_t at = 0;
  while (at < bytes.size()) {
    EXPECT_GE(bytes.size() - at, 12u) << "short header at " << at;
    if (bytes.size() - at < 12) break;
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<uint8_t>(bytes[at + i]);
    auto u32 = [&](size_t p) {
      uint32_t v = 0;
      for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[p + i]);
      return v;
    };
    EXPECT_EQ(u32(at + 8), crc32c::Mask(crc32c::Value(bytes.data() + at, 8)))
        << "length crc at " << at;
    EXPECT_LE(at + 12 + len + 4, bytes.size());
    if (at + 12 + len + 4 > bytes.size()) break;
    records.push_back(bytes.substr(at + 12, len));
    EXPECT_EQ(u32(at + 12 + len), crc32c::Mask(crc32c::Value(records.back())))
        << "data crc at " << at;
    at += 12 + len + 4;
  }
  return records;
}

TEST(FileWriterTest, SummariesAndGraphRoundTrip) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output img = ops::Placeholder(root.WithOpName("img"), DT_FLOAT);
  Output loss = ops::Placeholder(root.WithOpName("l"), DT_FLOAT);
  Scalar(root, "loss", loss);
  Histogram(root.NewSubScope("train"), "weights", x);
  Image(root, "input", img, /*max_outputs=*/2);
  Output merged = MergeAll(root);
  ASSERT_TRUE(root.ok()) << root.status();
  ASSERT_TRUE(merged.valid());

  const std::string logdir = FreshTestPath("roundtrip");
  FileWriterOptions options;
  options.filename_suffix = ".test";
  auto writer = FileWriter::Create(logdir, root.graph(), options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  const std::string file = (*writer)->filename();
  EXPECT_THAT(std::filesystem::path(file).filename().string(),
              MatchesRegex("events\\.out\\.tfevents\\.[0-9]{10}\\..+\\.test"));

  auto session = Session::Create(root).value();
  for (int step = 0; step < 3; ++step) {
    std::vector<Tensor> out;
    Tensor xv = Tensor::FromVector<float>({1.f * step, 2, 3});
    Tensor iv = Tensor::FromVector<float>(
        {0, 0.5, 1, float(step), -1, 0, 0.5, 1}, TensorShape({2, 2, 2, 1}));
    absl::Status s = session->Run(
        {{x, xv}, {img, iv}, {loss, Tensor::Scalar<float>(step)}}, {merged}, &out);
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_TRUE((*writer)->AddSummary(out[0].scalar<tstring>(), step).ok());
  }
  ::tensorflow::RunMetadata rm;
  rm.mutable_step_stats();
  ASSERT_TRUE((*writer)->AddRunMetadata(rm, "step2", 2).ok());
  EXPECT_THAT((*writer)->AddRunMetadata(rm, "step2", 3).message(),
              HasSubstr("already used"));
  ASSERT_TRUE((*writer)->Close().ok());

  const std::vector<std::string> records = ParseFraming(ReadTestFile(file));
  auto contents = ReadEventFile(file);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_FALSE(contents->truncated);
  const auto& events = contents->events;
  // file_version, graph, meta graph, 3 summaries, run metadata.
  ASSERT_EQ(events.size(), 7u);
  ASSERT_EQ(records.size(), 7u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].SerializeAsString(), records[i]);
    EXPECT_GT(events[i].wall_time(), 1.5e9);
  }
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");

  ::tensorflow::GraphDef expected, graph_def;
  root.graph()->ToGraphDef(&expected);
  ASSERT_TRUE(graph_def.ParseFromString(events[1].graph_def()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(graph_def, expected));
  ::tensorflow::MetaGraphDef meta;
  ASSERT_TRUE(meta.ParseFromString(events[2].meta_graph_def()));
  EXPECT_EQ(meta.graph_def().node_size(), expected.node_size());

  for (int step = 0; step < 3; ++step) {
    const Event& e = events[3 + step];
    EXPECT_EQ(e.step(), step);
    const auto& values = e.summary().value();
    ASSERT_EQ(values.size(), 4);
    EXPECT_EQ(values[0].tag(), "loss");
    EXPECT_EQ(values[0].simple_value(), static_cast<float>(step));
    EXPECT_EQ(values[1].tag(), "train/weights");
    EXPECT_EQ(values[1].histo().num(), 3);
    EXPECT_EQ(values[1].histo().sum(), step + 5.0);
    EXPECT_EQ(values[1].histo().max(), 3);
    EXPECT_EQ(values[2].tag(), "input/image/0");
    EXPECT_EQ(values[3].tag(), "input/image/1");
    auto first = png::Decode(values[2].image().encoded_image_string());
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(first->width, 2);
    EXPECT_EQ(first->height, 2);
    EXPECT_EQ(first->channels, 1);
    auto second = png::Decode(values[3].image().encoded_image_string());
    ASSERT_TRUE(second.ok()) << second.status();
    // [-1, 0, .5, 1] -> 127/1 * v + 128.
    EXPECT_THAT(second->pixels, ::testing::ElementsAre(1, 128, 191, 255));
  }
  EXPECT_EQ(events[6].tagged_run_metadata().tag(), "step2");
  EXPECT_EQ(events[6].step(), 2);
  ::tensorflow::RunMetadata back;
  EXPECT_TRUE(back.ParseFromString(events[6].tagged_run_metadata().run_metadata()));
  EXPECT_TRUE(back.has_step_stats());
}

TEST(FileWriterTest, SummaryMetadataOnlyOnFirstOccurrence) {
  Scope root = Scope::NewRootScope();
  Output t = Text(root, "notes", Tensor::FromVector<tstring>({"hi"}));
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root).value();
  std::vector<Tensor> out;
  ASSERT_TRUE(session->Run({}, {t}, &out).ok());
  auto writer = FileWriter::Create(FreshTestPath("metadata")).value();
  ASSERT_TRUE(writer->AddSummary(out[0].scalar<tstring>(), 1).ok());
  ASSERT_TRUE(writer->AddSummary(out[0].scalar<tstring>(), 2).ok());
  EXPECT_THAT(writer->AddSummary("\xff\xff", 3).message(),
              HasSubstr("not a serialized tensorflow.Summary"));
  ASSERT_TRUE(writer->Close().ok());
  auto contents = ReadEventFile(writer->filename()).value();
  ASSERT_EQ(contents.events.size(), 3u);
  const auto& v1 = contents.events[1].summary().value(0);
  EXPECT_EQ(v1.tag(), "notes");
  EXPECT_EQ(v1.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(v1.tensor().string_val(0), "hi");
  EXPECT_FALSE(contents.events[2].summary().value(0).has_metadata());
}

Event StepEvent(int64_t step) {
  Event e;
  e.set_step(step);
  auto* v = e.mutable_summary()->add_value();
  v->set_tag("step");
  v->set_simple_value(step);
  return e;
}

TEST(FileWriterTest, KilledAfterFlushLosesNothingFlushed) {
  const std::string logdir = FreshTestPath("killed");
  constexpr int kFlushed = 50;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FileWriterOptions options;
    options.flush_secs = 3600;
    auto writer = FileWriter::Create(logdir, nullptr, options);
    if (!writer.ok()) _exit(2);
    for (int i = 0; i < kFlushed; ++i) {
      if (!(*writer)->AddEvent(StepEvent(i)).ok()) _exit(3);
    }
    if (!(*writer)->Flush().ok()) _exit(4);
    // More events that may or may not reach the file before the kill.
    for (int i = kFlushed; i < kFlushed + 20; ++i) {
      (*writer)->AddEvent(StepEvent(i)).IgnoreError();
    }
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  auto runs = ListEventFiles(logdir).value();
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs["."].size(), 1u);
  auto contents = ReadEventFile(runs["."][0]);
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_GE(contents->events.size(), 1u + kFlushed);
  for (int i = 0; i < kFlushed; ++i) {
    EXPECT_EQ(contents->events[1 + i].step(), i);
  }
}

TEST(FileWriterTest, TruncatedLastRecordIsSkippedAndCorruptionReported) {
  auto writer = FileWriter::Create(FreshTestPath("truncated")).value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->AddEvent(StepEvent(i)).ok());
  ASSERT_TRUE(writer->Close().ok());
  const std::string file = writer->filename();
  const std::string bytes = ReadTestFile(file);
  const size_t last = ParseFraming(bytes).back().size() + 16;
  // Every cut inside the last record: header, data or footer.
  for (size_t cut : {size_t{1}, size_t{5}, size_t{13}, last - 2}) {
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        << bytes.substr(0, bytes.size() - cut);
    auto contents = ReadEventFile(file);
    ASSERT_TRUE(contents.ok()) << "cut " << cut << ": " << contents.status();
    EXPECT_TRUE(contents->truncated);
    EXPECT_EQ(contents->events.size(), 3u);  // file_version + steps 0, 1
    EXPECT_THAT(contents->warning,
                HasSubstr(absl::StrCat("offset ", bytes.size() - last)));
  }
  // A flipped byte in the middle is data loss, named with file and offset.
  std::string corrupt = bytes;
  corrupt[bytes.size() - last - 6] ^= 0x20;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << corrupt;
  auto contents = ReadEventFile(file);
  ASSERT_FALSE(contents.ok());
  EXPECT_TRUE(absl::IsDataLoss(contents.status())) << contents.status();
  EXPECT_THAT(contents.status().message(), HasSubstr(file));
}

TEST(FileWriterTest, ConcurrentWritersLoseNothing) {
  FileWriterOptions options;
  options.max_queue = 3;
  auto writer = FileWriter::Create(FreshTestPath("concurrent"), nullptr, options).value();
  constexpr int kThreads = 8, kEach = 400;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        ::tensorflow::Summary s;
        auto* v = s.add_value();
        v->set_tag(absl::StrCat("t", t));
        v->set_simple_value(i);
        EXPECT_TRUE(writer->AddSummary(std::move(s), t * kEach + i).ok());
        if (i % 100 == 0) EXPECT_TRUE(writer->Flush().ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(writer->Close().ok());
  auto contents = ReadEventFile(writer->filename()).value();
  ASSERT_EQ(contents.events.size(), 1u + kThreads * kEach);
  std::set<int64_t> steps;
  std::vector<int> last(kThreads, -1);
  for (size_t i = 1; i < contents.events.size(); ++i) {
    const Event& e = contents.events[i];
    steps.insert(e.step());
    // Per thread, events keep their order.
    const int t = static_cast<int>(e.step() / kEach);
    EXPECT_EQ(e.summary().value(0).tag(), absl::StrCat("t", t));
    EXPECT_GT(e.summary().value(0).simple_value(), last[t]);
    last[t] = static_cast<int>(e.summary().value(0).simple_value());
  }
  EXPECT_EQ(steps.size(), static_cast<size_t>(kThreads * kEach));
}

TEST(FileWriterTest, FlushSecsFlushesWithoutFlushCalls) {
  FileWriterOptions options;
  options.flush_secs = 0.1;
  auto writer = FileWriter::Create(FreshTestPath("flush_secs"), nullptr, options).value();
  ASSERT_TRUE(writer->AddEvent(StepEvent(7)).ok());
  std::vector<Event> events;
  for (int i = 0; i < 100 && events.size() < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    events = ReadEventFile(writer->filename()).value().events;
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step(), 7);
}

TEST(FileWriterTest, CloseAndReopenStartsANewFile) {
  const std::string logdir = FreshTestPath("reopen");
  auto writer = FileWriter::Create(logdir).value();
  ASSERT_TRUE(writer->AddEvent(StepEvent(1)).ok());
  ASSERT_TRUE(writer->Close().ok());
  ASSERT_TRUE(writer->Close().ok());  // idempotent
  EXPECT_TRUE(absl::IsFailedPrecondition(writer->AddEvent(StepEvent(2))));
  const std::string first = writer->filename();
  ASSERT_TRUE(writer->Reopen().ok());
  ASSERT_TRUE(writer->Reopen().ok());  // no-op while open
  EXPECT_NE(writer->filename(), first);
  ASSERT_TRUE(writer->AddEvent(StepEvent(3)).ok());
  ASSERT_TRUE(writer->Flush().ok());
  auto runs = ListEventFiles(logdir).value();
  ASSERT_EQ(runs["."].size(), 2u);
  EXPECT_EQ(runs["."][0], first);  // sorted by creation
  auto second = ReadEventFile(writer->filename()).value();
  ASSERT_EQ(second.events.size(), 2u);
  EXPECT_EQ(second.events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(second.events[1].step(), 3);
  EXPECT_EQ(ReadEventFile(first).value().events.size(), 2u);
}

}  // namespace
}  // namespace summary
}  // namespace tessera
