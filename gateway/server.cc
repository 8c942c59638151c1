#include "gateway/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/monitoring/http_server.h"
#include "common/monitoring/process_metrics.h"
#include "common/record/codec.h"
#include "gateway/activate_jobs.h"
#include "gateway/broker_client.h"
#include "gateway/commands.h"
#include "gateway/dispatcher.h"
#include "gateway/long_polls.h"
#include "gateway/metrics.h"
#include "gateway/proto/gateway.grpc.pb.h"
#include "gateway/routing.h"
#include "gateway/timer_queue.h"
#include "gateway/topology.h"
#include "gateway/topology_poller.h"

namespace waggle::gateway {

namespace {

// A streaming call answered with a status only.
template <typename Message>
class FinishedWriter final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit FinishedWriter(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

grpc::Status Unimplemented(const std::string& rpc, const std::string& why) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "waggle does not implement " + rpc + " yet: " + why);
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class GatewayService final : public gw::Gateway::CallbackService {
 public:
  GatewayService(Dispatcher* dispatcher, TopologyCache* topology, ActivateJobsEnv activate_env,
                 std::string version)
      : dispatcher_(dispatcher),
        topology_(topology),
        activate_env_(activate_env),
        version_(std::move(version)) {}

  grpc::ServerWriteReactor<gw::ActivateJobsResponse>* ActivateJobs(
      grpc::CallbackServerContext*, const gw::ActivateJobsRequest* request) override {
    return StartActivateJobs(activate_env_, *request);
  }

  grpc::ServerWriteReactor<gw::ActivatedJob>* StreamActivatedJobs(
      grpc::CallbackServerContext*, const gw::StreamActivatedJobsRequest*) override {
    return new FinishedWriter<gw::ActivatedJob>(Unimplemented(
        "StreamActivatedJobs", "job push needs broker-side job streams; use ActivateJobs"));
  }

  grpc::ServerUnaryReactor* CancelProcessInstance(
      grpc::CallbackServerContext* context, const gw::CancelProcessInstanceRequest* request,
      gw::CancelProcessInstanceResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* CompleteJob(grpc::CallbackServerContext* context,
                                        const gw::CompleteJobRequest* request,
                                        gw::CompleteJobResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* CreateProcessInstance(
      grpc::CallbackServerContext* context, const gw::CreateProcessInstanceRequest* request,
      gw::CreateProcessInstanceResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* CreateProcessInstanceWithResult(
      grpc::CallbackServerContext* context,
      const gw::CreateProcessInstanceWithResultRequest* request,
      gw::CreateProcessInstanceWithResultResponse* response) override {
    return Execute(context, *request, response, record::ValueType::kProcessInstanceResult);
  }
  grpc::ServerUnaryReactor* DeployProcess(grpc::CallbackServerContext* context,
                                          const gw::DeployProcessRequest* request,
                                          gw::DeployProcessResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* DeployResource(grpc::CallbackServerContext* context,
                                           const gw::DeployResourceRequest* request,
                                           gw::DeployResourceResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* FailJob(grpc::CallbackServerContext* context,
                                    const gw::FailJobRequest* request,
                                    gw::FailJobResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* ThrowError(grpc::CallbackServerContext* context,
                                       const gw::ThrowErrorRequest* request,
                                       gw::ThrowErrorResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* PublishMessage(grpc::CallbackServerContext* context,
                                           const gw::PublishMessageRequest* request,
                                           gw::PublishMessageResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* ResolveIncident(grpc::CallbackServerContext* context,
                                            const gw::ResolveIncidentRequest* request,
                                            gw::ResolveIncidentResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* SetVariables(grpc::CallbackServerContext* context,
                                         const gw::SetVariablesRequest* request,
                                         gw::SetVariablesResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* UpdateJobRetries(grpc::CallbackServerContext* context,
                                             const gw::UpdateJobRetriesRequest* request,
                                             gw::UpdateJobRetriesResponse* response) override {
    return Execute(context, *request, response);
  }

  grpc::ServerUnaryReactor* Topology(grpc::CallbackServerContext* context,
                                     const gw::TopologyRequest*,
                                     gw::TopologyResponse* response) override {
    const ClusterState state = topology_->Snapshot();
    response->set_clustersize(state.cluster_size);
    response->set_partitionscount(state.partitions_count);
    response->set_replicationfactor(state.replication_factor);
    response->set_gatewayversion(version_);
    for (const BrokerState& broker : state.brokers) {
      gw::BrokerInfo* info = response->add_brokers();
      info->set_nodeid(broker.node_id);
      info->set_host(broker.host);
      info->set_port(broker.port);
      info->set_version(broker.version);
      for (const PartitionState& p : broker.partitions) {
        gw::Partition* partition = info->add_partitions();
        partition->set_partitionid(p.partition_id);
        partition->set_role(static_cast<gw::Partition::PartitionBrokerRole>(p.role));
        partition->set_health(static_cast<gw::Partition::PartitionBrokerHealth>(p.health));
      }
    }
    return FinishNow(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* EvaluateDecision(grpc::CallbackServerContext* context,
                                             const gw::EvaluateDecisionRequest*,
                                             gw::EvaluateDecisionResponse*) override {
    return FinishNow(context, Unimplemented("EvaluateDecision", "the engine has no DMN support"));
  }
  grpc::ServerUnaryReactor* ModifyProcessInstance(grpc::CallbackServerContext* context,
                                                  const gw::ModifyProcessInstanceRequest*,
                                                  gw::ModifyProcessInstanceResponse*) override {
    return FinishNow(context, Unimplemented("ModifyProcessInstance",
                                            "the engine cannot modify process instances"));
  }
  grpc::ServerUnaryReactor* MigrateProcessInstance(grpc::CallbackServerContext* context,
                                                   const gw::MigrateProcessInstanceRequest*,
                                                   gw::MigrateProcessInstanceResponse*) override {
    return FinishNow(context, Unimplemented("MigrateProcessInstance",
                                            "the engine cannot migrate process instances"));
  }
  grpc::ServerUnaryReactor* UpdateJobTimeout(grpc::CallbackServerContext* context,
                                             const gw::UpdateJobTimeoutRequest* request,
                                             gw::UpdateJobTimeoutResponse* response) override {
    return Execute(context, *request, response);
  }
  grpc::ServerUnaryReactor* DeleteResource(grpc::CallbackServerContext* context,
                                           const gw::DeleteResourceRequest*,
                                           gw::DeleteResourceResponse*) override {
    return FinishNow(context,
                     Unimplemented("DeleteResource", "the engine cannot delete resources"));
  }
  grpc::ServerUnaryReactor* BroadcastSignal(grpc::CallbackServerContext* context,
                                            const gw::BroadcastSignalRequest*,
                                            gw::BroadcastSignalResponse*) override {
    return FinishNow(context, Unimplemented("BroadcastSignal", "the engine has no signal events"));
  }

 private:
  // Request -> command -> broker -> answer -> response. `answer_type` is
  // the value type of the answer when it is not the command's own.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* context, const Request& request,
                                    Response* response,
                                    std::optional<record::ValueType> answer_type = {}) {
    Command command;
    if (grpc::Status s = BuildCommand(request, &command); !s.ok()) return FinishNow(context, s);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const record::ValueType type = answer_type.value_or(ValueTypeOf(command));
    dispatcher_->Send(command.route, record::EncodeRecord(command.record), command.timeout,
                      /*retry=*/true,
                      [reactor, response, type](grpc::Status status, record::fb::RecordT answer) {
                        if (status.ok()) status = CheckAnswer(answer, type);
                        if (status.ok()) MapResponse(answer, response);
                        reactor->Finish(status);
                      });
    return reactor;
  }

  Dispatcher* const dispatcher_;
  TopologyCache* const topology_;
  const ActivateJobsEnv activate_env_;
  const std::string version_;
};

}  // namespace

class GatewayServer::Impl {
 public:
  explicit Impl(GatewayOptions options)
      : options_(std::move(options)),
        brokers_(&timers_),
        poller_(&brokers_, &topology_, &timers_, options_.contact_points,
                options_.topology_interval,
                [this](const std::string& address) {
                  brokers_.WatchJobsAvailable(
                      address, [this](int32_t, const std::vector<std::string>& types) {
                        long_polls_.Notify(types);
                      });
                }),
        dispatcher_(
            &brokers_, &topology_, &timers_, [this] { poller_.RefreshNow(); },
            Dispatcher::Options{options_.request_timeout, std::chrono::milliseconds(50)}),
        service_(&dispatcher_, &topology_,
                 ActivateJobsEnv{&dispatcher_, &topology_, &timers_, &long_polls_, &cursors_,
                                 options_.long_polling_timeout},
                 options_.version) {}

  Status Start() {
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (!options_.tls_certificate_path.empty() || !options_.tls_private_key_path.empty()) {
      Result<std::string> certificate = ReadFile(options_.tls_certificate_path);
      if (!certificate.ok()) return certificate.status();
      Result<std::string> key = ReadFile(options_.tls_private_key_path);
      if (!key.ok()) return key.status();
      grpc::SslServerCredentialsOptions ssl;
      ssl.pem_key_cert_pairs.push_back({*key, *certificate});
      credentials = grpc::SslServerCredentials(ssl);
    }
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options_.listen_address, credentials, &port_);
    builder.SetMaxReceiveMessageSize(options_.max_message_size);
    // A second gateway on a taken port must fail, not share the port.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.RegisterService(&service_);
    if (!options_.monitoring_address.empty()) {
      metrics_ = std::make_shared<GatewayMetrics>([this] { return long_polls_.parked(); });
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
      creators.push_back(metrics_->InterceptorFactory());
      builder.experimental().SetInterceptorCreators(std::move(creators));
    }
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return Status::IOError("gateway: cannot listen on " + options_.listen_address);
    }
    server_->GetHealthCheckService()->SetServingStatus("gateway_protocol.Gateway", true);
    poller_.Start();
    if (metrics_ != nullptr) return StartMonitoring();
    return Status::OK();
  }

  // The order matters: nothing may wait on a part already stopped.
  void Stop() {
    if (stopped_ || server_ == nullptr) return;
    stopped_ = true;
    if (monitoring_ != nullptr) monitoring_->Stop();
    server_->GetHealthCheckService()->Shutdown();
    long_polls_.Close();  // parked calls visit once more, then end
    poller_.Stop();
    brokers_.Shutdown();  // requests in flight fail now, later ones at once
    timers_.Stop();       // retries and long-poll timeouts run now
    server_->Shutdown();  // every call has finished or finishes promptly
  }

  int port() const { return port_; }
  int monitoring_port() const { return monitoring_ ? monitoring_->port() : 0; }
  size_t parked() const { return long_polls_.parked(); }

 private:
  Status StartMonitoring() {
    const std::string& address = options_.monitoring_address;
    const size_t colon = address.rfind(':');
    monitoring::MonitoringServer::Options options;
    const char* end = address.data() + address.size();
    if (colon == std::string::npos ||
        std::from_chars(address.data() + colon + 1, end, options.port).ptr != end) {
      return Status::InvalidArgument("monitoring address '" + address + "' is not host:port");
    }
    options.host = address.substr(0, colon);
    monitoring_ = std::make_unique<monitoring::MonitoringServer>(options);
    monitoring_->AddCollectable(metrics_);
    monitoring_->AddCollectable(std::make_shared<monitoring::ProcessMetrics>());
    monitoring_->Handle("/health", [] { return monitoring::ProbeResponse(true, "alive"); });
    // Start() has returned by the time anyone can ask.
    monitoring_->Handle("/startup", [] { return monitoring::ProbeResponse(true, "started"); });
    monitoring_->Handle("/ready", [this] {
      const bool ready = topology_.KnowsAllLeaders();
      return monitoring::ProbeResponse(
          ready, ready ? "a leader is known for every partition"
                       : "no leader known for some partition (" +
                             std::to_string(topology_.partitions_count()) + " partition(s) known)");
    });
    monitoring_->Handle("/partitions", [this] {
      nlohmann::json doc = nlohmann::json::array();
      for (int32_t p = 1; p <= topology_.partitions_count(); ++p) {
        const std::optional<LeaderInfo> leader = topology_.LeaderOf(p);
        doc.push_back({{"partition", p},
                       {"leader", leader ? nlohmann::json(leader->node_id) : nlohmann::json()},
                       {"address", leader ? nlohmann::json(leader->address) : nlohmann::json()}});
      }
      monitoring::HttpResponse r;
      r.content_type = "application/json";
      r.body = doc.dump(2) + "\n";
      return r;
    });
    return monitoring_->Start();
  }

  const GatewayOptions options_;
  TimerQueue timers_;
  BrokerClient brokers_;
  TopologyCache topology_;
  LongPolls long_polls_;
  JobTypeRoundRobin cursors_;
  TopologyPoller poller_;
  Dispatcher dispatcher_;
  GatewayService service_;
  std::shared_ptr<GatewayMetrics> metrics_;  // with a monitoring address only
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<monitoring::MonitoringServer> monitoring_;
  int port_ = 0;
  bool stopped_ = false;
};

GatewayServer::GatewayServer(GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

GatewayServer::~GatewayServer() {
  Stop();
}

Status GatewayServer::Start() {
  return impl_->Start();
}

void GatewayServer::Stop() {
  impl_->Stop();
}

int GatewayServer::port() const {
  return impl_->port();
}

int GatewayServer::monitoring_port() const {
  return impl_->monitoring_port();
}

size_t GatewayServer::parked_long_polls() const {
  return impl_->parked();
}

}  // namespace waggle::gateway
