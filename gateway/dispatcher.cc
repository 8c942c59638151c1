#include "gateway/dispatcher.h"

#include <algorithm>

#include "common/record/codec.h"
#include "gateway/timer_queue.h"
#include "gateway/topology.h"

namespace waggle::gateway {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

}  // namespace

struct Dispatcher::Attempt {
  Route route;
  std::string command;
  Clock::time_point deadline;
  bool retry = true;
  Callback done;
  // Round robin: the partition tried last and how many were tried.
  int32_t partition = 0;
  int32_t tried = 0;
  // NOT_LEADER answers so far: only the first retry on a hinted leader is
  // immediate, so that two brokers naming each other cannot spin.
  int32_t not_leader = 0;
  // Answered when the deadline passes.
  grpc::Status last_error;
};

Dispatcher::Dispatcher(BrokerClient* brokers, TopologyCache* topology, TimerQueue* timers,
                       std::function<void()> refresh_topology, Options options)
    : brokers_(brokers),
      topology_(topology),
      timers_(timers),
      refresh_topology_(std::move(refresh_topology)),
      options_(options) {}

void Dispatcher::Send(const Route& route, std::string command, milliseconds timeout, bool retry,
                      Callback done) {
  auto attempt = std::make_shared<Attempt>();
  attempt->route = route;
  attempt->command = std::move(command);
  attempt->deadline =
      Clock::now() + (timeout > milliseconds::zero() ? timeout : options_.request_timeout);
  attempt->retry = retry;
  attempt->done = std::move(done);
  Try(std::move(attempt));
}

void Dispatcher::Try(std::shared_ptr<Attempt> attempt) {
  const int32_t count = topology_->partitions_count();
  int32_t partition = 0;
  switch (attempt->route.kind) {
    case Route::Kind::kPartition: partition = attempt->route.partition; break;
    case Route::Kind::kCorrelationKey:
      if (count > 0) partition = CorrelationKeyPartition(attempt->route.correlation_key, count);
      break;
    case Route::Kind::kRoundRobin:
      if (attempt->partition == 0) {
        partition = round_robin_.Next(count, [this](int32_t p) { return topology_->HasLeader(p); });
        attempt->partition = partition;
      } else {
        partition = attempt->partition;
      }
      break;
  }
  if (count > 0 && partition > count) {
    attempt->done(
        grpc::Status(grpc::StatusCode::UNAVAILABLE,
                     "Expected to execute the command on partition " + std::to_string(partition) +
                         ", but the cluster has only " + std::to_string(count) + " partitions"),
        {});
    return;
  }
  std::optional<LeaderInfo> leader;
  if (partition > 0) leader = topology_->LeaderOf(partition);
  if (!leader) {
    attempt->last_error = grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        partition > 0 ? "Expected to execute the command on partition " +
                            std::to_string(partition) + ", but it has no known leader"
                      : std::string("Expected to execute the command on a partition, but the "
                                    "gateway knows no partition with a leader yet"));
    refresh_topology_();
    RetryLater(std::move(attempt), options_.retry_delay);
    return;
  }
  const auto remaining = std::chrono::duration_cast<milliseconds>(attempt->deadline - Clock::now());
  if (remaining <= milliseconds::zero()) {
    RetryLater(std::move(attempt), milliseconds::zero());
    return;
  }
  const std::string command = attempt->command;
  brokers_->ExecuteCommand(
      leader->address, partition, command, remaining,
      [this, attempt, partition, node_id = leader->node_id](Status transport, CommandReply reply) {
        OnReply(attempt, partition, node_id, std::move(transport), std::move(reply));
      });
}

