#include "bench/command_api_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/delayer.h"
#include "common/protocol/broker_api.grpc.pb.h"
#include "common/record/codec.h"
#include "common/record/command.h"

namespace waggle::bench {
namespace {

namespace api = waggle::broker_api;
using namespace std::chrono_literals;

class CommandApiLoad : public LoadClient {
 public:
  CommandApiLoad(const std::string& addresses, int partitions)
      : partitions_(partitions), leaders_(partitions + 1), idle_wait_(partitions + 1) {
    std::stringstream list(addresses);
    for (std::string address; std::getline(list, address, ',');) {
      stubs_.push_back(api::BrokerApi::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
    }
  }

  bool Deploy(const std::string& name, const std::string& bpmn) override {
    record::fb::DeploymentRecordT deployment;
    auto resource = std::make_unique<record::fb::DeploymentResourceT>();
    resource->resource_name = name;
    resource->resource.assign(bpmn.begin(), bpmn.end());
    deployment.resources.push_back(std::move(resource));
    std::promise<bool> deployed;
    Send(1, record::Command(record::DeploymentIntent::kCreate, std::move(deployment)),
         [&](const record::fb::RecordT* answer) { deployed.set_value(answer != nullptr); });
    if (!deployed.get_future().get()) return false;
    std::this_thread::sleep_for(1s);  // distribution to the other partitions
    return true;
  }

  void Create(const std::string& process_id, Created done) override {
    record::fb::ProcessInstanceCreationRecordT creation;
    creation.bpmn_process_id = process_id;
    const int32_t partition = static_cast<int32_t>(next_partition_++ % partitions_) + 1;
    Send(partition,
         record::Command(record::ProcessInstanceCreationIntent::kCreate, std::move(creation)),
         [done](const record::fb::RecordT* answer) {
           done(answer ? answer->typed_value.AsProcessInstanceCreationRecord()->process_instance_key
                       : -1);
         });
  }

  // One activation in flight per partition; each activated job is completed
  // at once. An empty activation is asked again after a back-off from 1 ms
  // to 50 ms (each activation is a command on the log), as a long poll would.
  void StartWorkers(const std::string& job_type, Completed completed) override {
    job_type_ = job_type;
    completed_ = std::move(completed);
    for (int32_t p = 1; p <= partitions_; ++p) Activate(p);
  }

  void StopWorkers() override {
    stop_ = true;
    calls_.WaitForZero();
  }

 private:
  using Done = std::function<void(const record::fb::RecordT* answer)>;

  void Activate(int32_t partition) {
    if (stop_) return;
    record::fb::JobBatchRecordT batch;
    batch.type = job_type_;
    batch.worker = "bench";
    batch.timeout = 30000;
    batch.max_jobs_to_activate = 200;
    batch.tenant_ids = {"<default>"};
    calls_.Add();
    Send(partition, record::Command(record::JobBatchIntent::kActivate, std::move(batch)),
         [this, partition](const record::fb::RecordT* answer) {
           const record::fb::JobBatchRecordT* jobs =
               answer ? answer->typed_value.AsJobBatchRecord() : nullptr;
           if (jobs == nullptr || jobs->job_keys.empty()) {
             auto& wait = idle_wait_[partition];
             wait = std::min<std::chrono::milliseconds>(std::max(wait * 2, 1ms), 50ms);
             delayer_.After(wait, [this, partition] {
               Activate(partition);
               calls_.Done();
             });
             return;
           }
           idle_wait_[partition] = 0ms;
           for (size_t i = 0; i < jobs->job_keys.size(); ++i) {
             const int64_t instance = jobs->jobs[i]->process_instance_key;
             calls_.Add();
             Send(partition,
                  record::Command(record::JobIntent::kComplete, record::fb::JobRecordT(),
                                  jobs->job_keys[i]),
                  [this, instance](const record::fb::RecordT* done) {
                    completed_(done ? instance : -1);
                    calls_.Done();
                  });
           }
           Activate(partition);
           calls_.Done();
         });
  }

  // Calls done with the answer record, or nullptr when it failed for good.
  void Send(int32_t partition, const record::fb::RecordT& command, Done done, int attempt = 0) {
    struct Call {
      grpc::ClientContext context;
      api::ExecuteCommandRequest request;
      api::ExecuteCommandResponse response;
    };
    auto call = std::make_shared<Call>();
    call->request.set_partition_id(partition);
    call->request.set_command(record::EncodeRecord(command));
    call->request.set_await_result(true);
    call->request.set_timeout_ms(10000);
    call->context.set_deadline(std::chrono::system_clock::now() + 15s);
    const int broker = leaders_[partition].load();
    stubs_[broker]->async()->ExecuteCommand(
        &call->context, &call->request, &call->response,
        [this, call, partition, command, done, attempt, broker](grpc::Status status) {
          const auto outcome = call->response.outcome();
          if (status.ok() && outcome == api::ExecuteCommandResponse::RECORD) {
            Result<record::fb::RecordT> answer = record::DecodeRecord(call->response.record());
            done(answer.ok() ? &*answer : nullptr);
            return;
          }
          if (attempt >= 50) {
            done(nullptr);
            return;
          }
          if (status.ok() && outcome == api::ExecuteCommandResponse::NOT_LEADER &&
              call->response.leader_node_id() >= 0) {
            leaders_[partition] = call->response.leader_node_id();
          } else if (!status.ok() || outcome != api::ExecuteCommandResponse::RESOURCE_EXHAUSTED) {
            leaders_[partition] = (broker + 1) % static_cast<int>(stubs_.size());
          }
          delayer_.After(5ms, [=, this] { Send(partition, command, done, attempt + 1); });
        });
  }

  const int partitions_;
  std::vector<std::unique_ptr<api::BrokerApi::Stub>> stubs_;
  std::vector<std::atomic<int>> leaders_;  // by partition id: the broker believed to lead
  std::atomic<uint64_t> next_partition_{0};
  std::string job_type_;
  Completed completed_;
  std::vector<std::chrono::milliseconds> idle_wait_;  // by partition id
  std::atomic<bool> stop_{false};
  CallCounter calls_;
  // Last, so destroyed first: its thread stops before the members it uses.
  Delayer delayer_;
};

}  // namespace

std::unique_ptr<LoadClient> NewCommandApiLoad(const std::string& addresses, int partitions) {
  return std::make_unique<CommandApiLoad>(addresses, partitions);
}

}  // namespace waggle::bench
