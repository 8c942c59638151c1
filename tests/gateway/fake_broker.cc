#include "tests/gateway/fake_broker.h"

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/key.h"
#include "common/record/record_type.h"

namespace waggle::gateway::test {

class FakeBroker::Service final : public api::BrokerApi::CallbackService {
 public:
  grpc::ServerUnaryReactor* ExecuteCommand(grpc::CallbackServerContext* context,
                                           const api::ExecuteCommandRequest* request,
                                           api::ExecuteCommandResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    Result<record::fb::RecordT> command = record::DecodeRecord(request->command());
    if (!command.ok()) {
      response->set_outcome(api::ExecuteCommandResponse::INVALID_COMMAND);
      response->set_message(command.status().ToString());
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    ReceivedCommand received{request->partition_id(), std::move(command).value()};
    Handler handler;
    {
      std::lock_guard lock(mu_);
      received_.push_back(received);
      handler = handler_;
    }
    std::optional<api::ExecuteCommandResponse> answer = handler ? handler(received) : std::nullopt;
    if (!answer) {
      std::lock_guard lock(mu_);
      held_.push_back(reactor);
      return reactor;
    }
    *response = *answer;
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* GetTopology(grpc::CallbackServerContext* context,
                                        const api::GetTopologyRequest*,
                                        api::Topology* response) override {
    {
      std::lock_guard lock(mu_);
      *response = topology_;
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<api::JobsAvailable>* WatchJobsAvailable(
      grpc::CallbackServerContext*, const api::WatchJobsAvailableRequest*) override {
    auto* watch = new Watch(this);
    std::lock_guard lock(mu_);
    watches_.insert(watch);
    return watch;
  }

  // A stream of notices; writes are queued one at a time.
  class Watch final : public grpc::ServerWriteReactor<api::JobsAvailable> {
   public:
    explicit Watch(Service* service) : service_(service) {}
    void Send(const api::JobsAvailable& notice) {
      std::lock_guard lock(mu_);
      queue_.push_back(notice);
      if (!writing_ && !done_) WriteNext();
    }
    void End() {
      std::lock_guard lock(mu_);
      if (done_) return;
      done_ = true;
      if (!writing_) Finish(grpc::Status::OK);
    }
    void OnWriteDone(bool ok) override {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) done_ = true;
      if (done_) {
        Finish(grpc::Status::OK);
        return;
      }
      if (!queue_.empty()) WriteNext();
    }
    void OnCancel() override { End(); }
    void OnDone() override {
      service_->Forget(this);
      delete this;
    }

   private:
    void WriteNext() {  // REQUIRES: mu_ held, queue not empty
      current_ = queue_.front();
      queue_.erase(queue_.begin());
      writing_ = true;
      StartWrite(&current_);
    }
    Service* const service_;
    std::mutex mu_;
    std::vector<api::JobsAvailable> queue_;
    api::JobsAvailable current_;
    bool writing_ = false;
    bool done_ = false;
  };

  void Forget(Watch* watch) {
    std::lock_guard lock(mu_);
    watches_.erase(watch);
  }

  // Ends the watch streams and the held calls, so that the server can stop.
  void EndAll() {
    std::lock_guard lock(mu_);
    for (Watch* watch : watches_) watch->End();
    for (grpc::ServerUnaryReactor* reactor : held_) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "fake broker stopping"));
    }
    held_.clear();
  }

  mutable std::mutex mu_;
  Handler handler_;
  api::Topology topology_;
  std::vector<ReceivedCommand> received_;
  std::vector<grpc::ServerUnaryReactor*> held_;
  std::set<Watch*> watches_;
};

FakeBroker::FakeBroker(int32_t node_id) : node_id_(node_id), service_(new Service) {}

FakeBroker::~FakeBroker() {
  Stop();
}

void FakeBroker::Start() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
}

void FakeBroker::Stop() {
  if (!server_) return;
  service_->EndAll();
  server_->Shutdown();
  server_.reset();
}

void FakeBroker::SetHandler(Handler handler) {
  std::lock_guard lock(service_->mu_);
  service_->handler_ = std::move(handler);
}

void FakeBroker::SetTopology(const api::Topology& topology) {
  std::lock_guard lock(service_->mu_);
  service_->topology_ = topology;
}

std::vector<ReceivedCommand> FakeBroker::received() const {
  std::lock_guard lock(service_->mu_);
  return service_->received_;
}

void FakeBroker::NotifyJobsAvailable(int32_t partition_id, const std::vector<std::string>& types) {
  api::JobsAvailable notice;
  notice.set_partition_id(partition_id);
  for (const std::string& type : types) notice.add_job_types(type);
  std::lock_guard lock(service_->mu_);
  for (Service::Watch* watch : service_->watches_) watch->Send(notice);
}

size_t FakeBroker::watchers() const {
  std::lock_guard lock(service_->mu_);
  return service_->watches_.size();
}

api::ExecuteCommandResponse RecordReply(const record::fb::RecordT& answer) {
  api::ExecuteCommandResponse response;
  response.set_outcome(api::ExecuteCommandResponse::RECORD);
  response.set_record(record::EncodeRecord(answer));
  return response;
}

record::fb::RecordT EventFor(const record::fb::RecordT& command, uint8_t intent) {
  record::fb::RecordT event;
  event.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
  event.value_type = command.value_type;
  event.intent = intent;
  event.key = command.key;
  event.typed_value = command.typed_value;
  return event;
}

