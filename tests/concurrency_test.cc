// Many threads on one Session, several Sessions on one Graph, a FileWriter
// fed from several threads, one iterator drained by several threads. Every
// result is checked exactly (no lost update, no element twice), and every
// test runs under a watchdog that fails it instead of hanging on a deadlock.
// CI runs this under ThreadSanitizer (tools/tsan.sh), where any data race
// fails it too.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/event_reader.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/dataset_ops.h"
#include "ops/math_ops.h"
#include "ops/metrics.h"
#include "ops/state_ops.h"
#include "ops/training_ops.h"
#include "ops/variables.h"
#include "runtime/session.h"
#include "runtime/summary_writer.h"

namespace tessera {
namespace {

// Generous: the slowest test takes a few seconds under TSan on a loaded
// 2-core machine. A deadlock ends the process with a message instead of
// hanging until Bazel's timeout.
constexpr auto kWatchdog = std::chrono::seconds(90);

class Watchdog {
 public:
  Watchdog() : thread_([this] { Watch(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Watch() {
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, kWatchdog, [this] { return done_; })) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::fprintf(stderr, "FAILED: %s.%s still running after %lld s: deadlock?\n",
                 info ? info->test_suite_name() : "?",
                 info ? info->name() : "?",
                 static_cast<long long>(kWatchdog.count()));
    std::fflush(stderr);
    std::_Exit(1);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Runs body(t) on `n` threads and joins them, under a watchdog.
void RunThreads(int n, const std::function<void(int)>& body) {
  Watchdog watchdog;
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) threads.emplace_back(body, t);
  for (auto& th : threads) th.join();
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(base ? base : "/tmp", "/concurrency_", name);
  std::filesystem::remove_all(dir);
  return dir;
}

float ScalarOf(Session* session, const Output& out) {
  std::vector<Tensor> v;
  EXPECT_TRUE(session->Run({}, {out}, &v).ok());
  return v.empty() ? -1.f : v[0].scalar<float>();
}

// (a) Inference: 8 threads, three signatures (by handle and by name), exact.
TEST(ConcurrencyTest, InferenceFromManyThreadsAndSignatures) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Output y = ops::Mul(root.WithOpName("y"), ops::Add(root, x, 1.f), x);
  Output z = ops::Sub(root.WithOpName("z"), ops::Mul(root, x, x), 3.f);
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root).value();
  constexpr int kThreads = 8, kRuns = 150;
  std::atomic<int> wrong{0}, runs{0};
  RunThreads(kThreads, [&](int t) {
    std::vector<Tensor> out;
    for (int i = 0; i < kRuns; ++i) {
      // v * v < 2^24: exact in float, whether or not the compiler fuses
      // the test's own multiply-subtract (-march=native has FMA).
      const float v = static_cast<float>(t * kRuns + i);
      const float ye = (v + 1) * v, ze = v * v - 3;
      absl::Status s;
      bool ok = false;
      switch ((t + i) % 3) {
        case 0:
          s = session->Run({{x, Tensor::Scalar(v)}}, {y}, &out);
          ok = s.ok() && out[0].scalar<float>() == ye;
          break;
        case 1:
          s = session->Run({{"x:0", Tensor::Scalar(v)}}, {"z:0", "y:0"}, {},
                           &out);
          ok = s.ok() && out[0].scalar<float>() == ze &&
               out[1].scalar<float>() == ye;
          break;
        default:
          s = session->Run({{x, Tensor::Scalar(v)}}, {z}, &out);
          ok = s.ok() && out[0].scalar<float>() == ze;
      }
      if (!ok) wrong++;
      runs++;
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(runs.load(), kThreads * kRuns);
  EXPECT_EQ(session->num_cached_plans(), 3);
}

// (b) Training: AssignAdd on a resource and a TF1 ref variable
// (use_locking), and ResourceApplyGradientDescent, from 8 threads.
TEST(ConcurrencyTest, TrainingFromManyThreadsLosesNoUpdate) {
  Scope root = Scope::NewRootScope();
  const Variable* res = GetVariable(root, "res", {}, DT_FLOAT, init::Zeros());
  const Variable* gd = GetVariable(root, "gd", {2}, DT_FLOAT, init::Zeros());
  const Variable* ref = GetVariable(root, "ref", {}, DT_FLOAT, init::Zeros(),
                                    {.use_resource = false});
  ASSERT_TRUE(root.ok()) << root.status();
  Operation train = ops::Group(
      root.WithOpName("train"),
      {AssignAddVariable(root, res, 1.f),
       // var -= alpha * delta: +0.5 and +2 per step.
       ops::ResourceApplyGradientDescent(root, Output{gd->handle, 0}, 0.5f,
                                         ops::Const(root, {-1.f, -4.f})),
       ops::AssignAdd(root, Output{ref->handle, 0}, 1.f,
                      /*use_locking=*/true)});
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root).value();
  ASSERT_TRUE(
      session->Run({}, {}, {GlobalVariablesInitializer(root)}, nullptr).ok());
  constexpr int kThreads = 8, kRuns = 200;
  std::atomic<int> failed{0};
  RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kRuns; ++i) {
      if (!session->Run({}, {}, {train}, nullptr).ok()) failed++;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  constexpr float kSteps = kThreads * kRuns;  // 1600: exact in float
  EXPECT_EQ(ScalarOf(session.get(), Output{res->read, 0}), kSteps);
  EXPECT_EQ(ScalarOf(session.get(), Output{ref->read, 0}), kSteps);
  std::vector<Tensor> v;
  ASSERT_TRUE(session->Run({}, {Output{gd->read, 0}}, &v).ok());
  EXPECT_EQ(v[0].data<float>()[0], 0.5f * kSteps);
  EXPECT_EQ(v[0].data<float>()[1], 2.f * kSteps);
}

// (c) tf.metrics update ops from many threads: the streamed value equals
// the serial result exactly (integer-valued sums stay exact in float).
TEST(ConcurrencyTest, MetricUpdatesFromManyThreadsLoseNothing) {
  Scope root = Scope::NewRootScope();
  Output values = ops::Placeholder(root.WithOpName("values"), DT_FLOAT);
  Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64);
  Output preds = ops::Placeholder(root.WithOpName("preds"), DT_INT64);
  Scope m = root.WithVariableScope("metrics");
  metrics::Metric mean = metrics::Mean(m, values);
  metrics::Metric acc = metrics::Accuracy(m, labels, preds);
  Operation update = ops::Group(root, {mean.update_op, acc.update_op});
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root).value();
  ASSERT_TRUE(
      session->Run({}, {}, {LocalVariablesInitializer(root)}, nullptr).ok());
  constexpr int kThreads = 8, kRuns = 150, kBatch = 4;
  auto batch = [](int t, int i) {
    std::vector<float> v;
    std::vector<int64_t> l, p;
    for (int k = 0; k < kBatch; ++k) {
      v.push_back(static_cast<float>((t * 7 + i * 3 + k) % 10));
      l.push_back((t + i + k) % 3);
      p.push_back((t * i + k) % 3);
    }
    return std::make_tuple(v, l, p);
  };
  std::atomic<int> failed{0};
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kRuns; ++i) {
      auto [v, l, p] = batch(t, i);
      if (!session
               ->Run({{values, Tensor::FromVector(v)},
                      {labels, Tensor::FromVector(l)},
                      {preds, Tensor::FromVector(p)}},
                     {}, {update}, nullptr)
               .ok()) {
        failed++;
      }
    }
  });
  EXPECT_EQ(failed.load(), 0);
  double total = 0, correct = 0;  // the serial result
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRuns; ++i) {
      auto [v, l, p] = batch(t, i);
      for (int k = 0; k < kBatch; ++k) {
        total += v[k];
        correct += l[k] == p[k];
      }
    }
  }
  const float n = kThreads * kRuns * kBatch;
  EXPECT_EQ(ScalarOf(session.get(), mean.value),
            static_cast<float>(total) / n);
  EXPECT_EQ(ScalarOf(session.get(), acc.value),
            static_cast<float>(correct) / n);
}

