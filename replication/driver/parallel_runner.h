// ParallelRunner: runs n independent calls at once on a fixed set of threads
// and waits for all of them (fork-join). The driver uses it to issue the
// fdatasyncs of one round together, so that the device flushes them as one
// instead of one after another, without creating threads every round.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace waggle::replication {

class ParallelRunner {
 public:
  // `workers` threads besides the caller; 0 runs everything on the caller.
  explicit ParallelRunner(size_t workers);
  ~ParallelRunner();

  ParallelRunner(const ParallelRunner&) = delete;
  ParallelRunner& operator=(const ParallelRunner&) = delete;

  // Calls fn(0) ... fn(n - 1), at most workers + 1 at a time, the caller
  // taking part, and returns when every call has returned.
  // REQUIRES: not called concurrently; fn does not call Run.
  void Run(size_t n, const std::function<void(size_t)>& fn);

 private:
  void Work();
  // Claims and runs calls of the current job until none is left.
  // REQUIRES: mu_ held (released while a call runs).
  void Drain(std::unique_lock<std::mutex>& lock);

  std::mutex mu_;
  std::condition_variable work_cv_;  // a job was posted, or stopping
  std::condition_variable done_cv_;  // the last call of a job returned
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t count_ = 0;    // calls in the current job
  size_t next_ = 0;     // the next call to claim
  size_t running_ = 0;  // calls claimed and not yet returned
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace waggle::replication
