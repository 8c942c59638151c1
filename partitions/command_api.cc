#include "partitions/command_api.h"

#include <grpcpp/grpcpp.h>

#include <deque>
#include <mutex>
#include <set>

#include "common/protocol/broker_api.grpc.pb.h"
#include "partitions/placement.h"

namespace waggle::partitions {

namespace api = waggle::broker_api;

namespace {

constexpr size_t kMaxQueuedNotices = 1024;   // per watcher; older notices are dropped
constexpr size_t kMaxStreamedRecords = 512;  // per RecordBatch
constexpr const char* kBrokerVersion = "8.4.0";

api::ExecuteCommandResponse::Outcome OutcomeOf(CommandAnswer::Outcome outcome) {
  using O = CommandAnswer::Outcome;
  switch (outcome) {
    case O::kRecord: return api::ExecuteCommandResponse::RECORD;
    case O::kNotLeader: return api::ExecuteCommandResponse::NOT_LEADER;
    case O::kResourceExhausted: return api::ExecuteCommandResponse::RESOURCE_EXHAUSTED;
    case O::kInvalidCommand: return api::ExecuteCommandResponse::INVALID_COMMAND;
    case O::kTimeout: return api::ExecuteCommandResponse::TIMEOUT;
    case O::kAccepted: return api::ExecuteCommandResponse::ACCEPTED;
  }
  return api::ExecuteCommandResponse::TIMEOUT;
}

}  // namespace

class CommandApiServer::Impl final : public api::BrokerApi::CallbackService {
 public:
  Impl(const BrokerConfig& config, Hooks hooks) : config_(config), hooks_(std::move(hooks)) {}

  // One WatchJobsAvailable stream: notices are queued and written one at a time.
  class Watcher final : public grpc::ServerWriteReactor<api::JobsAvailable> {
   public:
    explicit Watcher(Impl* impl) : impl_(impl) {}

    void Push(const api::JobsAvailable& notice) {
      std::lock_guard lock(mu_);
      if (finished_) return;
      if (queue_.size() >= kMaxQueuedNotices) queue_.pop_back();
      queue_.push_back(notice);
      if (!writing_) {
        writing_ = true;
        StartWrite(&queue_.front());
      }
    }

    void End() {
      std::lock_guard lock(mu_);
      FinishLocked(grpc::Status::OK);
    }

    void OnWriteDone(bool ok) override {
      std::lock_guard lock(mu_);
      queue_.pop_front();
      writing_ = false;
      if (!ok) {
        FinishLocked(grpc::Status::CANCELLED);
      } else if (!queue_.empty() && !finished_) {
        writing_ = true;
        StartWrite(&queue_.front());
      } else if (finish_pending_) {
        FinishLocked(grpc::Status::OK);
      }
    }

    void OnCancel() override {
      std::lock_guard lock(mu_);
      FinishLocked(grpc::Status::CANCELLED);
    }

    void OnDone() override {
      impl_->Unregister(this);
      delete this;
    }

   private:
    // Finishes once no write is pending. REQUIRES: mu_ held.
    void FinishLocked(const grpc::Status& status) {
      if (finished_) return;
      if (writing_) {
        finish_pending_ = true;
        return;
      }
      finished_ = true;
      Finish(status);
    }

    Impl* const impl_;
    std::mutex mu_;
    std::deque<api::JobsAvailable> queue_;  // front() is being written when writing_
    bool writing_ = false;
    bool finish_pending_ = false;
    bool finished_ = false;
  };

