// An in-process stand-in for partitions: each partition has a log (a vector
// of encoded records), a StateStore in a temp dir and an Engine. The harness
// plays the partition's part: it appends commands with positions and
// timestamps from its own clock, processes unprocessed commands in log
// order, appends the results, delivers commands to other partitions and
// keeps the responses. Replay checks rebuild every partition's state from
// its log alone and compare it with the processing state.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/record/codec.h"
#include "common/record/command.h"
#include "common/record/intent.h"
#include "common/record/key.h"
#include "common/record/record_generated.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"
#include "common/record/value_type.h"
#include "engine/engine.h"
#include "engine/state/state_store.h"
#include "tests/state/temp_dir.h"

namespace waggle::engine::testing {

class EngineHarness {
 public:
  explicit EngineHarness(int32_t partition_count = 1);
  ~EngineHarness();

  // Appends a command (as a client request, with a request id) to
  // `partition`'s log, processes until nothing is left anywhere, and returns
  // the response to it (nullopt when none came).
  std::optional<record::fb::RecordT> Execute(record::fb::RecordT command, int32_t partition = 1);

  // Conveniences over Execute for the usual commands.
  record::fb::RecordT Deploy(const std::string& resource_name, const std::string& xml);
  record::fb::RecordT DeployFile(const std::string& path);
  record::fb::RecordT CreateInstance(const std::string& process_id,
                                     const nlohmann::json& variables = nlohmann::json::object(),
                                     int32_t partition = 1);
  // CreateProcessInstanceWithResult: the response, if the instance completed
  // while the harness processed.
  std::optional<record::fb::RecordT> CreateInstanceWithResult(
      const std::string& process_id, const nlohmann::json& variables,
      const std::vector<std::string>& fetch = {});
  record::fb::RecordT ActivateJobs(const std::string& type, int32_t max_jobs = 10,
                                   int32_t partition = 1, int64_t timeout_ms = 300000,
                                   const std::vector<std::string>& fetch = {});
  record::fb::RecordT CompleteJob(int64_t job_key,
                                  const nlohmann::json& variables = nlohmann::json::object());
  record::fb::RecordT FailJob(int64_t job_key, int32_t retries, const std::string& message,
                              int64_t backoff_ms = 0);
  record::fb::RecordT UpdateJobRetries(int64_t job_key, int32_t retries);
  record::fb::RecordT CancelInstance(int64_t process_instance_key);
  record::fb::RecordT SetVariables(int64_t scope_key, const nlohmann::json& variables,
                                   bool local = false);
  record::fb::RecordT ResolveIncident(int64_t incident_key);

  // Off: commands for other partitions are dropped, as if lost on the way
  // (they stay pending in the sender's Engine::PendingOutgoing).
  void set_deliver_outgoing(bool deliver) { deliver_outgoing_ = deliver; }

  // Moves the clock and appends what became due on every partition.
  void AdvanceTime(int64_t millis);
  int64_t now() const { return now_; }

  // The records of a partition's log, decoded, in position order.
  std::vector<record::fb::RecordT> Records(int32_t partition = 1) const;
  // The events of one value type (and intent) across the log.
  std::vector<record::fb::RecordT> Events(record::ValueType type, int32_t partition = 1) const;
  template <typename Intent>
  std::vector<record::fb::RecordT> Events(record::ValueType type, Intent intent,
                                          int32_t partition = 1) const {
    std::vector<record::fb::RecordT> out;
    for (auto& r : Events(type, partition)) {
      if (r.intent == record::IntentCode(intent)) out.push_back(std::move(r));
    }
    return out;
  }
  // "START_EVENT:ELEMENT_ACTIVATING"-style trace of one process instance's
  // PROCESS_INSTANCE events (element id : intent).
  std::vector<std::string> InstanceTrace(int64_t process_instance_key, int32_t partition = 1) const;
  // Whether the process instance reached ELEMENT_COMPLETED.
  bool IsCompleted(int64_t process_instance_key, int32_t partition = 1) const;
  bool IsTerminated(int64_t process_instance_key, int32_t partition = 1) const;

  // Replays each partition's log into a fresh store and compares the whole
  // state with the processing state, key by key (the last processed position
  // and the key generator included). Returns a description of the first
  // difference, or "".
  std::string ReplayDifference() const;

  Engine& engine(int32_t partition = 1) { return *partitions_.at(partition - 1)->engine; }
  state::StateStore& store(int32_t partition = 1) { return *partitions_.at(partition - 1)->store; }

 private:
  struct Partition {
    std::unique_ptr<state::TempDir> dir;
    std::unique_ptr<state::StateStore> store;
    std::unique_ptr<Engine> engine;
    std::vector<std::string> log;  // encoded records; position = index + 1
    size_t processed_up_to = 0;    // log entries the harness has looked at
  };

  int64_t Append(int32_t partition, record::fb::RecordT record);
  // Processes every partition until no command is left.
  void RunToIdle();
  bool Step(int32_t partition);

  int64_t now_ = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  int64_t next_request_id_ = 1;
  bool deliver_outgoing_ = true;
  std::vector<std::unique_ptr<Partition>> partitions_;
  std::map<int64_t, record::fb::RecordT> responses_;
};

using record::Command;

// The path of a fixture from ../shared/fixtures/bpmn.
std::string FixturePath(const std::string& name);
std::string ReadFile(const std::string& path);

}  // namespace waggle::engine::testing
