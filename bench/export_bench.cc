// Export throughput: records/s through an ExporterDirector into the built-in
// exporters, from an in-memory committed log (so the figure is the
// director's and the exporter's cost: verify, filter, render JSON, write).
// A plain program run by hand (docs/benchmarks.md), never by ctest.
//
//   export_bench [--records N] [--redis-port P]
//
// First the director alone (every record filtered out), then the file
// exporter, which writes to a temp dir (flushEveryRecords 1000, no fsync).
// With --redis-port, the Redis exporter writes to a redis-server already
// listening on 127.0.0.1:P (its streams are deleted first).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/record_type.h"
#include "common/record/value_type.h"
#include "exporters/director.h"
#include "exporters/factory.h"
#include "exporters/redis/redis_connection.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;

// Contiguous positions 1..N in memory.
class MemoryLog : public CommittedRecordSource {
 public:
  explicit MemoryLog(int64_t count) {
    for (int64_t p = 1; p <= count; ++p) records_.push_back({p, Make(p)});
  }
  Status ReadAfter(int64_t after, size_t max, std::vector<CommittedRecord>* out) override {
    out->clear();
    for (size_t i = static_cast<size_t>(std::max<int64_t>(after, 0));
         i < records_.size() && out->size() < max; ++i) {
      out->push_back(records_[i]);
    }
    return Status::OK();
  }
  int64_t CommitPosition() const override { return static_cast<int64_t>(records_.size()); }

 private:
  // A process instance event as the engine writes them for a service task,
  // and a job every fourth record.
  static std::string Make(int64_t position) {
    record::fb::RecordT r;
    r.partition_id = 1;
    r.position = position;
    r.source_record_position = position - 1;
    r.key = 2251799813685248 + position;
    r.timestamp = 1700000000000 + position;
    r.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
    r.broker_version = "8.4.0";
    if (position % 4 == 0) {
      r.value_type = static_cast<uint8_t>(record::ValueType::kJob);
      r.intent = record::IntentCode(record::JobIntent::kCreated);
      record::fb::JobRecordT job;
      job.type = "payment-service";
      job.retries = 3;
      job.variables = R"({"orderId":"A-12345","amount":99.5})";
      job.custom_headers = "{}";
      job.bpmn_process_id = "order-process";
      job.element_id = "charge";
      job.process_instance_key = r.key - 3;
      r.typed_value.Set(std::move(job));
    } else {
      r.value_type = static_cast<uint8_t>(record::ValueType::kProcessInstance);
      r.intent = record::IntentCode(record::ProcessInstanceIntent::kElementActivated);
      record::fb::ProcessInstanceRecordT instance;
      instance.bpmn_process_id = "order-process";
      instance.version = 1;
      instance.process_definition_key = 2251799813685249;
      instance.process_instance_key = r.key - 1;
      instance.element_id = "charge";
      instance.flow_scope_key = r.key - 1;
      instance.bpmn_element_type = record::fb::BpmnElementType::SERVICE_TASK;
      r.typed_value.Set(std::move(instance));
    }
    return record::EncodeRecord(r);
  }

  std::vector<CommittedRecord> records_;
};

class NullStore : public ExporterPositionStore {
 public:
  void PositionAdvanced(std::string_view, const ExporterPosition&) override {}
};

struct Rate {
  double per_second;      // wall clock
  double per_cpu_second;  // this process's CPU time (the machine may be shared)
};

// Records/s exporting all of `log` through one exporter of `config`.
Rate Run(MemoryLog& log, const ExporterConfig& config) {
  Result<LoadedExporter> loaded = LoadExporter(config, 1);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    std::exit(1);
  }
  NullStore store;
  ExporterDirector director(&log, &store);
  std::vector<LoadedExporter> exporters;
  exporters.push_back(std::move(*loaded));
  auto start = std::chrono::steady_clock::now();
  std::clock_t cpu_start = std::clock();
  auto now = [&] {
    return std::chrono::duration_cast<TimePoint>(std::chrono::steady_clock::now() - start);
  };
  Status s = director.Open(std::move(exporters), {}, now());
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(1);
  }
  while (director.LowestPosition() != log.CommitPosition()) {
    PollResult r = director.Poll(now());
    if (!r.more && r.wake_up) director.Poll(*r.wake_up);  // do not sleep out the flush tick
    if (!director.Statuses()[0].last_error.ok()) {
      std::fprintf(stderr, "%s\n", director.Statuses()[0].last_error.ToString().c_str());
      std::exit(1);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  double count = static_cast<double>(log.CommitPosition());
  return Rate{count / seconds, count / cpu_seconds};
}

int Main(int argc, char** argv) {
  int64_t records = 500000;
  int redis_port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--records") records = std::atoll(argv[i + 1]);
    if (flag == "--redis-port") redis_port = std::atoi(argv[i + 1]);
  }
  MemoryLog log(records);

  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("waggle-export-bench-" + std::to_string(getpid()));
  // The director alone: read, verify, filter out (nothing reaches the exporter).
  Rate director =
      Run(log, {"none", "file", {{"directory", dir.string()}, {"valueTypes", {"ERROR"}}}});
  std::printf("director only: %lld records, %.0f records/s, %.0f per CPU second\n",
              static_cast<long long>(records), director.per_second, director.per_cpu_second);

  Rate file = Run(log, {"files",
                        "file",
                        {{"directory", dir.string()},
                         {"flushEveryRecords", 1000},
                         {"maxFileBytes", int64_t{1} << 30}}});
  uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) bytes += entry.file_size();
  std::filesystem::remove_all(dir);
  std::printf("file: %lld records, %.0f records/s, %.0f per CPU second, %.1f MB written\n",
              static_cast<long long>(records), file.per_second, file.per_cpu_second, bytes / 1e6);

  if (redis_port != 0) {
    Result<std::unique_ptr<RedisConnection>> redis =
        RedisConnection::Connect("127.0.0.1", redis_port, 2s);
    if (redis.ok()) {
      std::string_view del[] = {"DEL", "zeebe:JOB", "zeebe:PROCESS_INSTANCE",
                                "zeebe:exporter:redis:partition:1"};
      (void)(*redis)->Command(del);
    }
    Rate rate = Run(log, {"redis", "redis", {{"port", redis_port}, {"batchSize", 1000}}});
    std::printf("redis: %lld records, %.0f records/s, %.0f per exporter CPU second\n",
                static_cast<long long>(records), rate.per_second, rate.per_cpu_second);
  }
  return 0;
}

}  // namespace
}  // namespace waggle::exporters

int main(int argc, char** argv) {
  return waggle::exporters::Main(argc, argv);
}
