#include "replication/driver/parallel_runner.h"

namespace waggle::replication {

ParallelRunner::ParallelRunner(size_t workers) {
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

ParallelRunner::~ParallelRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ParallelRunner::Run(size_t n, const std::function<void(size_t)>& fn) {
  std::unique_lock lock(mu_);
  fn_ = &fn;
  count_ = n;
  next_ = 0;
  if (n > 1) work_cv_.notify_all();
  Drain(lock);
  done_cv_.wait(lock, [&] { return next_ == count_ && running_ == 0; });
  fn_ = nullptr;
}

void ParallelRunner::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || (fn_ != nullptr && next_ < count_); });
    if (stopping_) return;
    Drain(lock);
  }
}

void ParallelRunner::Drain(std::unique_lock<std::mutex>& lock) {
  while (fn_ != nullptr && next_ < count_) {
    const size_t i = next_++;
    const std::function<void(size_t)>& fn = *fn_;
    running_++;
    lock.unlock();
    fn(i);
    lock.lock();
    running_--;
  }
  if (running_ == 0) done_cv_.notify_all();
}

}  // namespace waggle::replication
