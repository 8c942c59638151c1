// cluster_bench: a local waggle cluster of real processes (3 brokers, 3
// partitions, replication factor 3, fsync on) driven through the brokers'
// command API in the style of Zeebe's starter and worker: instances of a
// one-service-task process (docs/examples/one-task.bpmn) started at a fixed
// rate, their jobs activated and completed by a worker per partition.
//
//   cluster_bench [--rate N] [--seconds N] [--max-inflight N] [--fsync on|off]
//
// Prints: time to ready, completed instances/s, start-to-end latency
// (creation sent -> job completion acknowledged, the instance's last step)
// p50/p99, each broker's RSS and CPU, and the time to ready after a restart.
// Not a test: run by hand (docs/benchmarks.md).
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/protocol/broker_api.grpc.pb.h"
#include "common/record/codec.h"
#include "common/record/command.h"
#include "tests/process/cluster_processes.h"

namespace waggle {
namespace {

namespace api = waggle::broker_api;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  int rate = 1000;
  int seconds = 20;
  int max_inflight = 2000;  // instances started and not yet completed
  bool fsync = true;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (arg == "--rate") {
      o.rate = std::stoi(value());
    } else if (arg == "--seconds") {
      o.seconds = std::stoi(value());
    } else if (arg == "--max-inflight") {
      o.max_inflight = std::stoi(value());
    } else if (arg == "--fsync") {
      o.fsync = value() == "on";
    } else {
      std::fprintf(stderr,
                   "usage: cluster_bench [--rate N] [--seconds N] [--max-inflight N] "
                   "[--fsync on|off]\n");
      std::exit(2);
    }
  }
  return o;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "cluster_bench: %s\n", what.c_str());
  std::exit(1);
}

// Per-process figures from /proc.
struct ProcessUsage {
  double cpu_seconds = 0;
  double rss_mib = 0;
};

ProcessUsage UsageOf(pid_t pid) {
  ProcessUsage usage;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return usage;
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int field = 3; field <= 13; ++field) fields >> skip;
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  usage.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) usage.rss_mib = std::stod(line.substr(6)) / 1024.0;
  }
  return usage;
}

// Runs functions after a delay on a thread of its own, so that gRPC's
// callback threads never sleep.
class Delayer {
 public:
  Delayer() : thread_([this] { Run(); }) {}
  ~Delayer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void After(std::chrono::milliseconds delay, std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      queue_.emplace(Clock::now() + delay, std::move(fn));
    }
    wake_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (queue_.empty()) {
        wake_.wait(lock);
        continue;
      }
      auto first = queue_.begin();
      if (first->first > Clock::now()) {
        wake_.wait_until(lock, first->first);
        continue;
      }
      std::function<void()> fn = std::move(first->second);
      queue_.erase(first);
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// Sends commands to partition leaders through the command API, asynchronously
// (gRPC's callback API), following not-leader answers.
class CommandSender {
 public:
  explicit CommandSender(const std::string& addresses) {
    std::stringstream list(addresses);
    for (std::string address; std::getline(list, address, ',');) {
      stubs_.push_back(api::BrokerApi::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
    }
  }

  using Done = std::function<void(const record::fb::RecordT* answer)>;

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

 private:
  std::vector<std::unique_ptr<api::BrokerApi::Stub>> stubs_;
  std::vector<std::atomic<int>> leaders_ = std::vector<std::atomic<int>>(4);

 public:
  Delayer delayer_;
};

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

int Run(const Options& options) {
  test_processes::ClusterOptions cluster_options;
  cluster_options.waggle_binary = WAGGLE_BINARY;
  cluster_options.broker_flags = {std::string("--data.fsync=") + (options.fsync ? "true" : "false"),
                                  "--data.disk.freeSpace.processing=64MB",
                                  "--data.disk.freeSpace.replication=32MB"};
  auto cluster = test_processes::ClusterProcesses::Create(cluster_options);
  if (!cluster.ok()) Die(cluster.status().ToString());
  const auto starting = Clock::now();
  if (Status s = (*cluster)->StartAll(); !s.ok()) Die(s.ToString());
  if (!(*cluster)->WaitForLeaders(30s).ok()) Die("no leader for every partition");
  const double ready_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - starting).count();
  std::printf("ready (a leader per partition) %.0f ms after start, empty data directories\n",
              ready_ms);

