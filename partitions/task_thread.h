// TaskThread: one thread that runs posted tasks in order, and a tick
// function at a fixed interval between them. A partition's engine, state
// and bookkeeping are touched only on its TaskThread, so none of them needs
// a lock (the actor model Zeebe's partitions use).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace waggle::partitions {

class TaskThread {
 public:
  TaskThread() = default;
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;
  ~TaskThread() { Stop(); }

  // Starts the thread; `tick` runs every `interval` (and never concurrently
  // with a task). REQUIRES: not started before.
  void Start(std::chrono::milliseconds interval, std::function<void()> tick) {
    interval_ = interval;
    tick_ = std::move(tick);
    thread_ = std::thread([this] { Run(); });
  }

  // Queues a task. Thread-safe. False (and the task dropped) after Stop().
  bool Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  // Runs the tasks queued so far, then joins the thread; later tasks are
  // dropped. Idempotent. REQUIRES: not called from the thread itself.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  bool OnThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void Run() {
    auto next_tick = std::chrono::steady_clock::now() + interval_;
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait_until(lock, next_tick, [this] { return stopping_ || !tasks_.empty(); });
      std::deque<std::function<void()>> batch;
      batch.swap(tasks_);
      const bool stopping = stopping_;
      lock.unlock();
      for (auto& task : batch) task();
      if (stopping) return;
      if (std::chrono::steady_clock::now() >= next_tick) {
        tick_();
        next_tick = std::chrono::steady_clock::now() + interval_;
      }
      lock.lock();
    }
  }

  std::chrono::milliseconds interval_{50};
  std::function<void()> tick_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
};

}  // namespace waggle::partitions
