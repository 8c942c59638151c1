#include "gateway/broker_client.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "common/protocol/broker_api.grpc.pb.h"
#include "gateway/timer_queue.h"

namespace waggle::gateway {

namespace {

namespace api = waggle::broker_api;
using std::chrono::milliseconds;

// How long a broken JobsAvailable stream waits before it is reopened.
constexpr milliseconds kWatchReconnectDelay{500};

std::chrono::system_clock::time_point DeadlineAfter(milliseconds timeout) {
  return std::chrono::system_clock::now() + timeout;
}

CommandReply::Outcome OutcomeOf(api::ExecuteCommandResponse::Outcome outcome) {
  using R = api::ExecuteCommandResponse;
  switch (outcome) {
    case R::RECORD: return CommandReply::Outcome::kRecord;
    case R::NOT_LEADER: return CommandReply::Outcome::kNotLeader;
    case R::PARTITION_NOT_FOUND: return CommandReply::Outcome::kPartitionNotFound;
    case R::RESOURCE_EXHAUSTED: return CommandReply::Outcome::kResourceExhausted;
    case R::TIMEOUT: return CommandReply::Outcome::kTimeout;
    case R::ACCEPTED: return CommandReply::Outcome::kAccepted;
    default: return CommandReply::Outcome::kInvalidCommand;
  }
}

ClusterState ClusterStateOf(const api::Topology& topology) {
  ClusterState state;
  state.cluster_size = topology.cluster_size();
  state.partitions_count = topology.partitions_count();
  state.replication_factor = topology.replication_factor();
  for (const api::BrokerInfo& b : topology.brokers()) {
    BrokerState broker;
    broker.node_id = b.node_id();
    broker.host = b.host();
    broker.port = b.port();
    broker.version = b.version();
    for (const api::PartitionInfo& p : b.partitions()) {
      broker.partitions.push_back(
          PartitionState{p.partition_id(), static_cast<PartitionRole>(p.role()),
                         static_cast<PartitionHealth>(p.health()), p.term()});
    }
    state.brokers.push_back(std::move(broker));
  }
  return state;
}

}  // namespace

class BrokerClient::Impl {
 public:
  explicit Impl(TimerQueue* timers) : timers_(timers) {}

  void ExecuteCommand(const std::string& address, int32_t partition_id, std::string command,
                      milliseconds timeout, CommandCallback done) {
    struct Call {
      grpc::ClientContext context;
      api::ExecuteCommandRequest request;
      api::ExecuteCommandResponse response;
    };
    auto call = std::make_shared<Call>();
    call->request.set_partition_id(partition_id);
    call->request.set_command(std::move(command));
    call->request.set_timeout_ms(timeout.count());
    call->request.set_await_result(true);
    call->context.set_deadline(DeadlineAfter(timeout));
    api::BrokerApi::Stub* stub = Begin(address, &call->context);
    if (stub == nullptr) {
      done(Status::Aborted("gateway is shutting down"), {});
      return;
    }
    stub->async()->ExecuteCommand(
        &call->context, &call->request, &call->response,
        [this, call, done = std::move(done)](grpc::Status status) {
          if (status.ok()) {
            CommandReply reply;
            reply.outcome = OutcomeOf(call->response.outcome());
            reply.record = std::move(*call->response.mutable_record());
            reply.leader_node_id = call->response.leader_node_id();
            reply.message = call->response.message();
            done(Status::OK(), std::move(reply));
          } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
            CommandReply reply;
            reply.outcome = CommandReply::Outcome::kTimeout;
            reply.message = status.error_message();
            done(Status::OK(), std::move(reply));
          } else {
            done(TransportError(status), {});
          }
          End(&call->context);
        });
  }

  void GetTopology(const std::string& address, milliseconds timeout, TopologyCallback done) {
    struct Call {
      grpc::ClientContext context;
      api::GetTopologyRequest request;
      api::Topology response;
    };
    auto call = std::make_shared<Call>();
    call->context.set_deadline(DeadlineAfter(timeout));
    api::BrokerApi::Stub* stub = Begin(address, &call->context);
    if (stub == nullptr) {
      done(Status::Aborted("gateway is shutting down"));
      return;
    }
    stub->async()->GetTopology(&call->context, &call->request, &call->response,
                               [this, call, done = std::move(done)](grpc::Status status) {
                                 if (status.ok()) {
                                   done(ClusterStateOf(call->response));
                                 } else {
                                   done(TransportError(status));
                                 }
                                 End(&call->context);
                               });
  }

  void WatchJobsAvailable(const std::string& address, JobsAvailableHandler handler) {
    {
      std::lock_guard lock(mu_);
      if (shutting_down_ || !watched_.insert(address).second) return;
    }
    OpenWatch(address, std::move(handler));
  }

