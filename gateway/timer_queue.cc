#include "gateway/timer_queue.h"

namespace waggle::gateway {

TimerQueue::TimerQueue() : thread_([this] { Run(); }) {}

TimerQueue::~TimerQueue() {
  Stop();
}

TimerQueue::TimerId TimerQueue::Schedule(Clock::time_point when, Task task) {
  std::unique_lock lock(mu_);
  if (stopped_) {
    lock.unlock();
    task();
    return 0;
  }
  const TimerId id = next_id_++;
  tasks_.emplace(std::make_pair(when, id), std::move(task));
  due_.emplace(id, when);
  wake_.notify_one();
  return id;
}

bool TimerQueue::Cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto due = due_.find(id);
  if (due == due_.end()) return false;
  tasks_.erase(std::make_pair(due->second, id));
  due_.erase(due);
  return true;
}

void TimerQueue::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    wake_.notify_one();
  }
  thread_.join();
}

void TimerQueue::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    if (tasks_.empty()) {
      if (stopped_) return;
      wake_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    // A copy: wait_until reads it again after waking, when Cancel may have
    // erased the task.
    const Clock::time_point due = first->first.first;
    if (!stopped_ && due > Clock::now()) {
      wake_.wait_until(lock, due);
      continue;
    }
    Task task = std::move(first->second);
    due_.erase(first->first.second);
    tasks_.erase(first);
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace waggle::gateway
