// The gateway in-process against fake brokers (FakeBroker), driven by the
// C++ stub generated from gateway.proto as a Zeebe client would: the command
// each RPC sends and where, the response mapping, error mapping, retries on
// leader changes and backpressure, long polling, and timeouts.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "common/record/intent.h"
#include "common/record/key.h"
#include "common/record/rejection_type.h"
#include "gateway/proto/gateway.grpc.pb.h"
#include "gateway/routing.h"
#include "gateway/server.h"
#include "tests/gateway/fake_broker.h"
#include "tests/monitoring/http_get.h"

namespace waggle::gateway::test {
namespace {

namespace gw = ::gateway_protocol;
namespace fb = record::fb;
using record::EncodeKey;
using record::IntentCode;
using record::ValueType;
using std::chrono::milliseconds;

constexpr int32_t kPartitions = 3;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_.Start();
    broker_.SetHandler(EngineLikeAnswer);
    broker_.SetTopology(MakeTopology({{0, broker_.port()}}, {0, 0, 0}, 1));
  }

  void TearDown() override {
    if (gateway_) gateway_->Stop();
    broker_.Stop();
  }

  void StartGateway(std::vector<std::string> contact_points, milliseconds request_timeout,
                    milliseconds long_poll = milliseconds(10000)) {
    GatewayOptions options;
    options.listen_address = "127.0.0.1:0";
    options.monitoring_address = "127.0.0.1:0";
    options.contact_points = std::move(contact_points);
    options.request_timeout = request_timeout;
    options.long_polling_timeout = long_poll;
    options.topology_interval = milliseconds(50);
    gateway_ = std::make_unique<GatewayServer>(options);
    ASSERT_TRUE(gateway_->Start().ok());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(gateway_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = gw::Gateway::NewStub(channel_);
    // Until every partition has a leader.
    for (int i = 0; i < 200; ++i) {
      gw::TopologyResponse topology;
      grpc::ClientContext context;
      ASSERT_TRUE(stub_->Topology(&context, {}, &topology).ok());
      int leaders = 0;
      for (const auto& broker : topology.brokers()) {
        for (const auto& p : broker.partitions()) leaders += p.role() == gw::Partition::LEADER;
      }
      if (topology.partitionscount() == kPartitions && leaders == kPartitions) return;
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << "the gateway never learned the topology";
  }

  void StartGateway() { StartGateway({broker_.address()}, milliseconds(5000)); }

  std::unique_ptr<grpc::ClientContext> Context(milliseconds timeout = milliseconds(10000)) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return context;
  }

  // The only command the broker received.
  ReceivedCommand Only(const FakeBroker& broker) {
    std::vector<ReceivedCommand> received = broker.received();
    EXPECT_EQ(received.size(), 1u);
    return received.empty() ? ReceivedCommand{0, {}} : received.back();
  }

  FakeBroker broker_{0};
  std::unique_ptr<GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gw::Gateway::Stub> stub_;
};

TEST_F(GatewayTest, TopologyMergesTheBrokersView) {
  StartGateway();
  gw::TopologyResponse topology;
  ASSERT_TRUE(stub_->Topology(Context().get(), {}, &topology).ok());
  EXPECT_EQ(topology.clustersize(), 1);
  EXPECT_EQ(topology.partitionscount(), kPartitions);
  EXPECT_EQ(topology.replicationfactor(), 1);
  EXPECT_EQ(topology.gatewayversion(), "8.4.0+waggle.0.1.0");
  ASSERT_EQ(topology.brokers_size(), 1);
  const gw::BrokerInfo& broker = topology.brokers(0);
  EXPECT_EQ(broker.nodeid(), 0);
  EXPECT_EQ(broker.host(), "127.0.0.1");
  EXPECT_EQ(broker.port(), broker_.port());
  EXPECT_EQ(broker.version(), "0.1.0");
  ASSERT_EQ(broker.partitions_size(), kPartitions);
  for (int i = 0; i < kPartitions; ++i) {
    EXPECT_EQ(broker.partitions(i).partitionid(), i + 1);
    EXPECT_EQ(broker.partitions(i).role(), gw::Partition::LEADER);
    EXPECT_EQ(broker.partitions(i).health(), gw::Partition::HEALTHY);
  }
}

TEST_F(GatewayTest, DeployResourceGoesToPartitionOneAndListsTheProcesses) {
  StartGateway();
  gw::DeployResourceRequest request;
  gw::Resource* resource = request.add_resources();
  resource->set_name("order.bpmn");
  resource->set_content("<definitions/>");
  gw::DeployResourceResponse response;
  grpc::Status status = stub_->DeployResource(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ReceivedCommand sent = Only(broker_);
  EXPECT_EQ(sent.partition_id, 1);
  EXPECT_EQ(sent.command.value_type, static_cast<uint8_t>(ValueType::kDeployment));
  EXPECT_EQ(sent.command.intent, IntentCode(record::DeploymentIntent::kCreate));
  const fb::DeploymentRecordT* deployment = sent.command.typed_value.AsDeploymentRecord();
  ASSERT_NE(deployment, nullptr);
  ASSERT_EQ(deployment->resources.size(), 1u);
  EXPECT_EQ(deployment->resources[0]->resource_name, "order.bpmn");
  EXPECT_EQ(std::string(deployment->resources[0]->resource.begin(),
                        deployment->resources[0]->resource.end()),
            "<definitions/>");

  EXPECT_EQ(response.key(), EncodeKey(1, 100));
  ASSERT_EQ(response.deployments_size(), 1);
  const gw::ProcessMetadata& process = response.deployments(0).process();
  EXPECT_EQ(process.bpmnprocessid(), "order-process");
  EXPECT_EQ(process.version(), 1);
  EXPECT_EQ(process.processdefinitionkey(), EncodeKey(1, 101));
  EXPECT_EQ(process.resourcename(), "order.bpmn");
  EXPECT_EQ(process.tenantid(), "<default>");
}

TEST_F(GatewayTest, DeployProcessIsTheSameDeployment) {
  StartGateway();
  gw::DeployProcessRequest request;
  request.add_processes()->set_name("a.bpmn");
  request.mutable_processes(0)->set_definition("<x/>");
  gw::DeployProcessResponse response;
  ASSERT_TRUE(stub_->DeployProcess(Context().get(), request, &response).ok());
  EXPECT_EQ(Only(broker_).command.typed_value.AsDeploymentRecord()->resources[0]->resource_name,
            "a.bpmn");
  EXPECT_EQ(response.key(), EncodeKey(1, 100));
  ASSERT_EQ(response.processes_size(), 1);
  EXPECT_EQ(response.processes(0).resourcename(), "a.bpmn");
}

TEST_F(GatewayTest, CreateProcessInstanceRoundRobinsOverPartitions) {
  StartGateway();
  std::set<int32_t> partitions;
  for (int i = 0; i < kPartitions; ++i) {
    gw::CreateProcessInstanceRequest request;
    request.set_bpmnprocessid("order-process");
    request.set_version(-1);
    request.set_variables(R"({"amount":12})");
    gw::CreateProcessInstanceResponse response;
    ASSERT_TRUE(stub_->CreateProcessInstance(Context().get(), request, &response).ok());
    const int32_t partition = record::PartitionOf(response.processinstancekey());
    partitions.insert(partition);
    EXPECT_EQ(response.processinstancekey(), EncodeKey(partition, 200));
    EXPECT_EQ(response.bpmnprocessid(), "order-process");
    EXPECT_EQ(response.version(), 1);
    EXPECT_EQ(response.processdefinitionkey(), EncodeKey(1, 101));
  }
  EXPECT_EQ(partitions, (std::set<int32_t>{1, 2, 3}));
  for (const ReceivedCommand& sent : broker_.received()) {
    EXPECT_EQ(sent.command.value_type, static_cast<uint8_t>(ValueType::kProcessInstanceCreation));
    EXPECT_EQ(sent.command.intent, IntentCode(record::ProcessInstanceCreationIntent::kCreate));
    const auto* creation = sent.command.typed_value.AsProcessInstanceCreationRecord();
    EXPECT_EQ(creation->bpmn_process_id, "order-process");
    EXPECT_EQ(creation->version, -1);
    EXPECT_EQ(creation->process_definition_key, -1);
    EXPECT_EQ(creation->variables, R"({"amount":12})");
  }
}

TEST_F(GatewayTest, CreateProcessInstanceWithResultAwaitsTheResult) {
  StartGateway();
  gw::CreateProcessInstanceWithResultRequest request;
  request.mutable_request()->set_processdefinitionkey(EncodeKey(1, 101));
  request.mutable_request()->add_startinstructions()->set_elementid("task");
  request.set_requesttimeout(2000);
  request.add_fetchvariables("done");
  gw::CreateProcessInstanceWithResultResponse response;
  ASSERT_TRUE(stub_->CreateProcessInstanceWithResult(Context().get(), request, &response).ok());
  ReceivedCommand sent = Only(broker_);
  EXPECT_EQ(sent.command.intent,
            IntentCode(record::ProcessInstanceCreationIntent::kCreateWithAwaitingResult));
  const auto* creation = sent.command.typed_value.AsProcessInstanceCreationRecord();
  EXPECT_EQ(creation->process_definition_key, EncodeKey(1, 101));
  EXPECT_EQ(creation->fetch_variables, std::vector<std::string>{"done"});
  ASSERT_EQ(creation->start_instructions.size(), 1u);
  EXPECT_EQ(creation->start_instructions[0]->element_id, "task");
  EXPECT_EQ(response.variables(), R"({"done":true})");
  EXPECT_EQ(response.processinstancekey(), EncodeKey(sent.partition_id, 200));
}

TEST_F(GatewayTest, KeyedCommandsGoToTheKeysPartition) {
  StartGateway();
  const int64_t job = EncodeKey(2, 7);
  {
    gw::CompleteJobRequest request;
    request.set_jobkey(job);
    request.set_variables(R"({"ok":1})");
    gw::CompleteJobResponse response;
    ASSERT_TRUE(stub_->CompleteJob(Context().get(), request, &response).ok());
  }
  {
    gw::FailJobRequest request;
    request.set_jobkey(job);
    request.set_retries(2);
    request.set_errormessage("boom");
    request.set_retrybackoff(500);
    gw::FailJobResponse response;
    ASSERT_TRUE(stub_->FailJob(Context().get(), request, &response).ok());
  }
  {
    gw::ThrowErrorRequest request;
    request.set_jobkey(job);
    request.set_errorcode("E1");
    request.set_errormessage("bad");
    gw::ThrowErrorResponse response;
    ASSERT_TRUE(stub_->ThrowError(Context().get(), request, &response).ok());
  }
  {
    gw::UpdateJobRetriesRequest request;
    request.set_jobkey(job);
    request.set_retries(5);
    gw::UpdateJobRetriesResponse response;
    ASSERT_TRUE(stub_->UpdateJobRetries(Context().get(), request, &response).ok());
  }
  {
    gw::UpdateJobTimeoutRequest request;
    request.set_jobkey(job);
    request.set_timeout(60000);
    gw::UpdateJobTimeoutResponse response;
    ASSERT_TRUE(stub_->UpdateJobTimeout(Context().get(), request, &response).ok());
  }
  {
    gw::CancelProcessInstanceRequest request;
    request.set_processinstancekey(EncodeKey(3, 9));
    gw::CancelProcessInstanceResponse response;
    ASSERT_TRUE(stub_->CancelProcessInstance(Context().get(), request, &response).ok());
  }
  {
    gw::ResolveIncidentRequest request;
    request.set_incidentkey(EncodeKey(1, 11));
    gw::ResolveIncidentResponse response;
    ASSERT_TRUE(stub_->ResolveIncident(Context().get(), request, &response).ok());
  }
  {
    gw::SetVariablesRequest request;
    request.set_elementinstancekey(EncodeKey(3, 12));
    request.set_variables(R"({"x":"y"})");
    request.set_local(true);
    gw::SetVariablesResponse response;
    ASSERT_TRUE(stub_->SetVariables(Context().get(), request, &response).ok());
    EXPECT_EQ(response.key(), EncodeKey(3, 400));
  }

  std::vector<ReceivedCommand> sent = broker_.received();
  ASSERT_EQ(sent.size(), 8u);
  using record::JobIntent;
  const JobIntent job_intents[] = {JobIntent::kComplete, JobIntent::kFail, JobIntent::kThrowError,
                                   JobIntent::kUpdateRetries, JobIntent::kUpdateTimeout};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(sent[i].partition_id, 2);
    EXPECT_EQ(sent[i].command.key, job);
    EXPECT_EQ(sent[i].command.value_type, static_cast<uint8_t>(ValueType::kJob));
    EXPECT_EQ(sent[i].command.intent, IntentCode(job_intents[i]));
  }
  EXPECT_EQ(sent[0].command.typed_value.AsJobRecord()->variables, R"({"ok":1})");
  const fb::JobRecordT* fail = sent[1].command.typed_value.AsJobRecord();
  EXPECT_EQ(fail->retries, 2);
  EXPECT_EQ(fail->error_message, "boom");
  EXPECT_EQ(fail->retry_backoff, 500);
  EXPECT_EQ(sent[2].command.typed_value.AsJobRecord()->error_code, "E1");
  EXPECT_EQ(sent[3].command.typed_value.AsJobRecord()->retries, 5);
  EXPECT_EQ(sent[4].command.typed_value.AsJobRecord()->timeout, 60000);

  EXPECT_EQ(sent[5].partition_id, 3);
  EXPECT_EQ(sent[5].command.value_type, static_cast<uint8_t>(ValueType::kProcessInstance));
  EXPECT_EQ(sent[5].command.intent, IntentCode(record::ProcessInstanceIntent::kCancel));
  EXPECT_EQ(sent[5].command.key, EncodeKey(3, 9));
  EXPECT_EQ(sent[5].command.typed_value.AsProcessInstanceRecord()->process_instance_key,
            EncodeKey(3, 9));

  EXPECT_EQ(sent[6].partition_id, 1);
  EXPECT_EQ(sent[6].command.value_type, static_cast<uint8_t>(ValueType::kIncident));
  EXPECT_EQ(sent[6].command.intent, IntentCode(record::IncidentIntent::kResolve));
  EXPECT_EQ(sent[6].command.key, EncodeKey(1, 11));

  EXPECT_EQ(sent[7].partition_id, 3);
  const fb::VariableDocumentRecordT* document =
      sent[7].command.typed_value.AsVariableDocumentRecord();
  EXPECT_EQ(document->scope_key, EncodeKey(3, 12));
  EXPECT_EQ(document->update_semantics, fb::VariableDocumentUpdateSemantic::LOCAL);
  EXPECT_EQ(document->variables, R"({"x":"y"})");
}

TEST_F(GatewayTest, PublishMessageGoesToTheCorrelationKeysPartition) {
  StartGateway();
  for (const std::string key : {"order-1", "order-2", "order-3", "käse"}) {
    gw::PublishMessageRequest request;
    request.set_name("paid");
    request.set_correlationkey(key);
    request.set_timetolive(60000);
    request.set_messageid("m-" + key);
    request.set_variables(R"({"paid":true})");
    gw::PublishMessageResponse response;
    ASSERT_TRUE(stub_->PublishMessage(Context().get(), request, &response).ok());
    const int32_t expected = CorrelationKeyPartition(key, kPartitions);
    EXPECT_EQ(response.key(), EncodeKey(expected, 300));
    EXPECT_EQ(response.tenantid(), "<default>");
    const ReceivedCommand sent = broker_.received().back();
    EXPECT_EQ(sent.partition_id, expected);
    EXPECT_EQ(sent.command.intent, IntentCode(record::MessageIntent::kPublish));
    const fb::MessageRecordT* message = sent.command.typed_value.AsMessageRecord();
    EXPECT_EQ(message->name, "paid");
    EXPECT_EQ(message->correlation_key, key);
    EXPECT_EQ(message->time_to_live, 60000);
    EXPECT_EQ(message->message_id, "m-" + key);
    EXPECT_EQ(message->variables, R"({"paid":true})");
  }
}

TEST_F(GatewayTest, RejectionsMapToZeebesCodesAndWording) {
  broker_.SetHandler([](const ReceivedCommand& received) {
    const auto type = static_cast<ValueType>(received.command.value_type);
    const auto rejection = type == ValueType::kJob       ? record::RejectionType::kInvalidState
                           : type == ValueType::kMessage ? record::RejectionType::kAlreadyExists
                                                         : record::RejectionType::kNotFound;
    return std::optional(
        RecordReply(RejectionOf(received.command, static_cast<uint8_t>(rejection), "it says no")));
  });
  StartGateway();
  gw::CreateProcessInstanceRequest create;
  create.set_bpmnprocessid("missing");
  gw::CreateProcessInstanceResponse created;
  grpc::Status status = stub_->CreateProcessInstance(Context().get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Command 'CREATE' rejected with code 'NOT_FOUND': it says no");

  gw::CompleteJobRequest complete;
  complete.set_jobkey(EncodeKey(1, 1));
  gw::CompleteJobResponse completed;
  status = stub_->CompleteJob(Context().get(), complete, &completed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "Command 'COMPLETE' rejected with code 'INVALID_STATE': it says no");

  gw::PublishMessageRequest publish;
  publish.set_name("m");
  gw::PublishMessageResponse published;
  status = stub_->PublishMessage(Context().get(), publish, &published);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message(),
            "Command 'PUBLISH' rejected with code 'ALREADY_EXISTS': it says no");
}

TEST_F(GatewayTest, BadInputIsRefusedBeforeReachingABroker) {
  StartGateway();
  gw::CreateProcessInstanceRequest create;
  create.set_bpmnprocessid("p");
  create.set_variables("[1,2]");
  gw::CreateProcessInstanceResponse created;
  grpc::Status status = stub_->CreateProcessInstance(Context().get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "Expected argument 'variables' to be a JSON object, but got array '[1,2]'");

  gw::CompleteJobRequest complete;
  complete.set_jobkey(EncodeKey(1, 1));
  complete.set_variables("{not json");
  gw::CompleteJobResponse completed;
  status = stub_->CompleteJob(Context().get(), complete, &completed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'variables'"), std::string::npos);
  EXPECT_NE(status.error_message().find("invalid JSON"), std::string::npos);

  gw::PublishMessageRequest publish;
  publish.set_name("m");
  publish.set_timetolive(-5);
  gw::PublishMessageResponse published;
  status = stub_->PublishMessage(Context().get(), publish, &published);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'timeToLive'"), std::string::npos);

  gw::UpdateJobTimeoutRequest update_timeout;
  update_timeout.set_jobkey(EncodeKey(1, 1));
  update_timeout.set_timeout(-1);
  gw::UpdateJobTimeoutResponse timeout_updated;
  status = stub_->UpdateJobTimeout(Context().get(), update_timeout, &timeout_updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'timeout'"), std::string::npos);

  gw::ActivateJobsRequest activate;
  activate.set_maxjobstoactivate(1);
  activate.set_timeout(1000);
  auto activate_context = Context();
  auto reader = stub_->ActivateJobs(activate_context.get(), activate);
  gw::ActivateJobsResponse batch;
  EXPECT_FALSE(reader->Read(&batch));
  status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'type'"), std::string::npos);

  gw::DeployResourceRequest deploy;
  gw::DeployResourceResponse deployed;
  status = stub_->DeployResource(Context().get(), deploy, &deployed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'resources'"), std::string::npos);

  EXPECT_TRUE(broker_.received().empty());
}

TEST_F(GatewayTest, UnimplementedRpcsSaySo) {
  StartGateway();
  gw::MigrateProcessInstanceResponse migrated;
  grpc::Status status = stub_->MigrateProcessInstance(Context().get(), {}, &migrated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_NE(status.error_message().find("MigrateProcessInstance"), std::string::npos);
  gw::EvaluateDecisionResponse evaluated;
  EXPECT_EQ(stub_->EvaluateDecision(Context().get(), {}, &evaluated).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  gw::BroadcastSignalResponse signalled;
  EXPECT_EQ(stub_->BroadcastSignal(Context().get(), {}, &signalled).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  gw::DeleteResourceResponse deleted;
  EXPECT_EQ(stub_->DeleteResource(Context().get(), {}, &deleted).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  gw::ModifyProcessInstanceResponse modified;
  EXPECT_EQ(stub_->ModifyProcessInstance(Context().get(), {}, &modified).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  auto stream_context = Context();
  auto stream = stub_->StreamActivatedJobs(stream_context.get(), {});
  gw::ActivatedJob job;
  EXPECT_FALSE(stream->Read(&job));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(broker_.received().empty());
}

TEST_F(GatewayTest, HealthServiceReportsServing) {
  StartGateway();
  grpc::GenericStub generic(channel_);
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message;
  // HealthCheckResponse{status: SERVING (1)} encodes as 08 01.
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  auto context = Context();
  generic.UnaryCall(context.get(), "/grpc.health.v1.Health/Check", {}, &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

TEST_F(GatewayTest, NotLeaderIsRetriedOnTheNewLeader) {
  FakeBroker other(1);
  other.Start();
  other.SetHandler(EngineLikeAnswer);
  // Broker 0 leads every partition in term 1, as both say.
  const std::vector<std::pair<int32_t, int>> brokers = {{0, broker_.port()}, {1, other.port()}};
  broker_.SetTopology(MakeTopology(brokers, {0, 0, 0}, 1));
  other.SetTopology(MakeTopology(brokers, {0, 0, 0}, 1));
  StartGateway({broker_.address()}, milliseconds(5000));

  // Broker 0 loses partition 2 to broker 1 in term 2, without naming it.
  broker_.SetHandler([](const ReceivedCommand&) {
    api::ExecuteCommandResponse response;
    response.set_outcome(api::ExecuteCommandResponse::NOT_LEADER);
    response.set_leader_node_id(-1);
    return std::optional(response);
  });
  broker_.SetTopology(MakeTopology(brokers, {0, 1, 0}, 2));
  other.SetTopology(MakeTopology(brokers, {0, 1, 0}, 2));

  gw::SetVariablesRequest request;
  request.set_elementinstancekey(EncodeKey(2, 5));
  request.set_variables("{}");
  gw::SetVariablesResponse response;
  grpc::Status status = stub_->SetVariables(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.key(), EncodeKey(2, 400));
  ASSERT_EQ(other.received().size(), 1u);
  EXPECT_EQ(other.received()[0].partition_id, 2);

  gateway_->Stop();
  other.Stop();
}

TEST_F(GatewayTest, RoundRobinMovesOnUnderBackpressureAndGivesUpWhenAllRefuse) {
  std::atomic<bool> all_busy{false};
  broker_.SetHandler([&all_busy](const ReceivedCommand& received) {
    if (all_busy || received.partition_id != 3) {
      api::ExecuteCommandResponse response;
      response.set_outcome(api::ExecuteCommandResponse::RESOURCE_EXHAUSTED);
      return std::optional(response);
    }
    return EngineLikeAnswer(received);
  });
  StartGateway();
  for (int i = 0; i < 3; ++i) {
    gw::CreateProcessInstanceRequest request;
    request.set_bpmnprocessid("p");
    gw::CreateProcessInstanceResponse response;
    grpc::Status status = stub_->CreateProcessInstance(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(record::PartitionOf(response.processinstancekey()), 3);
  }
  all_busy = true;
  gw::CreateProcessInstanceRequest request;
  request.set_bpmnprocessid("p");
  gw::CreateProcessInstanceResponse response;
  grpc::Status status = stub_->CreateProcessInstance(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  std::set<int32_t> tried;
  const auto received = broker_.received();
  for (size_t i = received.size() - kPartitions; i < received.size(); ++i) {
    tried.insert(received[i].partition_id);
  }
  EXPECT_EQ(tried, (std::set<int32_t>{1, 2, 3}));
}

TEST_F(GatewayTest, BrokerTimeoutIsDeadlineExceeded) {
  broker_.SetHandler([](const ReceivedCommand&) {
    api::ExecuteCommandResponse response;
    response.set_outcome(api::ExecuteCommandResponse::TIMEOUT);
    return std::optional(response);
  });
  StartGateway();
  gw::CompleteJobRequest request;
  request.set_jobkey(EncodeKey(1, 1));
  gw::CompleteJobResponse response;
  EXPECT_EQ(stub_->CompleteJob(Context().get(), request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(GatewayTest, SilentBrokerTimesOutWithinTheRequestTimeout) {
  broker_.SetHandler([](const ReceivedCommand&) { return std::nullopt; });
  StartGateway({broker_.address()}, milliseconds(300));
  gw::CompleteJobRequest request;
  request.set_jobkey(EncodeKey(1, 1));
  gw::CompleteJobResponse response;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(stub_->CompleteJob(Context().get(), request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
}

// Answers JOB_BATCH ACTIVATE on `partition` with `count` jobs of the asked
// type, other partitions with none.
FakeBroker::Handler JobsOn(int32_t partition, int count) {
  return [partition, count](const ReceivedCommand& received) {
    if (received.command.value_type != static_cast<uint8_t>(ValueType::kJobBatch)) {
      return EngineLikeAnswer(received);
    }
    fb::RecordT event = EventFor(received.command, IntentCode(record::JobBatchIntent::kActivated));
    fb::JobBatchRecordT* batch = event.typed_value.AsJobBatchRecord();
    if (received.partition_id == partition) {
      for (int i = 0; i < std::min(count, batch->max_jobs_to_activate); ++i) {
        auto job = std::make_unique<fb::JobRecordT>();
        job->type = batch->type;
        job->worker = batch->worker;
        job->retries = 3;
        job->deadline = 1700000000000;
        job->custom_headers = R"({"h":"v"})";
        job->variables = R"({"a":1})";
        job->process_instance_key = EncodeKey(partition, 50);
        job->bpmn_process_id = "order-process";
        job->process_definition_version = 4;
        job->process_definition_key = EncodeKey(1, 101);
        job->element_id = "task";
        job->element_instance_key = EncodeKey(partition, 51);
        batch->job_keys.push_back(EncodeKey(partition, 60 + i));
        batch->jobs.push_back(std::move(job));
      }
    }
    return std::optional(RecordReply(event));
  };
}

TEST_F(GatewayTest, ActivateJobsCollectsFromPartitionsAndMapsJobs) {
  broker_.SetHandler(JobsOn(2, 5));
  StartGateway();
  gw::ActivateJobsRequest request;
  request.set_type("pay");
  request.set_worker("w1");
  request.set_timeout(30000);
  request.set_maxjobstoactivate(2);
  request.add_fetchvariable("a");
  auto context = Context();
  auto reader = stub_->ActivateJobs(context.get(), request);
  gw::ActivateJobsResponse batch;
  std::vector<gw::ActivatedJob> jobs;
  while (reader->Read(&batch)) jobs.insert(jobs.end(), batch.jobs().begin(), batch.jobs().end());
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(jobs.size(), 2u);
  const gw::ActivatedJob& job = jobs[0];
  EXPECT_EQ(job.key(), EncodeKey(2, 60));
  EXPECT_EQ(job.type(), "pay");
  EXPECT_EQ(job.worker(), "w1");
  EXPECT_EQ(job.retries(), 3);
  EXPECT_EQ(job.deadline(), 1700000000000);
  EXPECT_EQ(job.customheaders(), R"({"h":"v"})");
  EXPECT_EQ(job.variables(), R"({"a":1})");
  EXPECT_EQ(job.processinstancekey(), EncodeKey(2, 50));
  EXPECT_EQ(job.bpmnprocessid(), "order-process");
  EXPECT_EQ(job.processdefinitionversion(), 4);
  EXPECT_EQ(job.processdefinitionkey(), EncodeKey(1, 101));
  EXPECT_EQ(job.elementid(), "task");
  EXPECT_EQ(job.elementinstancekey(), EncodeKey(2, 51));
  EXPECT_EQ(job.tenantid(), "<default>");
  for (const ReceivedCommand& sent : broker_.received()) {
    const fb::JobBatchRecordT* asked = sent.command.typed_value.AsJobBatchRecord();
    ASSERT_NE(asked, nullptr);
    EXPECT_EQ(sent.command.intent, IntentCode(record::JobBatchIntent::kActivate));
    EXPECT_EQ(asked->type, "pay");
    EXPECT_EQ(asked->worker, "w1");
    EXPECT_EQ(asked->timeout, 30000);
    EXPECT_EQ(asked->max_jobs_to_activate, 2);  // partition 2 is asked for all that are missing
    EXPECT_EQ(asked->fetch_variables, std::vector<std::string>{"a"});
  }
}

TEST_F(GatewayTest, ActivateJobsWithoutLongPollingAnswersAtOnce) {
  StartGateway();
  gw::ActivateJobsRequest request;
  request.set_type("none");
  request.set_timeout(1000);
  request.set_maxjobstoactivate(3);
  request.set_requesttimeout(-1);
  auto context = Context(milliseconds(5000));
  auto reader = stub_->ActivateJobs(context.get(), request);
  gw::ActivateJobsResponse batch;
  EXPECT_FALSE(reader->Read(&batch));
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(broker_.received().size(), static_cast<size_t>(kPartitions));
}

TEST_F(GatewayTest, LongPollEndsEmptyAtItsTimeout) {
  StartGateway();
  gw::ActivateJobsRequest request;
  request.set_type("none");
  request.set_timeout(1000);
  request.set_maxjobstoactivate(3);
  request.set_requesttimeout(300);
  const auto start = std::chrono::steady_clock::now();
  auto context = Context();
  auto reader = stub_->ActivateJobs(context.get(), request);
  gw::ActivateJobsResponse batch;
  EXPECT_FALSE(reader->Read(&batch));
  EXPECT_TRUE(reader->Finish().ok());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(5000));
}

TEST_F(GatewayTest, LongPollWakesWhenJobsBecomeAvailable) {
  StartGateway();
  for (int i = 0; i < 200 && broker_.watchers() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(broker_.watchers(), 1u);

  gw::ActivateJobsRequest request;
  request.set_type("pay");
  request.set_worker("w");
  request.set_timeout(1000);
  request.set_maxjobstoactivate(1);
  request.set_requesttimeout(20000);
  auto context = Context(milliseconds(30000));
  auto reader = stub_->ActivateJobs(context.get(), request);
  for (int i = 0; i < 500 && gateway_->parked_long_polls() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(gateway_->parked_long_polls(), 1u);

  const auto start = std::chrono::steady_clock::now();
  broker_.SetHandler(JobsOn(1, 1));
  broker_.NotifyJobsAvailable(1, {"other"});  // another type wakes nothing
  broker_.NotifyJobsAvailable(1, {"pay"});
  gw::ActivateJobsResponse batch;
  ASSERT_TRUE(reader->Read(&batch));
  ASSERT_EQ(batch.jobs_size(), 1);
  EXPECT_EQ(batch.jobs(0).key(), EncodeKey(1, 60));
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
}

TEST_F(GatewayTest, StopEndsParkedLongPolls) {
  StartGateway();
  gw::ActivateJobsRequest request;
  request.set_type("pay");
  request.set_timeout(1000);
  request.set_maxjobstoactivate(1);
  request.set_requesttimeout(60000);
  auto context = Context(milliseconds(60000));
  auto reader = stub_->ActivateJobs(context.get(), request);
  for (int i = 0; i < 500 && gateway_->parked_long_polls() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(gateway_->parked_long_polls(), 1u);
  const auto start = std::chrono::steady_clock::now();
  gateway_->Stop();
  gw::ActivateJobsResponse batch;
  EXPECT_FALSE(reader->Read(&batch));
  reader->Finish();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(10000));
}

TEST_F(GatewayTest, MonitoringPortCountsCallsAndIsReadyWithEveryLeader) {
  StartGateway();  // returns once a leader is known for every partition
  const int port = gateway_->monitoring_port();
  ASSERT_GT(port, 0);
  EXPECT_EQ(test_http::HttpGet(port, "/health").status, 200);
  EXPECT_EQ(test_http::HttpGet(port, "/startup").status, 200);
  EXPECT_EQ(test_http::HttpGet(port, "/ready").status, 200);
  test_http::HttpResult partitions = test_http::HttpGet(port, "/partitions");
  EXPECT_EQ(partitions.status, 200);
  EXPECT_NE(partitions.body.find("\"partition\": 3"), std::string::npos) << partitions.body;

  gw::MigrateProcessInstanceResponse migrated;
  stub_->MigrateProcessInstance(Context().get(), {}, &migrated);
  gw::PublishMessageRequest bad;
  bad.set_name("m");
  bad.set_timetolive(-5);
  gw::PublishMessageResponse published;
  stub_->PublishMessage(Context().get(), bad, &published);
  gw::ActivateJobsRequest request;
  request.set_type("pay");
  request.set_worker("w");
  request.set_timeout(1000);
  request.set_maxjobstoactivate(1);
  request.set_requesttimeout(20000);
  auto context = Context(milliseconds(30000));
  auto reader = stub_->ActivateJobs(context.get(), request);
  for (int i = 0; i < 500 && gateway_->parked_long_polls() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(gateway_->parked_long_polls(), 1u);

  const std::string metrics = test_http::HttpGet(port, "/metrics").body;
  for (const char* line : {
           "waggle_gateway_requests_total{method=\"MigrateProcessInstance\",code=\"UNIMPLEMENTED\"}"
           " 1\n",
           "waggle_gateway_requests_total{method=\"PublishMessage\",code=\"INVALID_ARGUMENT\"} 1\n",
           "waggle_gateway_request_latency_seconds_count{method=\"MigrateProcessInstance\"} 1\n",
           "waggle_gateway_long_polls_open 1\n",
           "# TYPE process_open_fds gauge\n",
       }) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << " in\n" << metrics;
  }
  // The calls StartGateway made to learn the topology.
  EXPECT_NE(metrics.find("waggle_gateway_requests_total{method=\"Topology\",code=\"OK\"}"),
            std::string::npos);
  context->TryCancel();
  reader->Finish();
}

TEST_F(GatewayTest, MonitoringPortIsNotReadyWithoutATopology) {
  GatewayOptions options;
  options.listen_address = "127.0.0.1:0";
  options.monitoring_address = "127.0.0.1:0";
  options.contact_points = {"127.0.0.1:1"};  // nobody answers
  GatewayServer gateway(options);
  ASSERT_TRUE(gateway.Start().ok());
  test_http::HttpResult ready = test_http::HttpGet(gateway.monitoring_port(), "/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "no leader known for some partition (0 partition(s) known)\n");
  EXPECT_EQ(test_http::HttpGet(gateway.monitoring_port(), "/health").status, 200);
}

TEST_F(GatewayTest, UndeliveredJobsAreGivenBack) {
  // The worker is gone by the time its jobs come back from the broker.
  // Shared with the handler, which may still run after the test body.
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<grpc::ClientContext> context = Context();
  FakeBroker::Handler jobs = JobsOn(1, 1);
  broker_.SetHandler([cancelled, context, jobs](const ReceivedCommand& received) {
    if (received.command.value_type == static_cast<uint8_t>(ValueType::kJobBatch) &&
        received.partition_id == 1) {
      *cancelled = true;  // before the client can see the cancellation
      context->TryCancel();
      std::this_thread::sleep_for(milliseconds(100));
    }
    return jobs(received);
  });
  StartGateway();
  gw::ActivateJobsRequest request;
  request.set_type("pay");
  request.set_timeout(1000);
  request.set_maxjobstoactivate(1);
  request.set_requesttimeout(-1);
  auto reader = stub_->ActivateJobs(context.get(), request);
  gw::ActivateJobsResponse batch;
  while (reader->Read(&batch)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(*cancelled);
  // The job activated on partition 1 goes back with its retries unchanged.
  bool given_back = false;
  for (int i = 0; i < 1000 && !given_back; ++i) {
    for (const ReceivedCommand& sent : broker_.received()) {
      if (sent.command.value_type == static_cast<uint8_t>(ValueType::kJob)) {
        EXPECT_EQ(sent.command.intent, IntentCode(record::JobIntent::kFail));
        EXPECT_EQ(sent.command.key, EncodeKey(1, 60));
        EXPECT_EQ(sent.command.typed_value.AsJobRecord()->retries, 3);
        given_back = true;
      }
    }
    if (!given_back) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(given_back);
}

}  // namespace
}  // namespace waggle::gateway::test
