// Jobs: activation, completion, failure with retries and back-off,
// incidents when retries run out, time-outs, retries and timeout updates.
#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::JobIntent;
using record::RejectionType;
using record::ValueType;

class JobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto deployed = harness_.Deploy(
        "one.bpmn", BpmnProcess("p", std::string("<bpmn:startEvent id=\"s\" />") +
                                         "<bpmn:serviceTask id=\"task\"><bpmn:extensionElements>"
                                         "<zeebe:taskDefinition type=\"work\" retries=\"2\" />"
                                         "<zeebe:taskHeaders><zeebe:header key=\"k\" "
                                         "value=\"v\" /></zeebe:taskHeaders>"
                                         "</bpmn:extensionElements></bpmn:serviceTask>" +
                                         "<bpmn:endEvent id=\"e\" />" + Flow("f1", "s", "task") +
                                         Flow("f2", "task", "e")));
    ASSERT_EQ(deployed.record_type, static_cast<uint8_t>(record::RecordType::kEvent))
        << deployed.rejection_reason;
  }
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  std::vector<int64_t> Activate(int32_t max = 10, int64_t timeout = 300000) {
    auto batch = harness_.ActivateJobs("work", max, 1, timeout);
    return batch.typed_value.AsJobBatchRecord()->job_keys;
  }

  EngineHarness harness_;
};

TEST_F(JobTest, CreatedJobCarriesRetriesHeadersAndTheElement) {
  harness_.CreateInstance("p");
  auto created = harness_.Events(ValueType::kJob, JobIntent::kCreated);
  ASSERT_EQ(created.size(), 1u);
  const auto* job = created[0].typed_value.AsJobRecord();
  EXPECT_EQ(job->type, "work");
  EXPECT_EQ(job->retries, 2);
  EXPECT_EQ(json::parse(job->custom_headers), json({{"k", "v"}}));
  EXPECT_EQ(job->element_id, "task");
  EXPECT_EQ(job->bpmn_process_id, "p");
}

TEST_F(JobTest, BatchActivationHonoursMaxJobsAndNeverHandsAJobOutTwice) {
  for (int i = 0; i < 5; ++i) harness_.CreateInstance("p", {{"i", i}});
  auto first = Activate(3);
  auto second = Activate(3);
  EXPECT_EQ(first.size(), 3u);
  EXPECT_EQ(second.size(), 2u);
  for (int64_t key : second) EXPECT_EQ(std::count(first.begin(), first.end(), key), 0);
  EXPECT_TRUE(Activate().empty());
}

TEST_F(JobTest, FetchVariablesLimitsWhatTheWorkerGets) {
  harness_.CreateInstance("p", {{"a", 1}, {"b", 2}});
  auto batch = harness_.ActivateJobs("work", 1, 1, 1000, {"b"});
  EXPECT_EQ(json::parse(batch.typed_value.AsJobBatchRecord()->jobs[0]->variables),
            json({{"b", 2}}));
}

TEST_F(JobTest, InvalidActivationIsRejected) {
  auto batch = harness_.ActivateJobs("work", 0);
  EXPECT_EQ(batch.rejection_type, static_cast<uint8_t>(RejectionType::kInvalidArgument));
  EXPECT_NE(batch.rejection_reason.find("max jobs to activate"), std::string::npos);
}

TEST_F(JobTest, FailWithRetriesMakesTheJobActivatableAgain) {
  harness_.CreateInstance("p");
  auto keys = Activate();
  auto failed = harness_.FailJob(keys[0], 1, "boom");
  EXPECT_EQ(failed.intent, record::IntentCode(JobIntent::kFailed));
  EXPECT_EQ(Activate(), keys);
}

TEST_F(JobTest, FailWithBackoffWaitsUntilTheBackoffIsOver) {
  harness_.CreateInstance("p");
  auto keys = Activate();
  harness_.FailJob(keys[0], 1, "later", 5000);
  EXPECT_TRUE(Activate().empty());
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 5000);
  harness_.AdvanceTime(4999);
  EXPECT_TRUE(Activate().empty());
  harness_.AdvanceTime(1);
  EXPECT_EQ(Activate(), keys);
}

TEST_F(JobTest, NoRetriesLeftRaisesAnIncidentResolvedAfterUpdatingRetries) {
  const int64_t instance = harness_.CreateInstance("p").key;
  auto keys = Activate();
  harness_.FailJob(keys[0], 0, "out of luck");
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::JOB_NO_RETRIES);
  EXPECT_EQ(incident->error_message, "out of luck");
  EXPECT_EQ(incident->job_key, keys[0]);
  EXPECT_TRUE(Activate().empty());

  auto early = harness_.ResolveIncident(incidents[0].key);
  EXPECT_EQ(early.rejection_type, static_cast<uint8_t>(RejectionType::kInvalidState));
  harness_.UpdateJobRetries(keys[0], 3);
  harness_.ResolveIncident(incidents[0].key);
  EXPECT_EQ(Activate(), keys);
  harness_.CompleteJob(keys[0]);
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(JobTest, ActivatedJobTimesOutAndCanBeActivatedAgain) {
  harness_.CreateInstance("p");
  auto keys = Activate(1, 10000);
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 10000);
  harness_.AdvanceTime(10000);
  EXPECT_EQ(harness_.Events(ValueType::kJob, JobIntent::kTimedOut).size(), 1u);
  EXPECT_EQ(Activate(), keys);
}

