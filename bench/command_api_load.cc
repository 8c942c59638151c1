#include "bench/command_api_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "bench/delayer.h"
#include "common/protocol/broker_api.grpc.pb.h"
#include "common/record/codec.h"
#include "common/record/command.h"

namespace waggle::bench {
namespace {

namespace api = waggle::broker_api;
using namespace std::chrono_literals;

constexpr int32_t kMaxJobs = 200;  // per activation

class CommandApiLoad : public LoadClient {
 public:
  CommandApiLoad(const std::string& addresses, int partitions)
      : partitions_(partitions), leaders_(partitions + 1), workers_(partitions + 1) {
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
  // at once. A full batch is followed by the next activation at once; after
  // one that was not full (no job left) the worker waits for a jobs-available
  // notice from the partition's leader (WatchJobsAvailable, as the gateway's
  // long polls do), or at most a back-off from 100 ms to 1 s, as notices may
  // be missed while a leader changes. Each activation is a command on the
  // log: polling for nothing would cost the brokers more than the load does.
  void StartWorkers(const std::string& job_type, Completed completed) override {
    job_type_ = job_type;
    completed_ = std::move(completed);
    for (auto& stub : stubs_) watches_.push_back(std::make_unique<Watch>(this, stub.get()));
    for (int32_t p = 1; p <= partitions_; ++p) Activate(p);
  }

  void StopWorkers() override {
    stop_ = true;
    for (auto& watch : watches_) watch->Cancel();
    calls_.WaitForZero();
    watches_.clear();
  }

 private:
  using Done = std::function<void(const record::fb::RecordT* answer)>;

  // A worker's state for one partition.
  struct Worker {
    std::mutex mu;
    bool idle = false;      // waiting after an empty activation
    bool notified = false;  // a notice came while an activation was in flight
    uint64_t generation = 0;
    std::chrono::milliseconds wait{0};
  };

  // Jobs-available notices from one broker, for the partitions it leads.
  class Watch : public grpc::ClientReadReactor<api::JobsAvailable> {
   public:
    Watch(CommandApiLoad* load, api::BrokerApi::Stub* stub) : load_(load) {
      load_->calls_.Add();
      stub->async()->WatchJobsAvailable(&context_, &request_, this);
      StartRead(&notice_);
      StartCall();
    }
    void Cancel() { context_.TryCancel(); }
    void OnReadDone(bool ok) override {
      if (!ok) return;
      const auto& types = notice_.job_types();
      if (std::find(types.begin(), types.end(), load_->job_type_) != types.end()) {
        load_->Wake(notice_.partition_id());
      }
      StartRead(&notice_);
    }
    void OnDone(const grpc::Status&) override { load_->calls_.Done(); }

   private:
    CommandApiLoad* load_;
    grpc::ClientContext context_;
    api::WatchJobsAvailableRequest request_;
    api::JobsAvailable notice_;
  };

  void Wake(int32_t partition) {
    if (partition < 1 || partition > partitions_) return;
    Worker& w = workers_[partition];
    {
      std::lock_guard lock(w.mu);
      if (!w.idle) {
        w.notified = true;
        return;
      }
      w.idle = false;
      w.generation++;
    }
    Activate(partition);
  }

  // After an empty activation: activates again at once if notified since,
  // otherwise when notified or after the back-off, whichever comes first.
  void WaitForJobs(int32_t partition) {
    Worker& w = workers_[partition];
    uint64_t generation = 0;
    std::chrono::milliseconds wait{0};
    bool notified;
    {
      std::lock_guard lock(w.mu);
      notified = std::exchange(w.notified, false);
      if (!notified) {
        w.idle = true;
        generation = ++w.generation;
        w.wait = wait = std::min<std::chrono::milliseconds>(std::max(w.wait * 2, 100ms), 1000ms);
      }
    }
    if (notified) {
      Activate(partition);
      return;
    }
    calls_.Add();
    delayer_.After(wait, [this, partition, generation] {
      Worker& w = workers_[partition];
      bool due;
      {
        std::lock_guard lock(w.mu);
        due = w.idle && w.generation == generation;
        if (due) w.idle = false;
      }
      if (due) Activate(partition);
      calls_.Done();
    });
  }

  void Activate(int32_t partition) {
    if (stop_) return;
    record::fb::JobBatchRecordT batch;
    batch.type = job_type_;
    batch.worker = "bench";
    batch.timeout = 30000;
    batch.max_jobs_to_activate = kMaxJobs;
    batch.tenant_ids = {"<default>"};
    {
      Worker& w = workers_[partition];
      std::lock_guard lock(w.mu);
      w.notified = false;
    }
    calls_.Add();
    Send(partition, record::Command(record::JobBatchIntent::kActivate, std::move(batch)),
         [this, partition](const record::fb::RecordT* answer) {
           const record::fb::JobBatchRecordT* jobs =
               answer ? answer->typed_value.AsJobBatchRecord() : nullptr;
           if (jobs == nullptr || jobs->job_keys.empty()) {
             WaitForJobs(partition);
             calls_.Done();
             return;
           }
           {
             Worker& w = workers_[partition];
             std::lock_guard lock(w.mu);
             w.wait = 50ms;  // the next back-off: 100 ms
           }
           const bool full = static_cast<int32_t>(jobs->job_keys.size()) >= kMaxJobs;
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
           if (full) {
             Activate(partition);
           } else {
             WaitForJobs(partition);
           }
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
  std::vector<Worker> workers_;  // by partition id
  std::vector<std::unique_ptr<Watch>> watches_;
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
