// LoadClient: how cluster_bench reaches the cluster. The starter and the
// workers are the same for every path; only the protocol differs: the
// brokers' command API (bench/command_api_load.h) or Zeebe's gateway
// protocol through `waggle gateway` (bench/gateway_load.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace waggle::bench {

class LoadClient {
 public:
  // The new instance's key, or -1 when creating failed for good.
  using Created = std::function<void(int64_t instance_key)>;
  // For each job completion acknowledged: the job's instance key, or -1 when
  // completing failed for good.
  using Completed = std::function<void(int64_t instance_key)>;

  virtual ~LoadClient() = default;
  // Deploys one BPMN resource and waits until every partition can start it.
  virtual bool Deploy(const std::string& name, const std::string& bpmn) = 0;
  // Starts an instance of the latest version of `process_id`.
  virtual void Create(const std::string& process_id, Created done) = 0;
  // Workers that activate `job_type` jobs and complete each at once.
  virtual void StartWorkers(const std::string& job_type, Completed completed) = 0;
  // Stops the workers and waits until none of their calls is in flight.
  virtual void StopWorkers() = 0;
};

// Counts calls in flight so that StopWorkers can wait for the last one.
class CallCounter {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    count_++;
  }
  void Done() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) zero_.notify_all();
  }
  void WaitForZero() {
    std::unique_lock lock(mu_);
    zero_.wait(lock, [&] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable zero_;
  int64_t count_ = 0;
};

}  // namespace waggle::bench