  void Shutdown() {
    std::unique_lock lock(mu_);
    shutting_down_ = true;
    for (grpc::ClientContext* context : contexts_) context->TryCancel();
    for (const auto& [address, id] : reconnects_) {
      if (timers_->Cancel(id)) --pending_;
    }
    reconnects_.clear();
    idle_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  // A WatchJobsAvailable stream to one broker; reopens itself after errors.
  class Watch final : public grpc::ClientReadReactor<api::JobsAvailable> {
   public:
    Watch(Impl* impl, std::string address, JobsAvailableHandler handler)
        : impl_(impl), address_(std::move(address)), handler_(std::move(handler)) {}

    void Start(api::BrokerApi::Stub* stub) {
      stub->async()->WatchJobsAvailable(&context_, &request_, this);
      StartRead(&notice_);
      StartCall();
    }

    void OnReadDone(bool ok) override {
      if (!ok) return;  // OnDone follows
      handler_(notice_.partition_id(),
               std::vector<std::string>(notice_.job_types().begin(), notice_.job_types().end()));
      StartRead(&notice_);
    }

    void OnDone(const grpc::Status&) override {
      impl_->ReopenLater(address_, std::move(handler_));
      impl_->End(&context_);
      delete this;
    }

    grpc::ClientContext* context() { return &context_; }

   private:
    Impl* const impl_;
    const std::string address_;
    JobsAvailableHandler handler_;
    grpc::ClientContext context_;
    api::WatchJobsAvailableRequest request_;
    api::JobsAvailable notice_;
  };

  void OpenWatch(const std::string& address, JobsAvailableHandler handler) {
    auto* watch = new Watch(this, address, std::move(handler));
    api::BrokerApi::Stub* stub = Begin(address, watch->context());
    if (stub == nullptr) {
      delete watch;
      return;
    }
    watch->Start(stub);
  }

  void ReopenLater(const std::string& address, JobsAvailableHandler handler) {
    {
      std::lock_guard lock(mu_);
      if (shutting_down_) return;
      ++pending_;
    }
    // Not under mu_: a stopped TimerQueue runs the task inline.
    const TimerQueue::TimerId id =
        timers_->ScheduleAfter(kWatchReconnectDelay, [this, address, handler]() {
          {
            std::lock_guard lock(mu_);
            reconnects_.erase(address);
          }
          OpenWatch(address, handler);
          Release();
        });
    {
      std::lock_guard lock(mu_);
      // If the task already ran, the id is stale and Cancel will miss it.
      if (!shutting_down_) {
        reconnects_[address] = id;
        return;
      }
    }
    if (timers_->Cancel(id)) Release();
  }

  // Registers a call about to start; nullptr when shutting down.
  api::BrokerApi::Stub* Begin(const std::string& address, grpc::ClientContext* context) {
    std::lock_guard lock(mu_);
    if (shutting_down_) return nullptr;
    contexts_.insert(context);
    ++pending_;
    auto& stub = stubs_[address];
    if (!stub) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(-1);
      stub = api::BrokerApi::NewStub(
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    }
    return stub.get();
  }

  // A call's callback has run.
  void End(grpc::ClientContext* context) {
    {
      std::lock_guard lock(mu_);
      contexts_.erase(context);
    }
    Release();
  }

  void Release() {
    std::lock_guard lock(mu_);
    if (--pending_ == 0) idle_.notify_all();
  }

  Status TransportError(const grpc::Status& status) {
    std::lock_guard lock(mu_);
    if (shutting_down_) return Status::Aborted("gateway is shutting down");
    return Status::Unavailable("broker unreachable: " + status.error_message());
  }

  TimerQueue* const timers_;
  std::mutex mu_;
  std::condition_variable idle_;
  bool shutting_down_ = false;
  // Calls and reconnect timers whose callbacks have not finished.
  int pending_ = 0;
  std::set<grpc::ClientContext*> contexts_;
  // Pending reopen of a watch, by address.
  std::map<std::string, TimerQueue::TimerId> reconnects_;
  std::set<std::string> watched_;
  std::map<std::string, std::unique_ptr<api::BrokerApi::Stub>> stubs_;
};

BrokerClient::BrokerClient(TimerQueue* timers) : impl_(std::make_unique<Impl>(timers)) {}

BrokerClient::~BrokerClient() {
  Shutdown();
}

void BrokerClient::ExecuteCommand(const std::string& address, int32_t partition_id,
                                  std::string command, std::chrono::milliseconds timeout,
                                  CommandCallback done) {
  impl_->ExecuteCommand(address, partition_id, std::move(command), timeout, std::move(done));
}

void BrokerClient::GetTopology(const std::string& address, std::chrono::milliseconds timeout,
                               TopologyCallback done) {
  impl_->GetTopology(address, timeout, std::move(done));
}

void BrokerClient::WatchJobsAvailable(const std::string& address, JobsAvailableHandler handler) {
  impl_->WatchJobsAvailable(address, std::move(handler));
}

void BrokerClient::Shutdown() {
  impl_->Shutdown();
}

}  // namespace waggle::gateway