// (d) Sessions on one Graph keep separate variables: 4 sessions, 2 threads
// each, each session adding its own delta.
TEST(ConcurrencyTest, SessionsOnOneGraphKeepTheirOwnState) {
  Scope root = Scope::NewRootScope();
  const Variable* v = GetVariable(root, "v", {}, DT_FLOAT, init::Zeros());
  const Variable* r = GetVariable(root, "r", {}, DT_FLOAT, init::Zeros(),
                                  {.use_resource = false});
  Output delta = ops::Placeholder(root.WithOpName("delta"), DT_FLOAT);
  Operation add = ops::Group(
      root, {AssignAddVariable(root, v, delta),
             ops::AssignAdd(root, Output{r->handle, 0}, delta, true)});
  Operation init = GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();
  constexpr int kSessions = 4, kPerSession = 2, kRuns = 150;
  std::vector<std::unique_ptr<Session>> sessions;
  for (int s = 0; s < kSessions; ++s) {
    sessions.push_back(Session::Create(root.graph()).value());
  }
  std::atomic<int> failed{0};
  RunThreads(kSessions, [&](int s) {  // initializers at once, one per session
    if (!sessions[s]->Run({}, {}, {init}, nullptr).ok()) failed++;
  });
  RunThreads(kSessions * kPerSession, [&](int t) {
    Session* session = sessions[t % kSessions].get();
    const float d = static_cast<float>(t % kSessions + 1);
    for (int i = 0; i < kRuns; ++i) {
      if (!session->Run({{delta, Tensor::Scalar(d)}}, {}, {add}, nullptr)
               .ok()) {
        failed++;
      }
    }
  });
  EXPECT_EQ(failed.load(), 0);
  for (int s = 0; s < kSessions; ++s) {
    const float expected = kPerSession * kRuns * static_cast<float>(s + 1);
    EXPECT_EQ(ScalarOf(sessions[s].get(), Output{v->read, 0}), expected)
        << "session " << s;
    EXPECT_EQ(ScalarOf(sessions[s].get(), Output{r->read, 0}), expected)
        << "session " << s;
  }
}

