// Commands: gateway requests as broker command records, and the broker's
// answer records as gateway responses. Pure mapping, no I/O: each request
// kind has a BuildCommand overload (validates, names the bad field on
// INVALID_ARGUMENT) and each response kind a MapResponse overload. The
// command conventions are Zeebe's broker requests (docs/gateway.md).
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/record/record_generated.h"
#include "common/record/value_type.h"
#include "gateway/proto/gateway.pb.h"

namespace waggle::gateway {

namespace gw = ::gateway_protocol;

// Where a command goes.
struct Route {
  enum class Kind {
    kPartition,       // `partition`: deployments (1) and requests carrying a key
    kRoundRobin,      // any partition with a leader, the next on NOT_LEADER/backpressure
    kCorrelationKey,  // the partition of `correlation_key` (routing.h)
  };
  Kind kind = Kind::kRoundRobin;
  int32_t partition = 0;
  std::string correlation_key;
};

struct Command {
  Route route;
  record::fb::RecordT record;  // record_type COMMAND
  // How long the broker may take; zero: the gateway's request timeout.
  std::chrono::milliseconds timeout{0};
};

// The request timeout of a request that states none.
inline constexpr std::chrono::milliseconds kDefaultRequestTimeout{15000};

grpc::Status BuildCommand(const gw::DeployResourceRequest& request, Command* command);
grpc::Status BuildCommand(const gw::DeployProcessRequest& request, Command* command);
grpc::Status BuildCommand(const gw::CreateProcessInstanceRequest& request, Command* command);
grpc::Status BuildCommand(const gw::CreateProcessInstanceWithResultRequest& request,
                          Command* command);
grpc::Status BuildCommand(const gw::CancelProcessInstanceRequest& request, Command* command);
grpc::Status BuildCommand(const gw::CompleteJobRequest& request, Command* command);
grpc::Status BuildCommand(const gw::FailJobRequest& request, Command* command);
grpc::Status BuildCommand(const gw::ThrowErrorRequest& request, Command* command);
grpc::Status BuildCommand(const gw::UpdateJobRetriesRequest& request, Command* command);
grpc::Status BuildCommand(const gw::UpdateJobTimeoutRequest& request, Command* command);
grpc::Status BuildCommand(const gw::PublishMessageRequest& request, Command* command);
grpc::Status BuildCommand(const gw::SetVariablesRequest& request, Command* command);
grpc::Status BuildCommand(const gw::ResolveIncidentRequest& request, Command* command);

// ActivateJobs: checks the request (type, timeout, maxJobsToActivate).
grpc::Status ValidateActivateJobs(const gw::ActivateJobsRequest& request);
// JOB_BATCH ACTIVATE for up to `max_jobs` jobs on one partition.
// REQUIRES: ValidateActivateJobs(request).ok()
record::fb::RecordT ActivateJobsCommand(const gw::ActivateJobsRequest& request, int32_t max_jobs);
// JOB FAIL with the job's retries unchanged: gives back a job that could not
// be delivered to the worker.
record::fb::RecordT GiveBackJobCommand(int64_t job_key, int32_t retries, std::string_view reason);

// OK when `answer` is an event of `type`; the mapped rejection when it is a
// rejection; INTERNAL otherwise. A rejection reads
// "Command '<INTENT>' rejected with code '<TYPE>': <reason>".
grpc::Status CheckAnswer(const record::fb::RecordT& answer, record::ValueType type);

// REQUIRES: CheckAnswer(answer, <the request's value type>).ok()
void MapResponse(const record::fb::RecordT& answer, gw::DeployResourceResponse* response);
void MapResponse(const record::fb::RecordT& answer, gw::DeployProcessResponse* response);
void MapResponse(const record::fb::RecordT& answer, gw::CreateProcessInstanceResponse* response);
void MapResponse(const record::fb::RecordT& answer,
                 gw::CreateProcessInstanceWithResultResponse* response);
void MapResponse(const record::fb::RecordT& answer, gw::PublishMessageResponse* response);
void MapResponse(const record::fb::RecordT& answer, gw::SetVariablesResponse* response);
// Responses without fields (CompleteJob, FailJob, CancelProcessInstance, ...).
template <typename Response>
void MapResponse(const record::fb::RecordT&, Response*) {}

// The jobs of a JOB_BATCH ACTIVATED answer. REQUIRES: CheckAnswer(answer, kJobBatch).ok()
void MapActivatedJobs(const record::fb::RecordT& answer, gw::ActivateJobsResponse* response);

// The value type of a command, for CheckAnswer.
inline record::ValueType ValueTypeOf(const Command& command) {
  return static_cast<record::ValueType>(command.record.value_type);
}

}  // namespace waggle::gateway