  grpc::ServerUnaryReactor* ExecuteCommand(grpc::CallbackServerContext* context,
                                           const api::ExecuteCommandRequest* request,
                                           api::ExecuteCommandResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const int32_t id = request->partition_id();
    if (id < 1 || id > config_.partitions_count) {
      response->set_outcome(api::ExecuteCommandResponse::PARTITION_NOT_FOUND);
      response->set_message("no partition " + std::to_string(id) + " in a cluster of " +
                            std::to_string(config_.partitions_count));
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    Partition* partition = hooks_.partition(id);
    if (partition == nullptr) {
      response->set_outcome(api::ExecuteCommandResponse::NOT_LEADER);
      response->set_leader_node_id(-1);
      response->set_message("partition " + std::to_string(id) + " is not hosted by broker " +
                            std::to_string(config_.node_id));
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    partition->Execute(request->command(), request->await_result(),
                       std::chrono::milliseconds(request->timeout_ms()),
                       [reactor, response](CommandAnswer answer) {
                         response->set_outcome(OutcomeOf(answer.outcome));
                         response->set_record(std::move(answer.record));
                         response->set_leader_node_id(
                             answer.leader == raft::kNoNode ? -1 : NodeIdOf(answer.leader));
                         response->set_message(std::move(answer.message));
                         reactor->Finish(grpc::Status::OK);
                       });
    return reactor;
  }

  grpc::ServerUnaryReactor* GetTopology(grpc::CallbackServerContext* context,
                                        const api::GetTopologyRequest*,
                                        api::Topology* topology) override {
    topology->set_cluster_size(config_.cluster_size);
    topology->set_partitions_count(config_.partitions_count);
    topology->set_replication_factor(config_.replication_factor);
    std::vector<api::BrokerInfo*> brokers;
    for (int32_t node = 0; node < config_.cluster_size; ++node) {
      api::BrokerInfo* b = topology->add_brokers();
      b->set_node_id(node);
      b->set_version(kBrokerVersion);
      std::string address = node == config_.node_id
                                ? config_.AdvertisedHost() + ":" + std::to_string(port_)
                                : config_.CommandAddressOf(node);
      const size_t colon = address.rfind(':');
      b->set_host(address.substr(0, colon));
      b->set_port(std::stoi(address.substr(colon + 1)));
      brokers.push_back(b);
    }
    for (Partition* p : hooks_.partitions()) {
      const PartitionStatus s = p->status();
      api::PartitionInfo* mine = brokers[config_.node_id]->add_partitions();
      mine->set_partition_id(p->id());
      mine->set_role(s.role == raft::Role::kLeader ? api::PartitionInfo::LEADER
                                                   : api::PartitionInfo::FOLLOWER);
      mine->set_health(s.healthy ? api::PartitionInfo::HEALTHY : api::PartitionInfo::UNHEALTHY);
      mine->set_term(static_cast<int64_t>(s.term));
      // The leader this member knows, when it is another broker.
      const int32_t leader = s.leader == raft::kNoNode ? -1 : NodeIdOf(s.leader);
      if (leader >= 0 && leader != config_.node_id && leader < config_.cluster_size) {
        api::PartitionInfo* theirs = brokers[leader]->add_partitions();
        theirs->set_partition_id(p->id());
        theirs->set_role(api::PartitionInfo::LEADER);
        theirs->set_health(api::PartitionInfo::HEALTHY);
        theirs->set_term(static_cast<int64_t>(s.term));
      }
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  // One StreamRecords call: reads a batch, writes it, and reads the next when
  // the write is done (so a slow reader holds back only itself); with nothing
  // newer committed it waits for NotifyCommitted.
  class RecordStreamer final : public grpc::ServerWriteReactor<api::RecordBatch> {
   public:
    RecordStreamer(Impl* impl, const Partition& partition, int64_t from_position)
        : impl_(impl),
          partition_id_(partition.id()),
          reader_(partition.NewLogReader()),
          after_(from_position > 0 ? from_position - 1 : -1) {}

    int32_t partition_id() const { return partition_id_; }

    void Start() {
      std::lock_guard lock(mu_);
      ReadAndWriteLocked();
    }

    void Notify() {
      std::lock_guard lock(mu_);
      if (idle_) ReadAndWriteLocked();
    }

    void End(const grpc::Status& status) {
      std::lock_guard lock(mu_);
      FinishLocked(status);
    }

    void OnWriteDone(bool ok) override {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) {
        FinishLocked(grpc::Status::CANCELLED);
      } else if (finish_pending_) {
        FinishLocked(pending_status_);
      } else {
        ReadAndWriteLocked();
      }
    }

    void OnCancel() override { End(grpc::Status::CANCELLED); }

    void OnDone() override {
      impl_->Unregister(this);
      delete this;
    }

   private:
    // REQUIRES: mu_ held, no write pending.
    void ReadAndWriteLocked() {
      idle_ = false;
      if (finished_) return;
      std::vector<exporters::CommittedRecord> records;
      Status s = reader_->ReadAfter(after_, kMaxStreamedRecords, &records);
      if (!s.ok()) {
        FinishLocked(grpc::Status(s.code() == Status::Code::kCompacted
                                      ? grpc::StatusCode::OUT_OF_RANGE
                                      : grpc::StatusCode::UNAVAILABLE,
                                  s.message()));
        return;
      }
      if (records.empty()) {
        idle_ = true;
        return;
      }
      batch_.Clear();
      for (exporters::CommittedRecord& r : records) {
        api::StreamedRecord* out = batch_.add_records();
        out->set_position(r.position);
        out->set_record(std::move(r.bytes));
      }
      after_ = records.back().position;
      writing_ = true;
      StartWrite(&batch_);
    }

    // Finishes once no write is pending. REQUIRES: mu_ held.
    void FinishLocked(const grpc::Status& status) {
      if (finished_) return;
      if (writing_) {
        finish_pending_ = true;
        pending_status_ = status;
        return;
      }
      finished_ = true;
      Finish(status);
    }

    Impl* const impl_;
    const int32_t partition_id_;
    std::mutex mu_;
    std::unique_ptr<CommittedLogReader> reader_;
    int64_t after_;  // the last position written
    api::RecordBatch batch_;
    bool idle_ = false;  // waiting for records to commit
    bool writing_ = false;
    bool finish_pending_ = false;
    grpc::Status pending_status_;
    bool finished_ = false;
  };

  grpc::ServerWriteReactor<api::RecordBatch>* StreamRecords(
      grpc::CallbackServerContext*, const api::StreamRecordsRequest* request) override {
    Partition* partition = hooks_.partition(request->partition_id());
    if (partition == nullptr) {
      auto* refused = new Refusal();
      refused->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                   "partition " + std::to_string(request->partition_id()) +
                                       " is not hosted by this broker"));
      return refused;
    }
    auto* streamer = new RecordStreamer(this, *partition, request->from_position());
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        streamer->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "broker stopping"));
        return streamer;
      }
      streamers_.insert(streamer);
    }
    streamer->Start();
    return streamer;
  }

  // A StreamRecords call refused at once.
  class Refusal final : public grpc::ServerWriteReactor<api::RecordBatch> {
    void OnDone() override { delete this; }
  };

  void Unregister(RecordStreamer* streamer) {
    std::lock_guard lock(mu_);
    streamers_.erase(streamer);
  }

  void NotifyCommitted(int32_t partition_id) {
    std::lock_guard lock(mu_);
    for (RecordStreamer* s : streamers_) {
      if (s->partition_id() == partition_id) s->Notify();
    }
  }

  grpc::ServerWriteReactor<api::JobsAvailable>* WatchJobsAvailable(
      grpc::CallbackServerContext*, const api::WatchJobsAvailableRequest*) override {
    auto* watcher = new Watcher(this);
    std::lock_guard lock(mu_);
    if (stopping_) {
      watcher->End();
    } else {
      watchers_.insert(watcher);
    }
    return watcher;
  }

  void Unregister(Watcher* watcher) {
    std::lock_guard lock(mu_);
    watchers_.erase(watcher);
  }

  void Notify(int32_t partition_id, const std::vector<std::string>& job_types) {
    api::JobsAvailable notice;
    notice.set_partition_id(partition_id);
    for (const std::string& t : job_types) notice.add_job_types(t);
    std::lock_guard lock(mu_);
    for (Watcher* w : watchers_) w->Push(notice);
  }

  Status Start() {
    grpc::ServerBuilder builder;
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.AddListeningPort(config_.host + ":" + std::to_string(config_.command_api_port),
                             grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      return Status::IOError("cannot listen on " + config_.host + ":" +
                             std::to_string(config_.command_api_port) +
                             " (network.commandApi.port)");
    }
    return Status::OK();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      for (Watcher* w : watchers_) w->End();
      for (RecordStreamer* s : streamers_)
        s->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "broker stopping"));
    }
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  int port() const { return port_; }

 private:
  const BrokerConfig config_;
  const Hooks hooks_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  std::set<Watcher*> watchers_;
  std::set<RecordStreamer*> streamers_;
  bool stopping_ = false;
};

CommandApiServer::CommandApiServer(const BrokerConfig& config, Hooks hooks)
    : impl_(std::make_unique<Impl>(config, std::move(hooks))) {}

CommandApiServer::~CommandApiServer() {
  Stop();
}

Status CommandApiServer::Start() {
  return impl_->Start();
}
void CommandApiServer::Stop() {
  impl_->Stop();
}
int CommandApiServer::port() const {
  return impl_->port();
}

void CommandApiServer::NotifyCommitted(int32_t partition_id) {
  impl_->NotifyCommitted(partition_id);
}

void CommandApiServer::NotifyJobsAvailable(int32_t partition_id,
                                           const std::vector<std::string>& job_types) {
  impl_->Notify(partition_id, job_types);
}

}  // namespace waggle::partitions