// (e) A FileWriter fed by 6 threads while another flushes: every event is
// in the file, once, in per-thread order.
TEST(ConcurrencyTest, FileWriterFedFromThreadsWhileFlushing) {
  summary::FileWriterOptions options;
  options.max_queue = 4;
  auto writer =
      summary::FileWriter::Create(TempDir("writer"), nullptr, options).value();
  constexpr int kWriters = 6, kEach = 250;
  std::atomic<int> writers_left{kWriters}, failed{0}, flushes{0};
  RunThreads(kWriters + 1, [&](int t) {
    if (t == kWriters) {  // the flusher
      while (writers_left.load() > 0) {
        if (!writer->Flush().ok()) failed++;
        flushes++;
        std::this_thread::yield();
      }
      return;
    }
    for (int i = 0; i < kEach; ++i) {
      ::tensorflow::Summary s;
      auto* v = s.add_value();
      v->set_tag(absl::StrCat("w", t));
      v->set_simple_value(static_cast<float>(i));
      if (!writer->AddSummary(std::move(s), t * kEach + i).ok()) failed++;
    }
    writers_left--;
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(flushes.load(), 0);
  ASSERT_TRUE(writer->Close().ok());
  auto contents = ReadEventFile(writer->filename());
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_EQ(contents->events.size(), 1u + kWriters * kEach);  // + file_version
  std::set<int64_t> steps;
  std::vector<float> last(kWriters, -1);
  for (size_t i = 1; i < contents->events.size(); ++i) {
    const ::tensorflow::Event& e = contents->events[i];
    steps.insert(e.step());
    const int t = static_cast<int>(e.step() / kEach);
    ASSERT_EQ(e.summary().value(0).tag(), absl::StrCat("w", t));
    const float value = e.summary().value(0).simple_value();
    EXPECT_EQ(value, static_cast<float>(e.step() % kEach));
    EXPECT_GT(value, last[t]) << "writer " << t << " out of order";
    last[t] = value;
  }
  EXPECT_EQ(steps.size(), static_cast<size_t>(kWriters * kEach));
}

// (f) Runs while the plan cache fills: 16 outputs, each run fetching an
// ordered pair, so all 256 pairs are planned while other threads run.
TEST(ConcurrencyTest, RunsWhileThePlanCacheFills) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  constexpr int kOutputs = 16;
  std::vector<Output> ys;
  for (int k = 0; k < kOutputs; ++k) {
    ys.push_back(ops::Add(root, ops::Mul(root, x, static_cast<float>(k)),
                          static_cast<float>(k)));  // k * x + k
  }
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root).value();
  constexpr int kThreads = 8, kRuns = 60;
  auto pair = [](int t, int i) {  // stride 37 (odd) visits all 256 pairs
    const int s = ((t * kRuns + i) * 37) % (kOutputs * kOutputs);
    return std::make_pair(s / kOutputs, s % kOutputs);
  };
  std::atomic<int> wrong{0};
  RunThreads(kThreads, [&](int t) {
    std::vector<Tensor> out;
    for (int i = 0; i < kRuns; ++i) {
      auto [a, b] = pair(t, i);
      const float v = static_cast<float>(i + t);
      if (!session->Run({{x, Tensor::Scalar(v)}}, {ys[a], ys[b]}, &out).ok() ||
          out[0].scalar<float>() != a * v + a ||
          out[1].scalar<float>() != b * v + b) {
        wrong++;
      }
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  std::set<std::pair<int, int>> signatures;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRuns; ++i) signatures.insert(pair(t, i));
  }
  EXPECT_EQ(signatures.size(), static_cast<size_t>(kOutputs * kOutputs));
  // One plan per distinct signature, however many threads asked at once.
  EXPECT_EQ(session->num_cached_plans(), static_cast<int>(signatures.size()));
}

absl::StatusOr<std::vector<Output>> Square(const Scope& s,
                                           const std::vector<Output>& a) {
  return std::vector<Output>{ops::Mul(s, a[0], a[0])};
}

// (g) One iterator drained by 6 threads through a parallel Map and a
// Prefetch: every element delivered exactly once, then OutOfRange for all.
TEST(ConcurrencyTest, IteratorGetNextFromManyThreadsDeliversEachOnce) {
  Scope root = Scope::NewRootScope();
  constexpr int64_t kElements = 600;
  data::Iterator it = data::Dataset::Range(root, 0, kElements)
                          .Map(Square, /*num_parallel_calls=*/3)
                          .Prefetch(4)
                          .MakeInitializableIterator();
  std::vector<Output> next = it.GetNext();
  ASSERT_TRUE(root.ok()) << root.status();
  auto session = Session::Create(root).value();
  ASSERT_TRUE(session->Run({}, {}, {it.initializer()}, nullptr).ok());
  constexpr int kThreads = 6;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::atomic<int> errors{0};
  RunThreads(kThreads, [&](int t) {
    std::vector<Tensor> out;
    for (;;) {
      absl::Status s = session->Run({}, next, &out);
      if (absl::IsOutOfRange(s)) break;
      if (!s.ok()) {
        errors++;
        break;
      }
      got[t].push_back(out[0].scalar<int64_t>());
    }
  });
  EXPECT_EQ(errors.load(), 0);
  std::multiset<int64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kElements));
  for (int64_t i = 0; i < kElements; ++i) {
    EXPECT_EQ(all.count(i * i), 1u) << "element " << i * i;
  }
  for (const auto& g : got) {  // each thread sees the dataset's order
    for (size_t k = 1; k < g.size(); ++k) EXPECT_LT(g[k - 1], g[k]);
  }
}

}  // namespace
}  // namespace tessera
