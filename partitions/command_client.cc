#include "partitions/command_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "common/protocol/broker_api.grpc.pb.h"

namespace waggle::partitions {

namespace api = waggle::broker_api;

constexpr std::chrono::milliseconds kSendTimeout{5000};

// One channel per broker, made on first use.
class CommandClient::Channels {
 public:
  explicit Channels(const BrokerConfig& config) : config_(config) {}

  api::BrokerApi::Stub* Stub(int32_t node) {
    std::lock_guard lock(mu_);
    auto& stub = stubs_[node];
    if (!stub) {
      // A restarted broker is found again within a second (gRPC's default
      // reconnect back-off grows to two minutes).
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      stub = api::BrokerApi::NewStub(grpc::CreateCustomChannel(
          config_.CommandAddressOf(node), grpc::InsecureChannelCredentials(), args));
    }
    return stub.get();
  }

 private:
  const BrokerConfig& config_;
  std::mutex mu_;
  std::map<int32_t, std::unique_ptr<api::BrokerApi::Stub>> stubs_;
};

CommandClient::CommandClient(const BrokerConfig& config,
                             std::function<int32_t(int32_t)> local_leader)
    : config_(config),
      placement_(
          PlacePartitions(config.cluster_size, config.partitions_count, config.replication_factor)),
      local_leader_(std::move(local_leader)),
      channels_(std::make_unique<Channels>(config_)) {}

CommandClient::~CommandClient() {
  Stop();
}

void CommandClient::Stop() {
  std::unique_lock lock(mu_);
  stopped_ = true;
  for (grpc::ClientContext* c : in_flight_) c->TryCancel();
  idle_.wait(lock, [this] { return in_flight_.empty(); });
}

int32_t CommandClient::Guess(int32_t partition_id) {
  {
    std::lock_guard lock(mu_);
    auto it = guesses_.find(partition_id);
    if (it != guesses_.end()) return it->second;
  }
  const int32_t local = local_leader_(partition_id);
  if (local >= 0) return local;
  return placement_.at(partition_id - 1).members.front().node_id;
}

void CommandClient::Learned(int32_t partition_id, int32_t tried, int32_t leader) {
  std::lock_guard lock(mu_);
  if (leader >= 0) {
    guesses_[partition_id] = leader;
    return;
  }
  // No leader named: try the member after the one tried.
  const auto& members = placement_.at(partition_id - 1).members;
  auto it = std::find_if(members.begin(), members.end(),
                         [&](const PartitionMember& m) { return m.node_id == tried; });
  const size_t next = it == members.end() ? 0 : (it - members.begin() + 1) % members.size();
  guesses_[partition_id] = members[next].node_id;
}

void CommandClient::Send(int32_t partition_id, std::string command,
                         std::function<void(Status)> done) {
  if (partition_id < 1 || partition_id > config_.partitions_count) {
    done(Status::InvalidArgument("no partition " + std::to_string(partition_id)));
    return;
  }
  struct Call {
    grpc::ClientContext context;
    api::ExecuteCommandRequest request;
    api::ExecuteCommandResponse response;
  };
  auto call = std::make_shared<Call>();
  call->request.set_partition_id(partition_id);
  call->request.set_command(std::move(command));
  call->request.set_await_result(false);
  call->request.set_timeout_ms(kSendTimeout.count());
  call->context.set_deadline(std::chrono::system_clock::now() + kSendTimeout);
  const int32_t node = Guess(partition_id);
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      done(Status::Aborted("stopping"));
      return;
    }
    in_flight_.insert(&call->context);
  }
  channels_->Stub(node)->async()->ExecuteCommand(
      &call->context, &call->request, &call->response,
      [this, call, node, partition_id, done = std::move(done)](grpc::Status status) {
        Finished(call->context, node, partition_id, status, call->response, done);
      });
}

void CommandClient::Finished(grpc::ClientContext& context, int32_t node, int32_t partition_id,
                             const grpc::Status& status,
                             const api::ExecuteCommandResponse& response,
                             const std::function<void(Status)>& done) {
  Report(node, partition_id, status, response, done);
  std::lock_guard lock(mu_);
  in_flight_.erase(&context);
  if (in_flight_.empty()) idle_.notify_all();
}

void CommandClient::Report(int32_t node, int32_t partition_id, const grpc::Status& status,
                           const api::ExecuteCommandResponse& response,
                           const std::function<void(Status)>& done) {
  if (!status.ok()) {
    Learned(partition_id, node, -1);
    done(Status::Unavailable("broker " + std::to_string(node) + ": " + status.error_message()));
    return;
  }
  switch (response.outcome()) {
    case api::ExecuteCommandResponse::ACCEPTED:
    case api::ExecuteCommandResponse::RECORD: done(Status::OK()); return;
    case api::ExecuteCommandResponse::NOT_LEADER:
      Learned(partition_id, node, response.leader_node_id());
      done(Status::NotLeader(raft::kNoNode));
      return;
    default:
      done(Status::Unavailable("partition " + std::to_string(partition_id) + ": " +
                               api::ExecuteCommandResponse::Outcome_Name(response.outcome()) + " " +
                               response.message()));
  }
}

}  // namespace waggle::partitions
