// Commands: request validation and command shape, rejection mapping.
#include "gateway/commands.h"

#include <gtest/gtest.h>

#include "common/record/intent.h"
#include "common/record/key.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"

namespace waggle::gateway {
namespace {

namespace fb = record::fb;
using record::RejectionType;

fb::RecordT Rejection(RejectionType type) {
  fb::RecordT r;
  r.record_type = static_cast<uint8_t>(record::RecordType::kCommandRejection);
  r.value_type = static_cast<uint8_t>(record::ValueType::kProcessInstanceCreation);
  r.intent = record::IntentCode(record::ProcessInstanceCreationIntent::kCreate);
  r.rejection_type = static_cast<uint8_t>(type);
  r.rejection_reason = "why";
  return r;
}

TEST(CheckAnswer, MapsEachRejectionTypeLikeZeebe) {
  const std::pair<RejectionType, grpc::StatusCode> cases[] = {
      {RejectionType::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {RejectionType::kNotFound, grpc::StatusCode::NOT_FOUND},
      {RejectionType::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {RejectionType::kInvalidState, grpc::StatusCode::FAILED_PRECONDITION},
      {RejectionType::kProcessingError, grpc::StatusCode::INTERNAL},
      {RejectionType::kExceededBatchRecordSize, grpc::StatusCode::INVALID_ARGUMENT},
  };
  for (const auto& [type, code] : cases) {
    grpc::Status s = CheckAnswer(Rejection(type), record::ValueType::kProcessInstanceCreation);
    EXPECT_EQ(s.error_code(), code);
    EXPECT_EQ(s.error_message(), "Command 'CREATE' rejected with code '" +
                                     std::string(*record::RejectionTypeName(type)) + "': why");
  }
}

TEST(CheckAnswer, AnEventOfAnotherTypeIsInternal) {
  fb::RecordT event;
  event.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
  event.value_type = static_cast<uint8_t>(record::ValueType::kJob);
  EXPECT_TRUE(CheckAnswer(event, record::ValueType::kJob).ok());
  EXPECT_EQ(CheckAnswer(event, record::ValueType::kMessage).error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST(BuildCommand, KeysWithoutAPartitionAreInvalid) {
  Command command;
  gw::CompleteJobRequest request;
  request.set_jobkey(5);  // partition 0
  grpc::Status s = BuildCommand(request, &command);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("'jobKey'"), std::string::npos);
  request.set_jobkey(record::EncodeKey(4, 5));
  ASSERT_TRUE(BuildCommand(request, &command).ok());
  EXPECT_EQ(command.route.kind, Route::Kind::kPartition);
  EXPECT_EQ(command.route.partition, 4);
  EXPECT_EQ(command.record.key, record::EncodeKey(4, 5));
  EXPECT_EQ(command.record.record_type, static_cast<uint8_t>(record::RecordType::kCommand));
}

TEST(BuildCommand, VariablesMustBeAJsonObject) {
  Command command;
  gw::SetVariablesRequest request;
  request.set_elementinstancekey(record::EncodeKey(1, 1));
  for (const char* bad : {"42", "\"text\"", "[]", "null", "{", "{\"a\":}"}) {
    request.set_variables(bad);
    grpc::Status s = BuildCommand(request, &command);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(s.error_message().rfind("Expected argument 'variables' to be a JSON object", 0), 0u)
        << s.error_message();
  }
  for (const char* good : {"", "{}", "{\"a\":[1,{\"b\":null}]}"}) {
    request.set_variables(good);
    EXPECT_TRUE(BuildCommand(request, &command).ok()) << good;
  }
}

TEST(BuildCommand, PublishMessageRoutesByCorrelationKey) {
  Command command;
  gw::PublishMessageRequest request;
  request.set_name("m");
  request.set_correlationkey("k-1");
  ASSERT_TRUE(BuildCommand(request, &command).ok());
  EXPECT_EQ(command.route.kind, Route::Kind::kCorrelationKey);
  EXPECT_EQ(command.route.correlation_key, "k-1");
}

TEST(BuildCommand, CreateWithResultCarriesItsTimeout) {
  Command command;
  gw::CreateProcessInstanceWithResultRequest request;
  request.mutable_request()->set_bpmnprocessid("p");
  request.set_requesttimeout(1234);
  ASSERT_TRUE(BuildCommand(request, &command).ok());
  EXPECT_EQ(command.timeout.count(), 1234);
  EXPECT_EQ(command.route.kind, Route::Kind::kRoundRobin);
  request.set_requesttimeout(-1);
  EXPECT_EQ(BuildCommand(request, &command).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  gw::CreateProcessInstanceWithResultRequest empty;
  EXPECT_EQ(BuildCommand(empty, &command).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(ValidateActivateJobs, NamesTheBadField) {
  gw::ActivateJobsRequest request;
  request.set_type("t");
  request.set_timeout(1);
  request.set_maxjobstoactivate(1);
  EXPECT_TRUE(ValidateActivateJobs(request).ok());
  request.set_maxjobstoactivate(0);
  EXPECT_NE(ValidateActivateJobs(request).error_message().find("'maxJobsToActivate'"),
            std::string::npos);
  request.set_maxjobstoactivate(1);
  request.set_timeout(-1);
  EXPECT_NE(ValidateActivateJobs(request).error_message().find("'timeout'"), std::string::npos);
}

TEST(GiveBackJobCommand, FailsWithRetriesUnchanged) {
  fb::RecordT command = GiveBackJobCommand(record::EncodeKey(2, 9), 3, "undelivered");
  EXPECT_EQ(command.intent, record::IntentCode(record::JobIntent::kFail));
  EXPECT_EQ(command.key, record::EncodeKey(2, 9));
  EXPECT_EQ(command.typed_value.AsJobRecord()->retries, 3);
  EXPECT_EQ(command.typed_value.AsJobRecord()->error_message, "undelivered");
}

}  // namespace
}  // namespace waggle::gateway
