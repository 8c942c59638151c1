#include "bench/gateway_load.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "bench/delayer.h"
#include "proto/gateway.grpc.pb.h"

namespace waggle::bench {
namespace {

namespace gw = gateway_protocol;
using namespace std::chrono_literals;

class GatewayLoad : public LoadClient {
 public:
  GatewayLoad(const std::string& address, int workers)
      : stub_(
            gw::Gateway::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        workers_(workers) {}

  bool Deploy(const std::string& name, const std::string& bpmn) override {
    gw::DeployResourceRequest request;
    gw::Resource* resource = request.add_resources();
    resource->set_name(name);
    resource->set_content(bpmn);
    gw::DeployResourceResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    if (!stub_->DeployResource(&context, request, &response).ok()) return false;
    std::this_thread::sleep_for(1s);  // distribution to the other partitions
    return true;
  }

  void Create(const std::string& process_id, Created done) override {
    auto request = std::make_shared<gw::CreateProcessInstanceRequest>();
    request->set_bpmnprocessid(process_id);
    request->set_version(-1);
    CreateAttempt(std::move(request), std::move(done), 0);
  }

  void StartWorkers(const std::string& job_type, Completed completed) override {
    job_type_ = job_type;
    completed_ = std::move(completed);
    for (int i = 0; i < workers_; ++i) Activate();
  }

  void StopWorkers() override {
    stop_ = true;
    calls_.WaitForZero();
  }

 private:
  // One ActivateJobs call: long polls, reads every response, completes each
  // job at once and, when the call ends, opens the next one.
  class Activation : public grpc::ClientReadReactor<gw::ActivateJobsResponse> {
   public:
    explicit Activation(GatewayLoad* load) : load_(load) {
      request_.set_type(load->job_type_);
      request_.set_worker("bench");
      request_.set_timeout(30000);
      request_.set_maxjobstoactivate(200);
      request_.set_requesttimeout(1000);
      context_.set_deadline(std::chrono::system_clock::now() + 15s);
      load->stub_->async()->ActivateJobs(&context_, &request_, this);
      StartRead(&response_);
      StartCall();
    }

    void OnReadDone(bool ok) override {
      if (!ok) return;
      for (const gw::ActivatedJob& job : response_.jobs()) {
        load_->Complete(job.key(), job.processinstancekey(), 0);
      }
      StartRead(&response_);
    }

    void OnDone(const grpc::Status& status) override {
      GatewayLoad* load = load_;
      const bool failed = !status.ok();
      delete this;
      if (failed) {
        load->delayer_.After(50ms, [load] {
          load->Activate();
          load->calls_.Done();
        });
      } else {
        load->Activate();
        load->calls_.Done();
      }
    }

   private:
    GatewayLoad* load_;
    grpc::ClientContext context_;
    gw::ActivateJobsRequest request_;
    gw::ActivateJobsResponse response_;
  };

  void Activate() {
    if (stop_) return;
    calls_.Add();
    new Activation(this);
  }

  void Complete(int64_t job_key, int64_t instance_key, int attempt) {
    struct Call {
      grpc::ClientContext context;
      gw::CompleteJobRequest request;
      gw::CompleteJobResponse response;
    };
    auto call = std::make_shared<Call>();
    call->request.set_jobkey(job_key);
    call->context.set_deadline(std::chrono::system_clock::now() + 15s);
    calls_.Add();
    stub_->async()->CompleteJob(
        &call->context, &call->request, &call->response,
        [this, call, job_key, instance_key, attempt](grpc::Status status) {
          if (status.ok()) {
            completed_(instance_key);
          } else if (Retriable(status) && attempt < 50) {
            delayer_.After(5ms, [=, this] { Complete(job_key, instance_key, attempt + 1); });
          } else {
            completed_(-1);
          }
          calls_.Done();
        });
  }

  void CreateAttempt(std::shared_ptr<gw::CreateProcessInstanceRequest> request, Created done,
                     int attempt) {
    struct Call {
      grpc::ClientContext context;
      gw::CreateProcessInstanceResponse response;
    };
    auto call = std::make_shared<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + 15s);
    stub_->async()->CreateProcessInstance(
        &call->context, request.get(), &call->response,
        [this, call, request, done, attempt](grpc::Status status) {
          if (status.ok()) {
            done(call->response.processinstancekey());
          } else if (Retriable(status) && attempt < 50) {
            delayer_.After(5ms, [=, this] { CreateAttempt(request, done, attempt + 1); });
          } else {
            done(-1);
          }
        });
  }

  // What Zeebe's clients retry: backpressure and an unavailable leader.
  static bool Retriable(const grpc::Status& status) {
    return status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
           status.error_code() == grpc::StatusCode::UNAVAILABLE;
  }

  std::unique_ptr<gw::Gateway::Stub> stub_;
  const int workers_;
  std::string job_type_;
  Completed completed_;
  std::atomic<bool> stop_{false};
  CallCounter calls_;
  // Last, so destroyed first: its thread stops before the members it uses.
  Delayer delayer_;
};

}  // namespace

std::unique_ptr<LoadClient> NewGatewayLoad(const std::string& address, int workers) {
  return std::make_unique<GatewayLoad>(address, workers);
}

}  // namespace waggle::bench
