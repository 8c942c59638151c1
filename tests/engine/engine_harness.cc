#include "tests/engine/engine_harness.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/record/codec.h"
#include "common/record/record_type.h"

namespace waggle::engine::testing {

using record::RecordType;
using record::ValueType;
using record::fb::RecordT;

namespace {

std::vector<uint8_t> Bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

void Check(const Status& status, const char* what) {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.ToString());
}

}  // namespace

std::string FixturePath(const std::string& name) {
  return std::string(WAGGLE_BPMN_FIXTURES) + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

EngineHarness::EngineHarness(int32_t partition_count) {
  for (int32_t id = 1; id <= partition_count; ++id) {
    auto partition = std::make_unique<Partition>();
    partition->dir = std::make_unique<state::TempDir>();
    state::StateStoreOptions options;
    options.sync_writes = false;
    auto store = state::StateStore::Open(partition->dir->Path("state"), options);
    Check(store.status(), "open store");
    partition->store = std::move(*store);
    EngineOptions engine_options;
    engine_options.partition_id = id;
    engine_options.partition_count = partition_count;
    auto engine = Engine::Open(partition->store.get(), engine_options);
    Check(engine.status(), "open engine");
    partition->engine = std::move(*engine);
    partitions_.push_back(std::move(partition));
  }
}

EngineHarness::~EngineHarness() = default;

int64_t EngineHarness::Append(int32_t partition_id, RecordT record) {
  Partition& partition = *partitions_.at(partition_id - 1);
  record.position = static_cast<int64_t>(partition.log.size()) + 1;
  record.partition_id = partition_id;
  if (record.timestamp < 0) record.timestamp = now_;
  partition.log.push_back(record::EncodeRecord(record));
  return record.position;
}

bool EngineHarness::Step(int32_t partition_id) {
  Partition& partition = *partitions_.at(partition_id - 1);
  if (partition.processed_up_to >= partition.log.size()) return false;
  const std::string bytes = partition.log[partition.processed_up_to++];
  record::AlignedBytes aligned(bytes);
  auto decoded = record::VerifyRecord(aligned.view());
  Check(decoded.status(), "verify log record");
  const record::fb::Record& record = **decoded;
  if (record.record_type() != static_cast<uint8_t>(RecordType::kCommand) || record.processed()) {
    return true;
  }
  auto result = partition.engine->ProcessCommand(record, record.position());
  Check(result.status(), "process command");
  const int64_t first = static_cast<int64_t>(partition.log.size()) + 1;
  for (OutputRecord& output : result->records) {
    output.record.source_record_position =
        output.source_index < 0 ? record.position() : first + output.source_index;
    Append(partition_id, std::move(output.record));
  }
  for (Response& response : result->responses) {
    responses_[response.request_id] = std::move(response.record);
  }
  for (PartitionCommand& command : result->outgoing) {
    if (!deliver_outgoing_) continue;
    command.command.timestamp = -1;
    Append(command.partition_id, std::move(command.command));
  }
  return true;
}

void EngineHarness::RunToIdle() {
  bool progress = true;
  while (progress) {
    progress = false;
    for (int32_t id = 1; id <= static_cast<int32_t>(partitions_.size()); ++id) {
      while (Step(id)) progress = true;
    }
  }
}

std::optional<RecordT> EngineHarness::Execute(RecordT command, int32_t partition) {
  const int64_t request_id = next_request_id_++;
  command.request_stream_id = 1;
  command.request_id = request_id;
  command.timestamp = now_;
  Append(partition, std::move(command));
  RunToIdle();
  auto it = responses_.find(request_id);
  if (it == responses_.end()) return std::nullopt;
  return it->second;
}

void EngineHarness::AdvanceTime(int64_t millis) {
  now_ += millis;
  for (int32_t id = 1; id <= static_cast<int32_t>(partitions_.size()); ++id) {
    for (RecordT& command : engine(id).DueCommands(now_, 1000)) Append(id, std::move(command));
  }
  RunToIdle();
}

namespace {

RecordT Require(std::optional<RecordT> response, const char* what) {
  if (!response) throw std::runtime_error(std::string("no response to ") + what);
  return std::move(*response);
}

}  // namespace

RecordT EngineHarness::Deploy(const std::string& resource_name, const std::string& xml) {
  record::fb::DeploymentRecordT deployment;
  auto resource = std::make_unique<record::fb::DeploymentResourceT>();
  resource->resource_name = resource_name;
  resource->resource = Bytes(xml);
  deployment.resources.push_back(std::move(resource));
  return Require(Execute(Command(record::DeploymentIntent::kCreate, std::move(deployment))),
                 "deploy");
}

RecordT EngineHarness::DeployFile(const std::string& path) {
  return Deploy(path.substr(path.find_last_of('/') + 1), ReadFile(path));
}

RecordT EngineHarness::CreateInstance(const std::string& process_id,
                                      const nlohmann::json& variables, int32_t partition) {
  record::fb::ProcessInstanceCreationRecordT creation;
  creation.bpmn_process_id = process_id;
  creation.variables = variables.dump();
  return Require(
      Execute(Command(record::ProcessInstanceCreationIntent::kCreate, std::move(creation)),
              partition),
      "create instance");
}

std::optional<RecordT> EngineHarness::CreateInstanceWithResult(
    const std::string& process_id, const nlohmann::json& variables,
    const std::vector<std::string>& fetch) {
  record::fb::ProcessInstanceCreationRecordT creation;
  creation.bpmn_process_id = process_id;
  creation.variables = variables.dump();
  creation.fetch_variables = fetch;
  return Execute(Command(record::ProcessInstanceCreationIntent::kCreateWithAwaitingResult,
                         std::move(creation)));
}

RecordT EngineHarness::ActivateJobs(const std::string& type, int32_t max_jobs, int32_t partition,
                                    int64_t timeout_ms, const std::vector<std::string>& fetch) {
  record::fb::JobBatchRecordT batch;
  batch.type = type;
  batch.worker = "test-worker";
  batch.timeout = timeout_ms;
  batch.max_jobs_to_activate = max_jobs;
  batch.fetch_variables = fetch;
  return Require(Execute(Command(record::JobBatchIntent::kActivate, std::move(batch)), partition),
                 "activate jobs");
}

RecordT EngineHarness::CompleteJob(int64_t job_key, const nlohmann::json& variables) {
  record::fb::JobRecordT job;
  job.variables = variables.dump();
  return Require(Execute(Command(record::JobIntent::kComplete, std::move(job), job_key),
                         record::PartitionOf(job_key)),
                 "complete job");
}

RecordT EngineHarness::FailJob(int64_t job_key, int32_t retries, const std::string& message,
                               int64_t backoff_ms) {
  record::fb::JobRecordT job;
  job.retries = retries;
  job.error_message = message;
  job.retry_backoff = backoff_ms;
  return Require(Execute(Command(record::JobIntent::kFail, std::move(job), job_key),
                         record::PartitionOf(job_key)),
                 "fail job");
}

RecordT EngineHarness::UpdateJobRetries(int64_t job_key, int32_t retries) {
  record::fb::JobRecordT job;
  job.retries = retries;
  return Require(Execute(Command(record::JobIntent::kUpdateRetries, std::move(job), job_key),
                         record::PartitionOf(job_key)),
                 "update retries");
}

RecordT EngineHarness::CancelInstance(int64_t process_instance_key) {
  record::fb::ProcessInstanceRecordT instance;
  instance.process_instance_key = process_instance_key;
  return Require(Execute(Command(record::ProcessInstanceIntent::kCancel, std::move(instance),
                                 process_instance_key),
                         record::PartitionOf(process_instance_key)),
                 "cancel");
}

RecordT EngineHarness::SetVariables(int64_t scope_key, const nlohmann::json& variables,
                                    bool local) {
  record::fb::VariableDocumentRecordT document;
  document.scope_key = scope_key;
  document.variables = variables.dump();
  document.update_semantics = local ? record::fb::VariableDocumentUpdateSemantic::LOCAL
                                    : record::fb::VariableDocumentUpdateSemantic::PROPAGATE;
  return Require(Execute(Command(record::VariableDocumentIntent::kUpdate, std::move(document)),
                         record::PartitionOf(scope_key)),
                 "set variables");
}

RecordT EngineHarness::ResolveIncident(int64_t incident_key) {
  return Require(Execute(Command(record::IncidentIntent::kResolve, record::fb::IncidentRecordT(),
                                 incident_key),
                         record::PartitionOf(incident_key)),
                 "resolve incident");
}

std::vector<RecordT> EngineHarness::Records(int32_t partition) const {
  std::vector<RecordT> records;
  for (const std::string& bytes : partitions_.at(partition - 1)->log) {
    auto decoded = record::DecodeRecord(bytes);
    Check(decoded.status(), "decode log record");
    records.push_back(std::move(*decoded));
  }
  return records;
}

std::vector<RecordT> EngineHarness::Events(ValueType type, int32_t partition) const {
  std::vector<RecordT> events;
  for (RecordT& record : Records(partition)) {
    if (record.value_type == static_cast<uint8_t>(type) &&
        record.record_type == static_cast<uint8_t>(RecordType::kEvent)) {
      events.push_back(std::move(record));
    }
  }
  return events;
}

std::vector<std::string> EngineHarness::InstanceTrace(int64_t process_instance_key,
                                                      int32_t partition) const {
  std::vector<std::string> trace;
  for (const RecordT& event : Events(ValueType::kProcessInstance, partition)) {
    const auto* value = event.typed_value.AsProcessInstanceRecord();
    if (value->process_instance_key != process_instance_key) continue;
    trace.push_back(value->element_id + ":" +
                    std::string(*record::IntentName(ValueType::kProcessInstance, event.intent)));
  }
  return trace;
}

bool EngineHarness::IsCompleted(int64_t process_instance_key, int32_t partition) const {
  for (const RecordT& event : Events(ValueType::kProcessInstance,
                                     record::ProcessInstanceIntent::kElementCompleted, partition)) {
    if (event.key == process_instance_key) return true;
  }
  return false;
}

bool EngineHarness::IsTerminated(int64_t process_instance_key, int32_t partition) const {
  for (const RecordT& event :
       Events(ValueType::kProcessInstance, record::ProcessInstanceIntent::kElementTerminated,
              partition)) {
    if (event.key == process_instance_key) return true;
  }
  return false;
}

namespace {

std::map<std::string, std::string> Entries(state::StateStore& store) {
  std::map<std::string, std::string> entries;
  Check(store.ForEachEntry([&](std::string_view key, std::string_view value) {
    if (!key.empty() && static_cast<uint8_t>(key[0]) !=
                            static_cast<uint8_t>(state::ColumnFamily::kLastProcessedPosition)) {
      entries.emplace(key, value);
    }
    return true;
  }),
        "read state");
  return entries;
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

std::string EngineHarness::ReplayDifference() const {
  for (size_t i = 0; i < partitions_.size(); ++i) {
    const Partition& partition = *partitions_[i];
    state::TempDir dir;
    state::StateStoreOptions options;
    options.sync_writes = false;
    auto store = state::StateStore::Open(dir.Path("replay"), options);
    Check(store.status(), "open replay store");
    EngineOptions engine_options;
    engine_options.partition_id = static_cast<int32_t>(i) + 1;
    engine_options.partition_count = static_cast<int32_t>(partitions_.size());
    auto engine = Engine::Open(store->get(), engine_options);
    Check(engine.status(), "open replay engine");
    for (const std::string& bytes : partition.log) {
      record::AlignedBytes aligned(bytes);
      auto record = record::VerifyRecord(aligned.view());
      Check(record.status(), "verify");
      Check((*engine)->Replay(**record, (*record)->position()), "replay");
    }
    auto processed = Entries(*partition.store);
    auto replayed = Entries(**store);
    for (const auto& [key, value] : processed) {
      auto it = replayed.find(key);
      if (it == replayed.end()) {
        return "partition " + std::to_string(i + 1) + ": replay lacks key " + Hex(key);
      }
      if (it->second != value) {
        return "partition " + std::to_string(i + 1) + ": replay differs at key " + Hex(key);
      }
    }
    for (const auto& [key, value] : replayed) {
      if (!processed.count(key)) {
        return "partition " + std::to_string(i + 1) + ": replay has extra key " + Hex(key);
      }
    }
  }
  return "";
}

}  // namespace waggle::engine::testing
