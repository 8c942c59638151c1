// FakeBroker: an in-process BrokerApi server standing in for a broker in the
// gateway tests. It records every command it receives, answers each with
// what the test's handler returns, reports a topology set by the test, and
// sends JobsAvailable notices on demand.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/protocol/broker_api.grpc.pb.h"
#include "common/record/record_generated.h"

namespace waggle::gateway::test {

namespace api = waggle::broker_api;

struct ReceivedCommand {
  int32_t partition_id;
  record::fb::RecordT command;
};

class FakeBroker {
 public:
  // nullopt: never answer (the call stays open until the broker stops).
  using Handler =
      std::function<std::optional<api::ExecuteCommandResponse>(const ReceivedCommand& received)>;

  explicit FakeBroker(int32_t node_id);
  ~FakeBroker();

  void Start();
  void Stop();

  int32_t node_id() const { return node_id_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void SetHandler(Handler handler);
  void SetTopology(const api::Topology& topology);
  std::vector<ReceivedCommand> received() const;
  // Sends a notice on every open WatchJobsAvailable stream.
  void NotifyJobsAvailable(int32_t partition_id, const std::vector<std::string>& types);
  size_t watchers() const;

 private:
  class Service;

  const int32_t node_id_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Answers with `answer` encoded as the RECORD outcome.
api::ExecuteCommandResponse RecordReply(const record::fb::RecordT& answer);
// An event answering `command`: same value type and key, the given intent
// and value.
record::fb::RecordT EventFor(const record::fb::RecordT& command, uint8_t intent);
// A rejection of `command`.
record::fb::RecordT RejectionOf(const record::fb::RecordT& command, uint8_t rejection_type,
                                const std::string& reason);

// A topology of `partitions` partitions over `brokers` (node id, port) where
// leaders[p-1] is the node id leading partition p (-1: none), all in `term`.
api::Topology MakeTopology(const std::vector<std::pair<int32_t, int>>& brokers,
                           const std::vector<int32_t>& leaders, int64_t term);

}  // namespace waggle::gateway::test

namespace waggle::gateway::test {

// Answers commands as the engine will (success events with made-up keys):
// DEPLOYMENT CREATED with process metadata per resource (key 1/100, process
// keys 1/101...), PROCESS_INSTANCE_CREATION CREATED (instance key p/200),
// PROCESS_INSTANCE_RESULT COMPLETED with variables {"done":true}, MESSAGE
// PUBLISHED (key p/300), VARIABLE_DOCUMENT UPDATED (key p/400), JOB_BATCH
// ACTIVATED without jobs, and the matching event for job, cancel and
// incident commands.
std::optional<api::ExecuteCommandResponse> EngineLikeAnswer(const ReceivedCommand& received);

}  // namespace waggle::gateway::test
