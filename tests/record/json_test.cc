#include "common/record/json.h"

#include <gtest/gtest.h>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/key.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"

namespace waggle::record {
namespace {

using nlohmann::json;

fb::RecordT Event(ValueType type, uint8_t intent) {
  fb::RecordT record;
  record.partition_id = 1;
  record.position = 9;
  record.source_record_position = 7;
  record.key = 2251799813685256;
  record.timestamp = 1700000000000;
  record.record_type = static_cast<uint8_t>(RecordType::kEvent);
  record.value_type = static_cast<uint8_t>(type);
  record.intent = intent;
  record.broker_version = "8.4.0";
  return record;
}

json Render(const fb::RecordT& record) {
  Result<json> rendered = EncodedRecordToJson(EncodeRecord(record));
  EXPECT_TRUE(rendered.ok()) << rendered.status().ToString();
  return rendered.ok() ? *rendered : json();
}

// Zeebe's exporter shape (Record.toJson) of an activated service task.
TEST(JsonTest, ProcessInstanceElementActivated) {
  fb::RecordT record =
      Event(ValueType::kProcessInstance, IntentCode(ProcessInstanceIntent::kElementActivated));
  fb::ProcessInstanceRecordT value;
  value.bpmn_process_id = "order-process";
  value.version = 1;
  value.process_definition_key = 2251799813685249;
  value.process_instance_key = 2251799813685251;
  value.element_id = "ServiceTask_1";
  value.flow_scope_key = 2251799813685251;
  value.bpmn_element_type = fb::BpmnElementType::SERVICE_TASK;
  value.tenant_id = "<default>";
  record.typed_value.Set(std::move(value));

  json expected = json::parse(R"({
    "partitionId": 1,
    "value": {
      "version": 1,
      "bpmnProcessId": "order-process",
      "processInstanceKey": 2251799813685251,
      "elementId": "ServiceTask_1",
      "flowScopeKey": 2251799813685251,
      "bpmnElementType": "SERVICE_TASK",
      "bpmnEventType": "UNSPECIFIED",
      "parentProcessInstanceKey": -1,
      "parentElementInstanceKey": -1,
      "processDefinitionKey": 2251799813685249,
      "tenantId": "<default>"
    },
    "rejectionType": "NULL_VAL",
    "rejectionReason": "",
    "brokerVersion": "8.4.0",
    "recordVersion": 1,
    "sourceRecordPosition": 7,
    "position": 9,
    "key": 2251799813685256,
    "timestamp": 1700000000000,
    "valueType": "PROCESS_INSTANCE",
    "recordType": "EVENT",
    "intent": "ELEMENT_ACTIVATED"
  })");
  EXPECT_EQ(Render(record), expected) << Render(record).dump(2);
}

TEST(JsonTest, JobCreated) {
  fb::RecordT record = Event(ValueType::kJob, IntentCode(JobIntent::kCreated));
  fb::JobRecordT value;
  value.type = "payment-service";
  value.retries = 3;
  value.custom_headers = R"({"method":"VISA"})";
  value.process_instance_key = 2251799813685251;
  value.bpmn_process_id = "order-process";
  value.process_definition_version = 1;
  value.process_definition_key = 2251799813685249;
  value.element_id = "ServiceTask_1";
  value.element_instance_key = 2251799813685255;
  record.typed_value.Set(std::move(value));  // no tenant: Zeebe's default tenant

  json expected = json::parse(R"({
    "partitionId": 1,
    "value": {
      "type": "payment-service",
      "worker": "",
      "retries": 3,
      "deadline": -1,
      "timeout": -1,
      "errorMessage": "",
      "errorCode": "",
      "customHeaders": {"method": "VISA"},
      "variables": {},
      "processInstanceKey": 2251799813685251,
      "bpmnProcessId": "order-process",
      "processDefinitionVersion": 1,
      "processDefinitionKey": 2251799813685249,
      "elementId": "ServiceTask_1",
      "elementInstanceKey": 2251799813685255,
      "retryBackoff": 0,
      "recurringTime": -1,
      "tenantId": "<default>"
    },
    "rejectionType": "NULL_VAL",
    "rejectionReason": "",
    "brokerVersion": "8.4.0",
    "recordVersion": 1,
    "sourceRecordPosition": 7,
    "position": 9,
    "key": 2251799813685256,
    "timestamp": 1700000000000,
    "valueType": "JOB",
    "recordType": "EVENT",
    "intent": "CREATED"
  })");
  EXPECT_EQ(Render(record), expected) << Render(record).dump(2);
}

TEST(JsonTest, RejectionCarriesItsTypeAndReason) {
  fb::RecordT record = Event(ValueType::kJob, IntentCode(JobIntent::kComplete));
  record.typed_value.Set(fb::JobRecordT());
  record.record_type = static_cast<uint8_t>(RecordType::kCommandRejection);
  record.rejection_type = static_cast<uint8_t>(RejectionType::kNotFound);
  record.rejection_reason = "no such job";
  json rendered = Render(record);
  EXPECT_EQ(rendered["recordType"], "COMMAND_REJECTION");
  EXPECT_EQ(rendered["intent"], "COMPLETE");
  EXPECT_EQ(rendered["rejectionType"], "NOT_FOUND");
  EXPECT_EQ(rendered["rejectionReason"], "no such job");
}

