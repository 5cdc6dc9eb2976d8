#define EIGEN_USE_THREADS
#include "core/threadpool.h"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "unsupported/Eigen/CXX11/Tensor"
#include "unsupported/Eigen/CXX11/ThreadPool"

namespace tessera {

int NumSchedulableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(const std::string& name, int num_threads)
    : num_threads_(num_threads > 0 ? num_threads : NumSchedulableCpus()) {
  (void)name;
  pool_ = std::make_unique<Eigen::ThreadPool>(num_threads_);
  eigen_device_ =
      std::make_unique<Eigen::ThreadPoolDevice>(pool_.get(), num_threads_);
}

ThreadPool::~ThreadPool() {
  eigen_device_.reset();
  pool_.reset();  // joins the workers after they drain their queues
}

void ThreadPool::Schedule(std::function<void()> fn) {
  pool_->Schedule(std::move(fn));
}

int ThreadPool::CurrentThreadId() const { return pool_->CurrentThreadId(); }

void ThreadPool::ParallelFor(int64_t total, int64_t cost_per_unit,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (total <= 0) return;
  // About 10k cycles per block keeps scheduling overhead under a few percent.
  constexpr int64_t kMinCostPerBlock = 10000;
  int64_t max_blocks = std::max<int64_t>(
      1, total * std::max<int64_t>(cost_per_unit, 1) / kMinCostPerBlock);
  int64_t blocks = std::min<int64_t>({max_blocks, total,
                                      static_cast<int64_t>(num_threads_) * 4});
  if (blocks <= 1) {
    fn(0, total);
    return;
  }
  int64_t block_size = (total + blocks - 1) / blocks;
  blocks = (total + block_size - 1) / block_size;
  absl::BlockingCounter done(static_cast<int>(blocks - 1));
  for (int64_t b = 1; b < blocks; ++b) {
    int64_t begin = b * block_size;
    int64_t end = std::min(total, begin + block_size);
    pool_->Schedule([&fn, &done, begin, end] {
      fn(begin, end);
      done.DecrementCount();
    });
  }
  fn(0, std::min(total, block_size));
  done.Wait();
}

}  // namespace tessera
