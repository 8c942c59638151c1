// ExporterRunner: hosts one partition's ExporterDirector on a thread of its
// own, on the steady clock. Exporters may block in I/O (a Redis timeout, a
// slow disk); on their own thread they never hold up the partition's
// processing: NotifyCommitted and the accessors only take a short lock.
//
// The director's CommittedRecordSource and ExporterPositionStore are called
// on the runner's thread, so the broker's implementations must be safe
// against its other threads.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "exporters/director.h"

namespace waggle::exporters {

class ExporterRunner {
 public:
  // `director` is opened; from Start on only the runner's thread touches it.
  explicit ExporterRunner(std::unique_ptr<ExporterDirector> director);
  ~ExporterRunner();  // Stop()

  ExporterRunner(const ExporterRunner&) = delete;
  ExporterRunner& operator=(const ExporterRunner&) = delete;

  void Start();

  // Records were committed: the director polls soon.
  void NotifyCommitted();

  // Waits for the poll in progress, then closes the director (its exporters
  // flush what they can). Idempotent.
  void Stop();

  // As of the last poll (Stop keeps them; positions acknowledged while
  // closing reach the ExporterPositionStore only).
  std::optional<int64_t> LowestPosition() const;
  std::vector<ExporterStatus> Statuses() const;

 private:
  void Run();
  void Publish();
  TimePoint Now() const;

  std::unique_ptr<ExporterDirector> director_;
  const std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool notified_ = false;
  bool stopping_ = false;
  std::optional<int64_t> lowest_;
  std::vector<ExporterStatus> statuses_;
  std::thread thread_;
};

}  // namespace waggle::exporters