TEST(JsonTest, VariablesBecomeObjectsAndVariableValuesStayText) {
  fb::RecordT creation = Event(ValueType::kProcessInstanceCreation,
                               IntentCode(ProcessInstanceCreationIntent::kCreate));
  fb::ProcessInstanceCreationRecordT value;
  value.variables = R"({"orderId":"o-1","items":[1,2]})";
  value.fetch_variables = {"orderId"};
  auto instruction = std::make_unique<fb::ProcessInstanceCreationStartInstructionT>();
  instruction->element_id = "charge";
  value.start_instructions.push_back(std::move(instruction));
  creation.typed_value.Set(std::move(value));
  json rendered = Render(creation)["value"];
  EXPECT_EQ(rendered["variables"], json::parse(R"({"orderId":"o-1","items":[1,2]})"));
  EXPECT_EQ(rendered["fetchVariables"], json::parse(R"(["orderId"])"));
  EXPECT_EQ(rendered["startInstructions"], json::parse(R"([{"elementId":"charge"}])"));

  fb::RecordT variable = Event(ValueType::kVariable, IntentCode(VariableIntent::kCreated));
  fb::VariableRecordT variable_value;
  variable_value.name = "orderId";
  variable_value.value = R"("o-1")";
  variable.typed_value.Set(std::move(variable_value));
  EXPECT_EQ(Render(variable)["value"]["value"], R"("o-1")");
}

TEST(JsonTest, ByteArraysRenderAsBase64) {
  fb::RecordT record = Event(ValueType::kProcess, IntentCode(ProcessIntent::kCreated));
  fb::ProcessRecordT value;
  value.resource = {'<', 'x', '/', '>'};  // "PHgvPg=="
  value.checksum = {0xff, 0x00};          // "/wA="
  record.typed_value.Set(std::move(value));
  json rendered = Render(record)["value"];
  EXPECT_EQ(rendered["resource"], "PHgvPg==");
  EXPECT_EQ(rendered["checksum"], "/wA=");
}

TEST(JsonTest, JobBatchRendersItsJobsAndKeys) {
  fb::RecordT record = Event(ValueType::kJobBatch, IntentCode(JobBatchIntent::kActivated));
  fb::JobBatchRecordT value;
  value.type = "payment";
  value.job_keys = {EncodeKey(1, 6)};
  auto job = std::make_unique<fb::JobRecordT>();
  job->type = "payment";
  job->variables = R"({"a":1})";
  value.jobs.push_back(std::move(job));
  record.typed_value.Set(std::move(value));
  json rendered = Render(record)["value"];
  EXPECT_EQ(rendered["jobKeys"], json::array({EncodeKey(1, 6)}));
  ASSERT_EQ(rendered["jobs"].size(), 1u);
  EXPECT_EQ(rendered["jobs"][0]["variables"], json::parse(R"({"a":1})"));
  EXPECT_EQ(rendered["truncated"], false);
  EXPECT_EQ(rendered["maxJobsToActivate"], -1);
}

TEST(JsonTest, IncidentErrorTypeRendersAsName) {
  fb::RecordT record = Event(ValueType::kIncident, IntentCode(IncidentIntent::kCreated));
  fb::IncidentRecordT value;
  value.error_type = fb::ErrorType::JOB_NO_RETRIES;
  record.typed_value.Set(std::move(value));
  EXPECT_EQ(Render(record)["value"]["errorType"], "JOB_NO_RETRIES");
}

TEST(JsonTest, DistributionRendersTheDistributedCommandsValue) {
  fb::RecordT command = Event(ValueType::kDeployment, IntentCode(DeploymentIntent::kCreate));
  command.record_type = static_cast<uint8_t>(RecordType::kCommand);
  fb::DeploymentRecordT deployment;
  deployment.tenant_id = "tenant-a";
  command.typed_value.Set(std::move(deployment));
  std::string command_bytes = EncodeRecord(command);

  fb::RecordT record =
      Event(ValueType::kCommandDistribution, IntentCode(CommandDistributionIntent::kDistributing));
  fb::CommandDistributionRecordT value;
  value.partition_id = 2;
  value.value_type = static_cast<uint8_t>(ValueType::kDeployment);
  value.intent = IntentCode(DeploymentIntent::kCreate);
  value.command_value.assign(command_bytes.begin(), command_bytes.end());
  record.typed_value.Set(std::move(value));

  json expected = json::parse(R"({
    "partitionId": 2,
    "valueType": "DEPLOYMENT",
    "intent": "CREATE",
    "commandValue": {
      "resources": [],
      "processesMetadata": [],
      "tenantId": "tenant-a",
      "deploymentKey": -1
    }
  })");
  EXPECT_EQ(Render(record)["value"], expected) << Render(record)["value"].dump(2);
}

TEST(JsonTest, InvalidUtf8IsReplacedInJsonText) {
  fb::RecordT record = Event(ValueType::kJob, IntentCode(JobIntent::kCreated));
  fb::JobRecordT value;
  value.type = "pay\xffment";
  record.typed_value.Set(std::move(value));
  std::string text = ToJsonText(Render(record));
  EXPECT_NE(text.find("pay\ufffdment"), std::string::npos) << text;
}

TEST(JsonTest, BadBytesAreCorruptNotRendered) {
  Result<json> rendered = EncodedRecordToJson("not a record at all");
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waggle::record
