// Data handed between threads only through absl's synchronization types.
// Under --config=tsan each case is a reported race unless
// absl_tsan_annotations.cc makes the .so's happens-before edges visible (it
// is the regression test for that file); in other builds it checks that the
// wrappers keep absl's behaviour.
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace {

constexpr int kThreads = 4;

TEST(AbslTsanAnnotationsTest, MutexGuardsPlainData) {
  absl::Mutex mu;
  long counter = 0;  // guarded by mu
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (i % 2 == 0) {
          absl::MutexLock lock(&mu);
          ++counter;
        } else {
          while (!mu.TryLock()) {
          }
          ++counter;
          mu.Unlock();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  absl::ReaderMutexLock lock(&mu);
  EXPECT_EQ(counter, kThreads * 1000);
}

TEST(AbslTsanAnnotationsTest, AwaitAndLockWhenHandOff) {
  absl::Mutex mu;
  std::vector<int> items;  // guarded by mu
  bool done = false;
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](std::vector<int>* v) { return v->size() < 4; }, &items));
      items.push_back(i);
    }
    absl::MutexLock lock(&mu);
    done = true;
  });
  long sum = 0;
  std::pair<std::vector<int>*, bool*> state(&items, &done);
  for (;;) {
    mu.LockWhen(absl::Condition(
        +[](std::pair<std::vector<int>*, bool*>* p) {
          return !p->first->empty() || *p->second;
        },
        &state));
    for (int v : items) sum += v;
    const bool finished = done && items.empty();
    items.clear();
    mu.Unlock();
    if (finished) break;
  }
  producer.join();
  EXPECT_EQ(sum, 99 * 100 / 2);
}

TEST(AbslTsanAnnotationsTest, CondVarHandOff) {
  absl::Mutex mu;
  absl::CondVar cv;
  int value = 0;  // guarded by mu
  std::thread writer([&] {
    absl::MutexLock lock(&mu);
    value = 42;
    cv.Signal();
  });
  {
    absl::MutexLock lock(&mu);
    while (value == 0) cv.WaitWithTimeout(&mu, absl::Seconds(1));
    EXPECT_EQ(value, 42);
  }
  writer.join();
}

TEST(AbslTsanAnnotationsTest, NotificationPublishesPlainData) {
  for (int round = 0; round < 50; ++round) {
    auto* n = new absl::Notification;
    std::vector<int> data;  // written before Notify, read after the wait
    std::thread writer([&] {
      data.assign(100, round);
      n->Notify();
    });
    if (round % 2 == 0) {
      n->WaitForNotification();
    } else {
      while (!n->WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
      }
    }
    EXPECT_EQ(data.size(), 100u);
    EXPECT_EQ(data[99], round);
    writer.join();
    delete n;  // after the join: ~Notification must not race with Notify
  }
}

TEST(AbslTsanAnnotationsTest, BlockingCounterPublishesEveryWorker) {
  std::vector<int> slots(kThreads, 0);  // slot t written by thread t only
  absl::BlockingCounter counter(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      slots[t] = t + 1;
      counter.DecrementCount();
    });
  }
  counter.Wait();
  int sum = 0;
  for (int v : slots) sum += v;  // every worker's write is visible
  EXPECT_EQ(sum, kThreads * (kThreads + 1) / 2);
  for (auto& t : threads) t.join();
}

}  // namespace
