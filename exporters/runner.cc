#include "exporters/runner.h"

namespace waggle::exporters {

ExporterRunner::ExporterRunner(std::unique_ptr<ExporterDirector> director)
    : director_(std::move(director)) {
  Publish();
}

ExporterRunner::~ExporterRunner() {
  Stop();
}

void ExporterRunner::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ExporterRunner::NotifyCommitted() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  wake_.notify_one();
}

void ExporterRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  director_->Close();
}

TimePoint ExporterRunner::Now() const {
  return std::chrono::duration_cast<TimePoint>(std::chrono::steady_clock::now() - epoch_);
}

void ExporterRunner::Publish() {
  std::optional<int64_t> lowest = director_->LowestPosition();
  std::vector<ExporterStatus> statuses = director_->Statuses();
  std::lock_guard<std::mutex> lock(mu_);
  lowest_ = lowest;
  statuses_ = std::move(statuses);
}

void ExporterRunner::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    notified_ = false;
    lock.unlock();
    PollResult result = director_->Poll(Now());
    Publish();
    lock.lock();
    if (result.more) continue;
    auto woken = [this] { return stopping_ || notified_; };
    if (result.wake_up) {
      wake_.wait_until(lock, epoch_ + *result.wake_up, woken);
    } else {
      wake_.wait(lock, woken);
    }
  }
}

std::optional<int64_t> ExporterRunner::LowestPosition() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lowest_;
}

std::vector<ExporterStatus> ExporterRunner::Statuses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return statuses_;
}

}  // namespace waggle::exporters
