// TimerQueue: runs tasks at a time, on one thread shared by every timer of
// the gateway (retry back-offs, long-poll timeouts, topology polling), so
// that waiting costs no thread per request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace waggle::gateway {

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Task = std::function<void()>;
  using TimerId = uint64_t;

  TimerQueue();
  // Stops if still running.
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs `task` on the timer thread at `when` (or soon after). Tasks should
  // be quick; they run one at a time. After Stop(), the task runs at once on
  // the calling thread instead, so that no waiter is left hanging.
  TimerId Schedule(Clock::time_point when, Task task);
  TimerId ScheduleAfter(Clock::duration delay, Task task) {
    return Schedule(Clock::now() + delay, std::move(task));
  }
  // Drops the task if it has not started; returns whether it was dropped.
  bool Cancel(TimerId id);

  // Runs every pending task now (early), then joins the thread. Callers use
  // this at shutdown: a task run early must finish its work as it would on
  // shutdown (e.g. end a long poll). Idempotent.
  void Stop();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopped_ = false;
  TimerId next_id_ = 1;
  // Ordered by due time, then id (creation order).
  std::map<std::pair<Clock::time_point, TimerId>, Task> tasks_;
  std::map<TimerId, Clock::time_point> due_;
  std::thread thread_;
};

}  // namespace waggle::gateway