TEST_F(JobTest, UpdatingTheTimeoutMovesTheDeadlineFromNow) {
  harness_.CreateInstance("p");
  auto keys = Activate(1, 10000);
  harness_.AdvanceTime(4000);
  record::fb::JobRecordT update;
  update.timeout = 60000;
  auto updated = harness_.Execute(Command(JobIntent::kUpdateTimeout, update, keys[0]));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->intent, record::IntentCode(JobIntent::kTimeoutUpdated))
      << updated->rejection_reason;
  EXPECT_EQ(updated->typed_value.AsJobRecord()->deadline, harness_.now() + 60000);
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 60000);
  harness_.AdvanceTime(10000);  // past the first deadline: no time-out
  EXPECT_TRUE(harness_.Events(ValueType::kJob, JobIntent::kTimedOut).empty());
  harness_.AdvanceTime(50000);
  EXPECT_EQ(harness_.Events(ValueType::kJob, JobIntent::kTimedOut).size(), 1u);
}

TEST_F(JobTest, UpdatingTheTimeoutOfAJobNotActivatedIsRejected) {
  record::fb::JobRecordT update;
  update.timeout = 1000;
  auto missing =
      harness_.Execute(Command(JobIntent::kUpdateTimeout, update, record::EncodeKey(1, 999)));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->rejection_type, static_cast<uint8_t>(RejectionType::kNotFound));
  EXPECT_EQ(missing->rejection_reason, "Expected to update job deadline with key '" +
                                           std::to_string(record::EncodeKey(1, 999)) +
                                           "', but no such job was found");
  harness_.CreateInstance("p");
  auto created = harness_.Events(ValueType::kJob, JobIntent::kCreated);
  auto not_active = harness_.Execute(Command(JobIntent::kUpdateTimeout, update, created[0].key));
  ASSERT_TRUE(not_active);
  EXPECT_EQ(not_active->rejection_type, static_cast<uint8_t>(RejectionType::kInvalidState));
  EXPECT_EQ(not_active->rejection_reason, "Expected to update the timeout of job with key '" +
                                              std::to_string(created[0].key) +
                                              "', but it is not active");
}

TEST_F(JobTest, CommandsOnUnknownOrWrongStateJobsAreRejected) {
  auto missing = harness_.CompleteJob(record::EncodeKey(1, 999));
  EXPECT_EQ(missing.rejection_type, static_cast<uint8_t>(RejectionType::kNotFound));
  harness_.CreateInstance("p");
  auto created = harness_.Events(ValueType::kJob, JobIntent::kCreated);
  auto not_activated = harness_.FailJob(created[0].key, 1, "x");
  EXPECT_EQ(not_activated.rejection_type, static_cast<uint8_t>(RejectionType::kInvalidState));
  auto negative = harness_.UpdateJobRetries(created[0].key, 0);
  EXPECT_EQ(negative.rejection_type, static_cast<uint8_t>(RejectionType::kInvalidArgument));
  record::fb::JobRecordT bad;
  bad.variables = "\"not an object\"";
  auto bad_variables = harness_.Execute(Command(record::JobIntent::kComplete, bad, created[0].key));
  ASSERT_TRUE(bad_variables);
  EXPECT_EQ(bad_variables->rejection_type, static_cast<uint8_t>(RejectionType::kInvalidArgument));
}

}  // namespace
}  // namespace waggle::engine::testing

namespace waggle::engine::testing {
namespace {

TEST(JobErrorTest, AnUncaughtErrorFromAJobRaisesAnUnhandledErrorIncident) {
  EngineHarness harness;
  harness.Deploy("one.bpmn", OneTaskProcess("p", "work"));
  harness.CreateInstance("p");
  auto keys = harness.ActivateJobs("work").typed_value.AsJobBatchRecord()->job_keys;
  record::fb::JobRecordT error;
  error.error_code = "NOT_FOUND";
  error.error_message = "no such customer";
  auto thrown = harness.Execute(Command(record::JobIntent::kThrowError, error, keys.at(0)));
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->intent, record::IntentCode(record::JobIntent::kErrorThrown));
  auto incidents = harness.Events(record::ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::UNHANDLED_ERROR_EVENT);
  EXPECT_EQ(incident->error_message,
            "Expected to throw an error event with the code 'NOT_FOUND' with message 'no such "
            "customer', but it was not caught. No error events are available in the scope.");
  EXPECT_EQ(incident->job_key, keys[0]);
  EXPECT_EQ(harness.ReplayDifference(), "");
}

TEST(JobErrorTest, AnErrorEndEventWithoutCatchRaisesAnUnhandledErrorIncident) {
  EngineHarness harness;
  harness.Deploy("err.bpmn",
                 R"(<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:error id="Error_1" name="failed" errorCode="FAILED" />
  <bpmn:process id="err" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:endEvent id="e"><bpmn:errorEventDefinition errorRef="Error_1" /></bpmn:endEvent>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>)");
  const int64_t instance = harness.CreateInstance("err").key;
  EXPECT_FALSE(harness.IsCompleted(instance));
  auto incidents = harness.Events(record::ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_type,
            record::fb::ErrorType::UNHANDLED_ERROR_EVENT);
  EXPECT_NE(incidents[0].typed_value.AsIncidentRecord()->error_message.find("'FAILED'"),
            std::string::npos);
  EXPECT_EQ(harness.ReplayDifference(), "");
}

}  // namespace
}  // namespace waggle::engine::testing
