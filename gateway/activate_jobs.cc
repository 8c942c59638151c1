#include "gateway/activate_jobs.h"

#include <memory>
#include <mutex>

#include "common/record/codec.h"
#include "common/record/key.h"
#include "gateway/commands.h"
#include "gateway/dispatcher.h"
#include "gateway/long_polls.h"
#include "gateway/routing.h"
#include "gateway/timer_queue.h"
#include "gateway/topology.h"

namespace waggle::gateway {

namespace {

using Clock = std::chrono::steady_clock;

class ActivateJobsCall final : public grpc::ServerWriteReactor<gw::ActivateJobsResponse>,
                               public LongPolls::Waiter,
                               public std::enable_shared_from_this<ActivateJobsCall> {
 public:
  ActivateJobsCall(const ActivateJobsEnv& env, const gw::ActivateJobsRequest& request)
      : env_(env), request_(request), remaining_(request.maxjobstoactivate()) {}

  void Begin() {
    self_ = shared_from_this();
    if (grpc::Status s = ValidateActivateJobs(request_); !s.ok()) {
      FinishOnce(s);
      return;
    }
    if (request_.requesttimeout() >= 0) {
      const auto timeout = request_.requesttimeout() > 0
                               ? std::chrono::milliseconds(request_.requesttimeout())
                               : env_.long_poll_timeout;
      long_poll_deadline_ = Clock::now() + timeout;
    }
    StartRound();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      GiveBack(written_, "the gateway could not send the activated job to the worker");
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the worker went away"));
      return;
    }
    written_.Clear();
    VisitNext();
  }

  void OnCancel() override {
    bool was_parked;
    TimerQueue::TimerId timer;
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
      was_parked = state_ == State::kParked;
      if (was_parked) state_ = State::kDone;
      timer = timer_;
    }
    // Otherwise the broker request or write in flight ends the call.
    if (was_parked) {
      env_.long_polls->Remove(request_.type(), this);
      env_.timers->Cancel(timer);
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the worker cancelled the request"));
    }
  }

  void OnDone() override {
    std::shared_ptr<ActivateJobsCall> self;
    {
      std::lock_guard lock(mu_);
      self = std::move(self_);
    }
    // Callbacks still in flight keep their own references; otherwise this
    // call ends here, as its last statement.
  }