  CommandSender sender((*cluster)->command_addresses());
  // Deploy (distributed to every partition), then wait until each has it.
  {
    std::ifstream in(WAGGLE_SOURCE_DIR "/docs/examples/one-task.bpmn");
    std::string bpmn((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    record::fb::DeploymentRecordT deployment;
    auto resource = std::make_unique<record::fb::DeploymentResourceT>();
    resource->resource_name = "one-task.bpmn";
    resource->resource.assign(bpmn.begin(), bpmn.end());
    deployment.resources.push_back(std::move(resource));
    std::promise<bool> deployed;
    sender.Send(1, record::Command(record::DeploymentIntent::kCreate, std::move(deployment)),
                [&](const record::fb::RecordT* answer) { deployed.set_value(answer != nullptr); });
    if (!deployed.get_future().get()) Die("deployment failed");
    std::this_thread::sleep_for(1s);
  }

  std::mutex mu;
  std::map<int64_t, Clock::time_point> started;   // instance key -> creation sent
  std::map<int64_t, Clock::time_point> finished;  // completed before its creation was answered
  std::vector<double> latencies_ms;
  std::atomic<int> inflight{0};
  std::atomic<int64_t> completed{0}, failed{0};
  std::atomic<bool> stop{false};

  // Workers: one activation in flight per partition; each activated job is
  // completed at once.
  std::array<std::chrono::milliseconds, 4> idle_wait{};  // by partition
  std::function<void(int32_t)> activate = [&](int32_t partition) {
    if (stop) return;
    record::fb::JobBatchRecordT batch;
    batch.type = "greet";
    batch.worker = "bench";
    batch.timeout = 30000;
    batch.max_jobs_to_activate = 200;
    batch.tenant_ids = {"<default>"};
    sender.Send(
        partition, record::Command(record::JobBatchIntent::kActivate, std::move(batch)),
        [&, partition](const record::fb::RecordT* answer) {
          const record::fb::JobBatchRecordT* jobs =
              answer ? answer->typed_value.AsJobBatchRecord() : nullptr;
          if (jobs == nullptr || jobs->job_keys.empty()) {
            // Nothing to do: ask again later, backing off from 1 ms to 50 ms
            // (each activation is a command on the log), as a long poll would.
            auto& wait = idle_wait[partition];
            wait = std::min<std::chrono::milliseconds>(std::max(wait * 2, 1ms), 50ms);
            sender.delayer_.After(wait, [&, partition] { activate(partition); });
            return;
          }
          idle_wait[partition] = 0ms;
          {
            for (size_t i = 0; i < jobs->job_keys.size(); ++i) {
              const int64_t instance = jobs->jobs[i]->process_instance_key;
              record::fb::JobRecordT job;
              sender.Send(
                  partition,
                  record::Command(record::JobIntent::kComplete, std::move(job), jobs->job_keys[i]),
                  [&, instance](const record::fb::RecordT* done) {
                    if (done == nullptr) {
                      failed++;
                      return;
                    }
                    std::lock_guard lock(mu);
                    auto it = started.find(instance);
                    if (it == started.end()) {
                      finished[instance] = Clock::now();
                      return;
                    }
                    latencies_ms.push_back(
                        std::chrono::duration<double, std::milli>(Clock::now() - it->second)
                            .count());
                    started.erase(it);
                    completed++;
                    inflight--;
                  });
            }
          }
          activate(partition);
        });
  };
  for (int32_t p = 1; p <= 3; ++p) activate(p);

  std::vector<ProcessUsage> usage_before;
  for (int n = 0; n < 3; ++n) usage_before.push_back(UsageOf((*cluster)->pid(n)));
  const auto begin = Clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / options.rate);
  int64_t sent = 0;
  while (Clock::now() - begin < std::chrono::seconds(options.seconds)) {
    const auto due = begin + std::chrono::duration_cast<Clock::duration>(interval * sent);
    if (due > Clock::now()) std::this_thread::sleep_until(due);
    if (inflight >= options.max_inflight) continue;  // skip: the cluster is behind
    const int32_t partition = static_cast<int32_t>(sent % 3) + 1;
    sent++;
    inflight++;
    record::fb::ProcessInstanceCreationRecordT creation;
    creation.bpmn_process_id = "one-task";
    const auto sent_at = Clock::now();
    sender.Send(
        partition,
        record::Command(record::ProcessInstanceCreationIntent::kCreate, std::move(creation)),
        [&, sent_at](const record::fb::RecordT* answer) {
          if (answer == nullptr) {
            failed++;
            inflight--;
            return;
          }
          const int64_t instance =
              answer->typed_value.AsProcessInstanceCreationRecord()->process_instance_key;
          std::lock_guard lock(mu);
          auto it = finished.find(instance);
          if (it == finished.end()) {
            started[instance] = sent_at;
            return;
          }
          latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(it->second - sent_at).count());
          finished.erase(it);
          completed++;
          inflight--;
        });
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  const int64_t completed_in_run = completed;
  std::vector<ProcessUsage> usage_after;
  for (int n = 0; n < 3; ++n) usage_after.push_back(UsageOf((*cluster)->pid(n)));
  std::this_thread::sleep_for(2s);  // let the last ones finish before stopping
  stop = true;

  std::vector<double> latencies;
  {
    std::lock_guard lock(mu);
    latencies = latencies_ms;
  }
  std::printf(
      "rate %d/s for %ds (fsync %s): started %lld, completed %lld in the run = %.0f/s, "
      "failed %lld\n",
      options.rate, options.seconds, options.fsync ? "on" : "off", static_cast<long long>(sent),
      static_cast<long long>(completed_in_run), static_cast<double>(completed_in_run) / elapsed,
      static_cast<long long>(failed.load()));
  std::printf("start-to-end latency: p50 %.1f ms, p99 %.1f ms (%zu instances)\n",
              Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.size());
  for (int n = 0; n < 3; ++n) {
    std::printf("broker %d: RSS %.1f MiB, CPU %.0f%% of one core\n", n, usage_after[n].rss_mib,
                100.0 * (usage_after[n].cpu_seconds - usage_before[n].cpu_seconds) / elapsed);
  }

  // Restart: broker 0 stopped and started on its data.
  (*cluster)->Signal(0, SIGTERM);
  (*cluster)->WaitExit(0, 20s);
  const auto restarting = Clock::now();
  if (Status s = (*cluster)->StartBroker(0); !s.ok()) Die(s.ToString());
  if (!(*cluster)->WaitForLeaders(60s, 0).ok()) Die("restarted broker 0 never knew every leader");
  std::printf("broker 0 ready %.0f ms after a restart, its log holding %lld instances\n",
              std::chrono::duration<double, std::milli>(Clock::now() - restarting).count(),
              static_cast<long long>(completed.load()));
  return 0;
}

}  // namespace
}  // namespace waggle

int main(int argc, char** argv) {
  return waggle::Run(waggle::ParseOptions(argc, argv));
}
