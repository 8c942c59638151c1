#include "common/record/json.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <vector>

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

std::string RenderText(const fb::RecordT& record) {
  Result<std::string> rendered = EncodedRecordToJson(EncodeRecord(record));
  EXPECT_TRUE(rendered.ok()) << rendered.status().ToString();
  return rendered.ok() ? *rendered : std::string();
}

json Render(const fb::RecordT& record) {
  return json::parse(RenderText(record));
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
  std::string text = RenderText(record);
  EXPECT_NE(text.find("pay\ufffdment"), std::string::npos) << text;
}

// Every value table of record.fbs with every field set (no defaults), against
// Zeebe's names and shapes written out by hand: camelCase keys, enums by
// name, variables and headers as documents, bytes as base64.
struct ValueCase {
  ValueType type;
  std::function<void(fb::RecordValueUnion*)> set;
  const char* expected;  // the "value" object
};

std::vector<ValueCase> ValueCases() {
  std::vector<ValueCase> cases;
  cases.push_back({ValueType::kJob,
                   [](fb::RecordValueUnion* u) {
                     fb::JobRecordT v;
                     v.type = "pay";
                     v.worker = "w1";
                     v.retries = 3;
                     v.deadline = 101;
                     v.timeout = 102;
                     v.error_message = "boom";
                     v.error_code = "E1";
                     v.custom_headers = R"({"method": "VISA"})";
                     v.variables = R"({ "a" : [1, {"b": null}], "c": "x y" })";
                     v.process_instance_key = 11;
                     v.bpmn_process_id = "order";
                     v.process_definition_version = 2;
                     v.process_definition_key = 12;
                     v.element_id = "task";
                     v.element_instance_key = 13;
                     v.retry_backoff = 14;
                     v.recurring_time = 15;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"type": "pay", "worker": "w1", "retries": 3, "deadline": 101,
                       "timeout": 102, "errorMessage": "boom", "errorCode": "E1",
                       "customHeaders": {"method": "VISA"},
                       "variables": {"a": [1, {"b": null}], "c": "x y"},
                       "processInstanceKey": 11, "bpmnProcessId": "order",
                       "processDefinitionVersion": 2, "processDefinitionKey": 12,
                       "elementId": "task", "elementInstanceKey": 13, "retryBackoff": 14,
                       "recurringTime": 15, "tenantId": "t1"})"});
  cases.push_back({ValueType::kProcessInstance,
                   [](fb::RecordValueUnion* u) {
                     fb::ProcessInstanceRecordT v;
                     v.bpmn_process_id = "order";
                     v.version = 4;
                     v.process_definition_key = 21;
                     v.process_instance_key = 22;
                     v.element_id = "gw";
                     v.flow_scope_key = 23;
                     v.bpmn_element_type = fb::BpmnElementType::EXCLUSIVE_GATEWAY;
                     v.bpmn_event_type = fb::BpmnEventType::TIMER;
                     v.parent_process_instance_key = 24;
                     v.parent_element_instance_key = 25;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"bpmnProcessId": "order", "version": 4, "processDefinitionKey": 21,
                       "processInstanceKey": 22, "elementId": "gw", "flowScopeKey": 23,
                       "bpmnElementType": "EXCLUSIVE_GATEWAY", "bpmnEventType": "TIMER",
                       "parentProcessInstanceKey": 24, "parentElementInstanceKey": 25,
                       "tenantId": "t1"})"});
  cases.push_back({ValueType::kDeployment,
                   [](fb::RecordValueUnion* u) {
                     fb::DeploymentRecordT v;
                     auto resource = std::make_unique<fb::DeploymentResourceT>();
                     resource->resource_name = "a.bpmn";
                     resource->resource = {'<', 'x', '/', '>'};
                     v.resources.push_back(std::move(resource));
                     auto process = std::make_unique<fb::ProcessMetadataT>();
                     process->bpmn_process_id = "order";
                     process->version = 5;
                     process->process_definition_key = 31;
                     process->resource_name = "a.bpmn";
                     process->checksum = {0xff, 0x00};
                     process->duplicate = true;
                     process->tenant_id = "t1";
                     process->deployment_key = 32;
                     v.processes_metadata.push_back(std::move(process));
                     v.tenant_id = "t1";
                     v.deployment_key = 32;
                     u->Set(std::move(v));
                   },
                   R"({"resources": [{"resourceName": "a.bpmn", "resource": "PHgvPg=="}],
                       "processesMetadata": [{"bpmnProcessId": "order", "version": 5,
                         "processDefinitionKey": 31, "resourceName": "a.bpmn",
                         "checksum": "/wA=", "duplicate": true, "tenantId": "t1",
                         "deploymentKey": 32}],
                       "tenantId": "t1", "deploymentKey": 32})"});
  cases.push_back({ValueType::kProcess,
                   [](fb::RecordValueUnion* u) {
                     fb::ProcessRecordT v;
                     v.bpmn_process_id = "order";
                     v.version = 6;
                     v.process_definition_key = 41;
                     v.resource_name = "a.bpmn";
                     v.checksum = {1, 2, 3};
                     v.resource = {'a'};
                     v.tenant_id = "t1";
                     v.deployment_key = 42;
                     u->Set(std::move(v));
                   },
                   R"({"bpmnProcessId": "order", "version": 6, "processDefinitionKey": 41,
                       "resourceName": "a.bpmn", "checksum": "AQID", "resource": "YQ==",
                       "tenantId": "t1", "deploymentKey": 42})"});
  cases.push_back({ValueType::kMessage,
                   [](fb::RecordValueUnion* u) {
                     fb::MessageRecordT v;
                     v.name = "paid";
                     v.correlation_key = "o-1";
                     v.message_id = "m-1";
                     v.time_to_live = 51;
                     v.deadline = 52;
                     v.variables = R"({"amount":12.5})";
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"name": "paid", "correlationKey": "o-1", "messageId": "m-1",
                       "timeToLive": 51, "deadline": 52, "variables": {"amount": 12.5},
                       "tenantId": "t1"})"});
  cases.push_back({ValueType::kMessageSubscription,
                   [](fb::RecordValueUnion* u) {
                     fb::MessageSubscriptionRecordT v;
                     v.process_instance_key = 61;
                     v.element_instance_key = 62;
                     v.bpmn_process_id = "order";
                     v.message_name = "paid";
                     v.correlation_key = "o-1";
                     v.message_key = 63;
                     v.variables = R"({"x":true})";
                     v.interrupting = false;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"processInstanceKey": 61, "elementInstanceKey": 62,
                       "bpmnProcessId": "order", "messageName": "paid", "correlationKey": "o-1",
                       "messageKey": 63, "variables": {"x": true}, "interrupting": false,
                       "tenantId": "t1"})"});
  cases.push_back({ValueType::kProcessMessageSubscription,
                   [](fb::RecordValueUnion* u) {
                     fb::ProcessMessageSubscriptionRecordT v;
                     v.subscription_partition_id = 3;
                     v.process_instance_key = 71;
                     v.element_instance_key = 72;
                     v.bpmn_process_id = "order";
                     v.message_name = "paid";
                     v.correlation_key = "o-1";
                     v.message_key = 73;
                     v.variables = R"({"x":[]})";
                     v.interrupting = false;
                     v.element_id = "catch";
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"subscriptionPartitionId": 3, "processInstanceKey": 71,
                       "elementInstanceKey": 72, "bpmnProcessId": "order", "messageName": "paid",
                       "correlationKey": "o-1", "messageKey": 73, "variables": {"x": []},
                       "interrupting": false, "elementId": "catch", "tenantId": "t1"})"});
  cases.push_back({ValueType::kMessageStartEventSubscription,
                   [](fb::RecordValueUnion* u) {
                     fb::MessageStartEventSubscriptionRecordT v;
                     v.process_definition_key = 81;
                     v.bpmn_process_id = "order";
                     v.start_event_id = "start";
                     v.message_name = "go";
                     v.process_instance_key = 82;
                     v.correlation_key = "o-1";
                     v.message_key = 83;
                     v.variables = R"({"y":"z"})";
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"processDefinitionKey": 81, "bpmnProcessId": "order",
                       "startEventId": "start", "messageName": "go", "processInstanceKey": 82,
                       "correlationKey": "o-1", "messageKey": 83, "variables": {"y": "z"},
                       "tenantId": "t1"})"});
  cases.push_back({ValueType::kJobBatch,
                   [](fb::RecordValueUnion* u) {
                     fb::JobBatchRecordT v;
                     v.type = "pay";
                     v.worker = "w1";
                     v.timeout = 91;
                     v.max_jobs_to_activate = 10;
                     v.job_keys = {92, 93};
                     auto job = std::make_unique<fb::JobRecordT>();
                     job->type = "pay";
                     job->variables = R"({"a":1})";
                     v.jobs.push_back(std::move(job));
                     v.truncated = true;
                     v.tenant_ids = {"t1", "t2"};
                     v.fetch_variables = {"a"};
                     u->Set(std::move(v));
                   },
                   R"({"type": "pay", "worker": "w1", "timeout": 91, "maxJobsToActivate": 10,
                       "jobKeys": [92, 93],
                       "jobs": [{"type": "pay", "worker": "", "retries": -1, "deadline": -1,
                         "timeout": -1, "errorMessage": "", "errorCode": "",
                         "customHeaders": {}, "variables": {"a": 1},
                         "processInstanceKey": -1, "bpmnProcessId": "",
                         "processDefinitionVersion": -1, "processDefinitionKey": -1,
                         "elementId": "", "elementInstanceKey": -1, "retryBackoff": 0,
                         "recurringTime": -1, "tenantId": "<default>"}],
                       "truncated": true, "tenantIds": ["t1", "t2"],
                       "fetchVariables": ["a"]})"});
  cases.push_back({ValueType::kTimer,
                   [](fb::RecordValueUnion* u) {
                     fb::TimerRecordT v;
                     v.element_instance_key = 101;
                     v.process_instance_key = 102;
                     v.due_date = 103;
                     v.target_element_id = "timer";
                     v.repetitions = 4;
                     v.process_definition_key = 104;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"elementInstanceKey": 101, "processInstanceKey": 102, "dueDate": 103,
                       "targetElementId": "timer", "repetitions": 4,
                       "processDefinitionKey": 104, "tenantId": "t1"})"});
  cases.push_back({ValueType::kVariable,
                   [](fb::RecordValueUnion* u) {
                     fb::VariableRecordT v;
                     v.name = "orderId";
                     v.value = R"("o-1")";
                     v.scope_key = 111;
                     v.process_instance_key = 112;
                     v.process_definition_key = 113;
                     v.bpmn_process_id = "order";
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"name": "orderId", "value": "\"o-1\"", "scopeKey": 111,
                       "processInstanceKey": 112, "processDefinitionKey": 113,
                       "bpmnProcessId": "order", "tenantId": "t1"})"});
  cases.push_back({ValueType::kVariableDocument,
                   [](fb::RecordValueUnion* u) {
                     fb::VariableDocumentRecordT v;
                     v.scope_key = 121;
                     v.update_semantics = fb::VariableDocumentUpdateSemantic::LOCAL;
                     v.variables = R"({"k":{"n":-1.5e3}})";
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"scopeKey": 121, "updateSemantics": "LOCAL",
                       "variables": {"k": {"n": -1500.0}}, "tenantId": "t1"})"});
  cases.push_back({ValueType::kIncident,
                   [](fb::RecordValueUnion* u) {
                     fb::IncidentRecordT v;
                     v.error_type = fb::ErrorType::IO_MAPPING_ERROR;
                     v.error_message = "no variable";
                     v.bpmn_process_id = "order";
                     v.process_definition_key = 131;
                     v.process_instance_key = 132;
                     v.element_id = "task";
                     v.element_instance_key = 133;
                     v.job_key = 134;
                     v.variable_scope_key = 135;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"errorType": "IO_MAPPING_ERROR", "errorMessage": "no variable",
                       "bpmnProcessId": "order", "processDefinitionKey": 131,
                       "processInstanceKey": 132, "elementId": "task",
                       "elementInstanceKey": 133, "jobKey": 134, "variableScopeKey": 135,
                       "tenantId": "t1"})"});
  cases.push_back({ValueType::kProcessInstanceCreation,
                   [](fb::RecordValueUnion* u) {
                     fb::ProcessInstanceCreationRecordT v;
                     v.bpmn_process_id = "order";
                     v.process_definition_key = 141;
                     v.version = 7;
                     v.variables = R"({"orderId":"o-1"})";
                     v.process_instance_key = 142;
                     auto instruction =
                         std::make_unique<fb::ProcessInstanceCreationStartInstructionT>();
                     instruction->element_id = "charge";
                     v.start_instructions.push_back(std::move(instruction));
                     v.fetch_variables = {"orderId"};
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"bpmnProcessId": "order", "processDefinitionKey": 141, "version": 7,
                       "variables": {"orderId": "o-1"}, "processInstanceKey": 142,
                       "startInstructions": [{"elementId": "charge"}],
                       "fetchVariables": ["orderId"], "tenantId": "t1"})"});
  cases.push_back({ValueType::kProcessInstanceResult,
                   [](fb::RecordValueUnion* u) {
                     fb::ProcessInstanceResultRecordT v;
                     v.bpmn_process_id = "order";
                     v.process_definition_key = 151;
                     v.version = 8;
                     v.variables = R"({"done":true})";
                     v.process_instance_key = 152;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"bpmnProcessId": "order", "processDefinitionKey": 151, "version": 8,
                       "variables": {"done": true}, "processInstanceKey": 152,
                       "tenantId": "t1"})"});
  cases.push_back({ValueType::kError,
                   [](fb::RecordValueUnion* u) {
                     fb::ErrorRecordT v;
                     v.exception_message = "failed";
                     v.stacktrace = "at a\n\tat b";
                     v.error_event_position = 161;
                     v.process_instance_key = 162;
                     u->Set(std::move(v));
                   },
                   R"({"exceptionMessage": "failed", "stacktrace": "at a\n\tat b",
                       "errorEventPosition": 161, "processInstanceKey": 162})"});
  cases.push_back({ValueType::kCommandDistribution,
                   [](fb::RecordValueUnion* u) {
                     fb::RecordT command =
                         Event(ValueType::kProcess, IntentCode(ProcessIntent::kCreated));
                     fb::ProcessRecordT process;
                     process.bpmn_process_id = "order";
                     command.typed_value.Set(std::move(process));
                     const std::string bytes = EncodeRecord(command);
                     fb::CommandDistributionRecordT v;
                     v.partition_id = 2;
                     v.value_type = static_cast<uint8_t>(ValueType::kProcess);
                     v.intent = IntentCode(ProcessIntent::kCreated);
                     v.command_value.assign(bytes.begin(), bytes.end());
                     u->Set(std::move(v));
                   },
                   R"({"partitionId": 2, "valueType": "PROCESS", "intent": "CREATED",
                       "commandValue": {"bpmnProcessId": "order", "version": -1,
                         "processDefinitionKey": -1, "resourceName": "", "checksum": "",
                         "resource": "", "tenantId": "<default>", "deploymentKey": -1}})"});
  cases.push_back({ValueType::kProcessEvent,
                   [](fb::RecordValueUnion* u) {
                     fb::ProcessEventRecordT v;
                     v.scope_key = 171;
                     v.target_element_id = "boundary";
                     v.variables = R"({"e":"x"})";
                     v.process_definition_key = 172;
                     v.process_instance_key = 173;
                     v.tenant_id = "t1";
                     u->Set(std::move(v));
                   },
                   R"({"scopeKey": 171, "targetElementId": "boundary", "variables": {"e": "x"},
                       "processDefinitionKey": 172, "processInstanceKey": 173,
                       "tenantId": "t1"})"});
  // A value type without a table of its own renders an empty value.
  cases.push_back({ValueType::kSignal, [](fb::RecordValueUnion*) {}, "{}"});
  return cases;
}

TEST(JsonTest, EveryValueTypeRendersEveryField) {
  std::set<fb::RecordValue> covered;
  for (const ValueCase& c : ValueCases()) {
    SCOPED_TRACE(std::string(*ValueTypeName(c.type)));
    fb::RecordT record = Event(c.type, IntentsOf(c.type)[0].code);
    c.set(&record.typed_value);
    covered.insert(record.typed_value.type);
    const std::string text = RenderText(record);
    const json rendered = json::parse(text);
    EXPECT_EQ(rendered["value"], json::parse(c.expected)) << rendered["value"].dump(2);
    EXPECT_EQ(rendered["valueType"], *ValueTypeName(c.type));
    EXPECT_EQ(rendered["intent"], IntentsOf(c.type)[0].name);
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  }
  for (fb::RecordValue tag : fb::EnumValuesRecordValue()) {
    EXPECT_TRUE(covered.contains(tag)) << fb::EnumNameRecordValue(tag) << " has no case";
  }
}

// Keys at every level come in byte order (the text has always been so), and
// variables are embedded as written, minus whitespace between tokens: not
// parsed and dumped again (their own key order stays).
TEST(JsonTest, TextIsCompactKeysInOrderDocumentsAsWritten) {
  fb::RecordT record = Event(ValueType::kJob, IntentCode(JobIntent::kCreated));
  fb::JobRecordT value;
  value.type = "pay";
  value.variables = "{ \"b\" : [1, 2],\n\t\"a\" : \"x y\\n\" }";
  record.typed_value.Set(std::move(value));
  EXPECT_EQ(RenderText(record),
            R"({"brokerVersion":"8.4.0","intent":"CREATED","key":2251799813685256,)"
            R"("partitionId":1,"position":9,"recordType":"EVENT","recordVersion":1,)"
            R"("rejectionReason":"","rejectionType":"NULL_VAL","sourceRecordPosition":7,)"
            R"("timestamp":1700000000000,"value":{"bpmnProcessId":"","customHeaders":{},)"
            R"("deadline":-1,"elementId":"","elementInstanceKey":-1,"errorCode":"",)"
            R"("errorMessage":"","processDefinitionKey":-1,"processDefinitionVersion":-1,)"
            R"("processInstanceKey":-1,"recurringTime":-1,"retries":-1,"retryBackoff":0,)"
            R"("tenantId":"<default>","timeout":-1,"type":"pay",)"
            R"("variables":{"b":[1,2],"a":"x y\n"},"worker":""},"valueType":"JOB"})");
}

// A command is logged before the engine checks its variables: text that is
// not a JSON document (a NUL byte included, where nlohmann's parser would
// stop reading) renders as a string, so the record stays valid JSON.
TEST(JsonTest, InvalidDocumentsRenderAsStrings) {
  for (std::string text : {std::string("{\"a\":"), std::string("{} {}"),
                           std::string("{}\0garbage", 10), std::string("[1e999]")}) {
    fb::RecordT record = Event(ValueType::kJob, IntentCode(JobIntent::kCreated));
    fb::JobRecordT value;
    value.variables = text;
    record.typed_value.Set(std::move(value));
    json rendered = json::parse(RenderText(record));
    EXPECT_EQ(rendered["value"]["variables"], text);
  }
}

// Strings are escaped exactly as nlohmann::json's dump (with replacement of
// invalid UTF-8) escapes them, which is what the exported text always was.
TEST(JsonTest, StringsAreEscapedAsNlohmannDumpsThem) {
  std::mt19937 rng(7);
  const std::string interesting =
      "\"\\\n\t\b\f\r\x01\x1f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf\xf4\x90"
      "\xe0\x80";
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 16, ' ');
    for (char& c : s) {
      c = rng() % 2 == 0 ? interesting[rng() % interesting.size()] : static_cast<char>(rng());
    }
    fb::RecordT record = Event(ValueType::kJob, IntentCode(JobIntent::kCreated));
    fb::JobRecordT value;
    value.type = s;
    record.typed_value.Set(std::move(value));
    const std::string expected =
        "\"type\":" + json(s).dump(-1, ' ', false, json::error_handler_t::replace) + ",";
    const std::string text = RenderText(record);
    ASSERT_NE(text.find(expected), std::string::npos) << text;
    ASSERT_TRUE(json::accept(text)) << text;
  }
}

TEST(JsonTest, BadBytesAreCorruptNotRendered) {
  Result<std::string> rendered = EncodedRecordToJson("not a record at all");
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waggle::record