  void Wake() override {
    TimerQueue::TimerId timer;
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kParked) return;
      state_ = State::kActivating;
      timer = timer_;
    }
    env_.timers->Cancel(timer);
    StartRound();
  }

 private:
  enum class State { kActivating, kParked, kDone };

  void StartRound() {
    const uint64_t generation = env_.long_polls->Generation(request_.type());
    const int32_t count = env_.topology->partitions_count();
    {
      std::lock_guard lock(mu_);
      state_ = State::kActivating;
      seen_generation_ = generation;
      partitions_ = count;
      start_ = count > 0 ? env_.cursors->Start(request_.type(), count) : 1;
      visited_ = 0;
      answered_ = false;
      last_error_ = count > 0 ? grpc::Status::OK
                              : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                             "Expected to activate jobs, but the gateway knows "
                                             "no partitions yet");
    }
    VisitNext();
  }

  void VisitNext() {
    int32_t partition = 0;
    int32_t max_jobs = 0;
    {
      std::lock_guard lock(mu_);
      while (remaining_ > 0 && visited_ < partitions_ && !cancelled_) {
        const int32_t p = (start_ - 1 + visited_) % partitions_ + 1;
        ++visited_;
        if (env_.topology->HasLeader(p)) {
          partition = p;
          break;
        }
      }
      max_jobs = remaining_;
    }
    if (partition == 0) {
      EndRound();
      return;
    }
    env_.dispatcher->Send(
        Route{Route::Kind::kPartition, partition, {}},
        record::EncodeRecord(ActivateJobsCommand(request_, max_jobs)),
        std::chrono::milliseconds::zero(), /*retry=*/false,
        [self = shared_from_this()](grpc::Status status, record::fb::RecordT answer) {
          self->OnBatch(std::move(status), answer);
        });
  }

  void OnBatch(grpc::Status status, const record::fb::RecordT& answer) {
    if (status.ok()) status = CheckAnswer(answer, record::ValueType::kJobBatch);
    gw::ActivateJobsResponse batch;
    if (status.ok()) MapActivatedJobs(answer, &batch);
    {
      std::unique_lock lock(mu_);
      if (cancelled_) {
        lock.unlock();
        GiveBack(batch, "the worker cancelled the request before the job was sent");
        FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the worker cancelled the request"));
        return;
      }
      if (!status.ok()) {
        last_error_ = status;
      } else {
        answered_ = true;
      }
      if (batch.jobs_size() == 0) {
        lock.unlock();
        VisitNext();
        return;
      }
      remaining_ -= batch.jobs_size();
      delivered_ += batch.jobs_size();
      written_ = std::move(batch);
    }
    StartWrite(&written_);
  }

  void EndRound() {
    std::unique_lock lock(mu_);
    grpc::Status end;
    if (cancelled_) {
      end = grpc::Status(grpc::StatusCode::CANCELLED, "the worker cancelled the request");
    } else if (delivered_ > 0 || request_.requesttimeout() < 0) {
      end = grpc::Status::OK;
    } else if (!answered_ && !last_error_.ok()) {
      end = last_error_;  // no partition could be asked
    } else if (Clock::now() >= long_poll_deadline_) {
      end = grpc::Status::OK;
    } else {
      state_ = State::kParked;
      const uint64_t epoch = ++park_epoch_;
      const uint64_t generation = seen_generation_;
      lock.unlock();
      switch (env_.long_polls->Park(request_.type(), generation, shared_from_this())) {
        case LongPolls::ParkResult::kParked: {
          const TimerQueue::TimerId timer = env_.timers->Schedule(
              long_poll_deadline_, [self = shared_from_this(), epoch] { self->OnTimeout(epoch); });
          std::lock_guard relock(mu_);
          timer_ = timer;
          return;
        }
        case LongPolls::ParkResult::kNotifiedSince: StartRound(); return;
        case LongPolls::ParkResult::kClosed:
          lock.lock();
          if (state_ != State::kParked) return;  // cancelled meanwhile
          state_ = State::kDone;
          lock.unlock();
          FinishOnce(grpc::Status::OK);
          return;
      }
      return;
    }
    state_ = State::kDone;
    lock.unlock();
    FinishOnce(end);
  }

  void OnTimeout(uint64_t epoch) {
    {
      std::lock_guard lock(mu_);
      if (state_ != State::kParked || epoch != park_epoch_) return;
      state_ = State::kDone;
    }
    env_.long_polls->Remove(request_.type(), this);
    FinishOnce(grpc::Status::OK);
  }

  void FinishOnce(const grpc::Status& status) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  // Fire and forget: a job not given back times out on the broker anyway.
  void GiveBack(const gw::ActivateJobsResponse& jobs, const std::string& reason) {
    for (const gw::ActivatedJob& job : jobs.jobs()) {
      env_.dispatcher->Send(
          Route{Route::Kind::kPartition, record::PartitionOf(job.key()), {}},
          record::EncodeRecord(GiveBackJobCommand(job.key(), job.retries(), reason)),
          std::chrono::milliseconds::zero(), /*retry=*/true,
          [](grpc::Status, record::fb::RecordT) {});
    }
  }

  const ActivateJobsEnv env_;
  const gw::ActivateJobsRequest request_;
  Clock::time_point long_poll_deadline_;

  std::mutex mu_;
  std::shared_ptr<ActivateJobsCall> self_;  // until OnDone
  State state_ = State::kActivating;
  bool cancelled_ = false;
  bool finished_ = false;
  int32_t remaining_;
  int32_t delivered_ = 0;
  // The current visit.
  uint64_t seen_generation_ = 0;
  int32_t partitions_ = 0;
  int32_t start_ = 1;
  int32_t visited_ = 0;
  bool answered_ = false;
  grpc::Status last_error_;
  // The batch being written (one write at a time).
  gw::ActivateJobsResponse written_;
  // The park in progress and its timeout.
  uint64_t park_epoch_ = 0;
  TimerQueue::TimerId timer_ = 0;
};

}  // namespace

grpc::ServerWriteReactor<gw::ActivateJobsResponse>* StartActivateJobs(
    const ActivateJobsEnv& env, const gw::ActivateJobsRequest& request) {
  auto call = std::make_shared<ActivateJobsCall>(env, request);
  call->Begin();
  return call.get();
}

}  // namespace waggle::gateway