void Dispatcher::OnReply(std::shared_ptr<Attempt> attempt, int32_t partition, int32_t node_id,
                         Status transport, CommandReply reply) {
  using Outcome = CommandReply::Outcome;
  const bool round_robin = attempt->route.kind == Route::Kind::kRoundRobin;
  const std::string where = "partition " + std::to_string(partition);
  if (!transport.ok()) {
    if (transport.code() == Status::Code::kAborted) {
      attempt->done(grpc::Status(grpc::StatusCode::UNAVAILABLE, transport.message()), {});
      return;
    }
    attempt->last_error =
        grpc::Status(grpc::StatusCode::UNAVAILABLE,
                     "Expected to reach the leader of " + where + ", but: " + transport.message());
    refresh_topology_();
    if (round_robin) {
      MoveOn(std::move(attempt));
    } else {
      RetryLater(std::move(attempt), options_.retry_delay);
    }
    return;
  }
  switch (reply.outcome) {
    case Outcome::kRecord: {
      Result<record::fb::RecordT> answer = record::DecodeRecord(reply.record);
      if (!answer.ok()) {
        attempt->done(grpc::Status(grpc::StatusCode::INTERNAL,
                                   "The broker's answer from " + where +
                                       " is corrupt: " + answer.status().ToString()),
                      {});
        return;
      }
      attempt->done(grpc::Status::OK, std::move(answer).value());
      return;
    }
    case Outcome::kNotLeader:
      topology_->ForgetLeader(partition, node_id, reply.leader_node_id);
      refresh_topology_();
      attempt->last_error =
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       "Expected to execute the command on " + where +
                           ", but its leader changed and no new leader answered in time");
      if (round_robin) {
        MoveOn(std::move(attempt));
      } else {
        // With a hint the new leader is tried at once; otherwise after a poll.
        const bool at_once = ++attempt->not_leader == 1 && topology_->HasLeader(partition);
        RetryLater(std::move(attempt), at_once ? milliseconds::zero() : options_.retry_delay);
      }
      return;
    case Outcome::kResourceExhausted:
      attempt->last_error =
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       "Expected to execute the command on " + where +
                           ", but it is overloaded (backpressure); try again later");
      if (round_robin) {
        MoveOn(std::move(attempt));
      } else {
        attempt->done(attempt->last_error, {});
      }
      return;
    case Outcome::kPartitionNotFound:
      attempt->done(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "Expected to execute the command on " + where +
                                     ", but either it does not exist, or the gateway is not "
                                     "yet aware of it"),
                    {});
      return;
    case Outcome::kTimeout:
      attempt->done(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                 "Time out between gateway and broker: no answer from " + where +
                                     " within the request timeout" +
                                     (reply.message.empty() ? "" : " (" + reply.message + ")")),
                    {});
      return;
    case Outcome::kInvalidCommand:
    case Outcome::kAccepted:
      attempt->done(
          grpc::Status(grpc::StatusCode::INTERNAL, "The broker refused the gateway's command on " +
                                                       where + ": " + reply.message),
          {});
      return;
  }
}

void Dispatcher::MoveOn(std::shared_ptr<Attempt> attempt) {
  const int32_t count = topology_->partitions_count();
  ++attempt->tried;
  if (attempt->tried >= count) {
    attempt->done(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "Expected to execute the command on one of the partitions, but "
                               "all failed; there are no more partitions available to retry. "
                               "Last error: " +
                                   attempt->last_error.error_message()),
                  {});
    return;
  }
  // The next partition after the last one tried that has a leader.
  for (int32_t i = 1; i <= count; ++i) {
    const int32_t next = (attempt->partition - 1 + i) % count + 1;
    if (topology_->HasLeader(next)) {
      attempt->partition = next;
      Try(std::move(attempt));
      return;
    }
  }
  RetryLater(std::move(attempt), options_.retry_delay);
}

void Dispatcher::RetryLater(std::shared_ptr<Attempt> attempt, milliseconds delay) {
  const Clock::time_point now = Clock::now();
  if (!attempt->retry || now + delay >= attempt->deadline) {
    grpc::Status error = attempt->last_error.ok()
                             ? grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                            "Expected to execute the command within the "
                                            "request timeout, but it passed")
                             : attempt->last_error;
    attempt->done(std::move(error), {});
    return;
  }
  timers_->Schedule(now + delay,
                    [this, attempt = std::move(attempt)]() mutable { Try(std::move(attempt)); });
}

}  // namespace waggle::gateway