record::fb::RecordT RejectionOf(const record::fb::RecordT& command, uint8_t rejection_type,
                                const std::string& reason) {
  record::fb::RecordT rejection = EventFor(command, command.intent);
  rejection.record_type = static_cast<uint8_t>(record::RecordType::kCommandRejection);
  rejection.rejection_type = rejection_type;
  rejection.rejection_reason = reason;
  return rejection;
}

api::Topology MakeTopology(const std::vector<std::pair<int32_t, int>>& brokers,
                           const std::vector<int32_t>& leaders, int64_t term) {
  api::Topology topology;
  topology.set_cluster_size(static_cast<int32_t>(brokers.size()));
  topology.set_partitions_count(static_cast<int32_t>(leaders.size()));
  topology.set_replication_factor(static_cast<int32_t>(brokers.size()));
  for (const auto& [node_id, port] : brokers) {
    api::BrokerInfo* broker = topology.add_brokers();
    broker->set_node_id(node_id);
    broker->set_host("127.0.0.1");
    broker->set_port(port);
    broker->set_version("0.1.0");
    for (size_t i = 0; i < leaders.size(); ++i) {
      api::PartitionInfo* partition = broker->add_partitions();
      partition->set_partition_id(static_cast<int32_t>(i) + 1);
      partition->set_role(leaders[i] == node_id ? api::PartitionInfo::LEADER
                                                : api::PartitionInfo::FOLLOWER);
      partition->set_health(api::PartitionInfo::HEALTHY);
      partition->set_term(term);
    }
  }
  return topology;
}

}  // namespace waggle::gateway::test

namespace waggle::gateway::test {

std::optional<api::ExecuteCommandResponse> EngineLikeAnswer(const ReceivedCommand& received) {
  namespace fb = record::fb;
  using record::IntentCode;
  using record::ValueType;
  const fb::RecordT& command = received.command;
  const int32_t p = received.partition_id;
  switch (static_cast<ValueType>(command.value_type)) {
    case ValueType::kDeployment: {
      fb::RecordT event = EventFor(command, IntentCode(record::DeploymentIntent::kCreated));
      event.key = record::EncodeKey(1, 100);
      fb::DeploymentRecordT* deployment = event.typed_value.AsDeploymentRecord();
      int64_t counter = 101;
      for (const auto& resource : deployment->resources) {
        auto metadata = std::make_unique<fb::ProcessMetadataT>();
        metadata->bpmn_process_id = "order-process";
        metadata->version = 1;
        metadata->process_definition_key = record::EncodeKey(1, counter++);
        metadata->resource_name = resource->resource_name;
        deployment->processes_metadata.push_back(std::move(metadata));
      }
      return RecordReply(event);
    }
    case ValueType::kProcessInstanceCreation: {
      const fb::ProcessInstanceCreationRecordT* creation =
          command.typed_value.AsProcessInstanceCreationRecord();
      if (command.intent ==
          IntentCode(record::ProcessInstanceCreationIntent::kCreateWithAwaitingResult)) {
        fb::ProcessInstanceResultRecordT result;
        result.bpmn_process_id = creation->bpmn_process_id;
        result.process_definition_key = record::EncodeKey(1, 101);
        result.version = 1;
        result.process_instance_key = record::EncodeKey(p, 200);
        result.variables = R"({"done":true})";
        fb::RecordT event;
        event.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
        event.value_type = static_cast<uint8_t>(ValueType::kProcessInstanceResult);
        event.intent = IntentCode(record::ProcessInstanceResultIntent::kCompleted);
        event.key = result.process_instance_key;
        event.typed_value.Set(std::move(result));
        return RecordReply(event);
      }
      fb::RecordT event =
          EventFor(command, IntentCode(record::ProcessInstanceCreationIntent::kCreated));
      fb::ProcessInstanceCreationRecordT* created =
          event.typed_value.AsProcessInstanceCreationRecord();
      created->process_instance_key = record::EncodeKey(p, 200);
      created->process_definition_key = record::EncodeKey(1, 101);
      created->version = 1;
      event.key = created->process_instance_key;
      return RecordReply(event);
    }
    case ValueType::kMessage: {
      fb::RecordT event = EventFor(command, IntentCode(record::MessageIntent::kPublished));
      event.key = record::EncodeKey(p, 300);
      return RecordReply(event);
    }
    case ValueType::kVariableDocument: {
      fb::RecordT event = EventFor(command, IntentCode(record::VariableDocumentIntent::kUpdated));
      event.key = record::EncodeKey(p, 400);
      return RecordReply(event);
    }
    case ValueType::kJobBatch:
      return RecordReply(EventFor(command, IntentCode(record::JobBatchIntent::kActivated)));
    case ValueType::kProcessInstance:
      return RecordReply(
          EventFor(command, IntentCode(record::ProcessInstanceIntent::kElementTerminating)));
    case ValueType::kIncident:
      return RecordReply(EventFor(command, IntentCode(record::IncidentIntent::kResolved)));
    case ValueType::kJob: {
      using record::JobIntent;
      const auto intent = static_cast<JobIntent>(command.intent);
      const JobIntent done = intent == JobIntent::kComplete     ? JobIntent::kCompleted
                             : intent == JobIntent::kFail       ? JobIntent::kFailed
                             : intent == JobIntent::kThrowError ? JobIntent::kErrorThrown
                                                                : JobIntent::kRetriesUpdated;
      return RecordReply(EventFor(command, IntentCode(done)));
    }
    default: {
      api::ExecuteCommandResponse response;
      response.set_outcome(api::ExecuteCommandResponse::INVALID_COMMAND);
      response.set_message("the fake broker does not know this command");
      return response;
    }
  }
}

}  // namespace waggle::gateway::test
