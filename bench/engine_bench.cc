// engine_bench: the engine alone, in-process, one partition, no replication,
// LevelDB without sync, one thread. A plain program (not a test): it prints
// figures; docs/benchmarks.md records them.
//
// Processing: deploys start -> service task -> end, then runs instances in
// rounds of --batch: create each instance, activate the round's jobs in
// batches of up to 100, complete each job. Every command goes through
// Engine::ProcessCommand as a partition would send it (encoded, verified),
// and every record it writes is encoded into an in-memory log, as the
// partition would append it. Reports completed process instances per second.
//
// Replay: a fresh store and engine replay that whole log (Engine::Replay per
// record, as a follower does). Reports records and events per second.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/record/codec.h"
#include "common/record/command.h"
#include "common/record/intent.h"
#include "common/record/record_type.h"
#include "engine/engine.h"
#include "engine/state/state_store.h"

namespace waggle {
namespace {

using Clock = std::chrono::steady_clock;
using record::fb::RecordT;

constexpr char kProcess[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements>
      <zeebe:taskDefinition type="bench-work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>)";

struct Flags {
  int instances = 20000;
  int batch = 500;
  int replay_batch = 16;
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (arg == "--instances") {
      flags.instances = value();
    } else if (arg == "--batch") {
      flags.batch = value();
    } else if (arg == "--replay-batch") {
      flags.replay_batch = value();
    } else {
      std::fprintf(stderr, "usage: engine_bench [--instances N] [--batch N] [--replay-batch N]\n");
      std::exit(2);
    }
  }
  if (flags.instances < 1 || flags.batch < 1 || flags.replay_batch < 1) {
    std::fprintf(stderr, "--instances, --batch and --replay-batch must be positive\n");
    std::exit(2);
  }
  return flags;
}

void Die(const Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

// One partition's log and engine, driven like a leader.
class Partition {
 public:
  explicit Partition(engine::Engine* engine) : engine_(engine) {}

  // Appends and processes a command; returns the processing result.
  engine::ProcessingResult Execute(RecordT command) {
    command.position = ++position_;
    command.timestamp = now_;
    command.request_id = position_;
    command.request_stream_id = 1;
    log_.push_back(record::EncodeRecord(command));
    record::AlignedBytes aligned(log_.back());
    auto verified = record::VerifyRecord(aligned.view());
    Die(verified.status(), "verify command");
    auto result = engine_->ProcessCommand(**verified, command.position);
    Die(result.status(), "process");
    const int64_t source = command.position;
    const int64_t first = position_ + 1;
    for (auto& output : result->records) {
      output.record.position = ++position_;
      output.record.source_record_position =
          output.source_index < 0 ? source : first + output.source_index;
      log_.push_back(record::EncodeRecord(output.record));
    }
    return std::move(*result);
  }

  const std::vector<std::string>& log() const { return log_; }

 private:
  engine::Engine* engine_;
  int64_t position_ = 0;
  int64_t now_ = 1'700'000'000'000;
  std::vector<std::string> log_;
};

using record::Command;

std::unique_ptr<engine::state::StateStore> OpenStore(const std::string& dir) {
  engine::state::StateStoreOptions options;
  options.sync_writes = false;
  auto store = engine::state::StateStore::Open(dir, options);
  Die(store.status(), "open store");
  return std::move(*store);
}

std::unique_ptr<engine::Engine> OpenEngine(engine::state::StateStore* store) {
  auto engine = engine::Engine::Open(store, engine::EngineOptions{});
  Die(engine.status(), "open engine");
  return std::move(*engine);
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this thread (the engine's), which other load on the machine
// does not inflate; LevelDB's background compaction runs on its own thread.
double ThreadCpuSeconds() {
  timespec now;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

int Run(const Flags& flags) {
  char pattern[] = "/tmp/waggle_engine_bench_XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  auto store = OpenStore(dir + "/processing");
  auto engine = OpenEngine(store.get());
  Partition partition(engine.get());

  record::fb::DeploymentRecordT deployment;
  auto resource = std::make_unique<record::fb::DeploymentResourceT>();
  resource->resource_name = "bench.bpmn";
  resource->resource.assign(kProcess, kProcess + sizeof(kProcess) - 1);
  deployment.resources.push_back(std::move(resource));
  partition.Execute(Command(record::DeploymentIntent::kCreate, std::move(deployment)));

  const auto start = Clock::now();
  const double start_cpu = ThreadCpuSeconds();
  int completed_instances = 0;
  size_t commands = 0;
  while (completed_instances < flags.instances) {
    const int round = std::min(flags.batch, flags.instances - completed_instances);
    for (int i = 0; i < round; ++i) {
      record::fb::ProcessInstanceCreationRecordT creation;
      creation.bpmn_process_id = "bench";
      creation.variables = R"({"orderId":12345,"amount":99.5})";
      partition.Execute(Command(record::ProcessInstanceCreationIntent::kCreate, creation));
      ++commands;
    }
    int activated = 0;
    while (activated < round) {
      record::fb::JobBatchRecordT batch;
      batch.type = "bench-work";
      batch.worker = "bench";
      batch.timeout = 60000;
      batch.max_jobs_to_activate = std::min(100, round - activated);
      auto result = partition.Execute(Command(record::JobBatchIntent::kActivate, batch));
      ++commands;
      const auto* jobs = result.responses.at(0).record.typed_value.AsJobBatchRecord();
      if (jobs == nullptr || jobs->job_keys.empty()) {
        std::fprintf(stderr, "no jobs to activate\n");
        return 1;
      }
      for (int64_t key : jobs->job_keys) {
        record::fb::JobRecordT job;
        job.variables = R"({"done":true})";
        partition.Execute(Command(record::JobIntent::kComplete, job, key));
        ++commands;
      }
      activated += static_cast<int>(jobs->job_keys.size());
    }
    completed_instances += round;
  }
  const double processing_seconds = Seconds(start);
  const double processing_cpu = ThreadCpuSeconds() - start_cpu;
  const size_t records = partition.log().size();

  auto replay_store = OpenStore(dir + "/replay");
  auto replay_engine = OpenEngine(replay_store.get());
  // A follower replays what each log entry holds in one call; here an
  // "entry" is --replay-batch consecutive records.
  size_t events = 0;
  const auto replay_start = Clock::now();
  const double replay_start_cpu = ThreadCpuSeconds();
  std::vector<record::AlignedBytes> aligned;
  std::vector<const record::fb::Record*> batch;
  aligned.reserve(flags.replay_batch);  // views into it must stay valid
  for (size_t i = 0; i < partition.log().size(); ++i) {
    aligned.emplace_back(partition.log()[i]);
    auto record = record::VerifyRecord(aligned.back().view());
    Die(record.status(), "verify log record");
    events += (*record)->record_type() == static_cast<uint8_t>(record::RecordType::kEvent);
    batch.push_back(*record);
    if (batch.size() == static_cast<size_t>(flags.replay_batch) ||
        i + 1 == partition.log().size()) {
      Die(replay_engine->Replay(batch), "replay");
      batch.clear();
      aligned.clear();
    }
  }
  const double replay_seconds = Seconds(replay_start);
  const double replay_cpu = ThreadCpuSeconds() - replay_start_cpu;

  std::printf("processing: %d instances, %zu client commands, %zu records in %.2f s (%.2f s CPU)\n",
              completed_instances, commands, records, processing_seconds, processing_cpu);
  std::printf("  %.0f completed process instances/s (target 10000), %.0f per CPU second\n",
              completed_instances / processing_seconds, completed_instances / processing_cpu);
  std::printf("  %.0f records written/s, %.1f records per instance\n", records / processing_seconds,
              static_cast<double>(records) / completed_instances);
  std::printf("replay: %zu records (%zu events) in %.2f s (%.2f s CPU)\n", records, events,
              replay_seconds, replay_cpu);
  std::printf("  %.0f events/s (target 500000), %.0f per CPU second, %.0f records/s\n",
              events / replay_seconds, events / replay_cpu, records / replay_seconds);
  // Closed first: LevelDB's compaction thread may still be deleting files.
  replay_engine.reset();
  replay_store.reset();
  engine.reset();
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace waggle

int main(int argc, char** argv) {
  return waggle::Run(waggle::ParseFlags(argc, argv));
}
