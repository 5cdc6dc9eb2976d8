// A fixed pool of worker threads (Eigen's non-blocking, work-stealing pool)
// with a ParallelFor that splits a range by estimated cost.
#ifndef TESSERA_CORE_THREADPOOL_H_
#define TESSERA_CORE_THREADPOOL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace Eigen {
class ThreadPoolInterface;
struct ThreadPoolDevice;
}  // namespace Eigen

namespace tessera {

class ThreadPool {
 public:
  // num_threads <= 0 means one per core.
  ThreadPool(const std::string& name, int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int NumThreads() const { return num_threads_; }
  void Schedule(std::function<void()> fn);
  // Index of the calling thread in this pool, or -1 for outside threads.
  int CurrentThreadId() const;

  // Runs fn(begin, end) over [0, total) in blocks; `cost_per_unit` is a rough
  // count of cycles per element, used to decide how finely to split. Blocks
  // until done; the caller's thread takes part.
  void ParallelFor(int64_t total, int64_t cost_per_unit,
                   const std::function<void(int64_t, int64_t)>& fn);

  // For kernels that use Eigen's tensor expressions.
  Eigen::ThreadPoolDevice* eigen_device() const { return eigen_device_.get(); }

 private:
  const int num_threads_;
  std::unique_ptr<Eigen::ThreadPoolInterface> pool_;
  std::unique_ptr<Eigen::ThreadPoolDevice> eigen_device_;
};

// Number of cores available to this process.
int NumSchedulableCpus();

}  // namespace tessera

#endif  // TESSERA_CORE_THREADPOOL_H_
