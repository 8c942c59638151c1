#include "partitions/metrics/workflow_counts.h"

#include "common/record/intent.h"
#include "common/record/record_type.h"

namespace waggle::partitions {

WorkflowCounts CountWorkflowRecords(const std::vector<engine::OutputRecord>& records) {
  using record::IntentCode;
  using record::ValueType;
  WorkflowCounts c;
  for (const engine::OutputRecord& out : records) {
    const record::fb::RecordT& r = out.record;
    if (r.record_type != static_cast<uint8_t>(record::RecordType::kEvent)) continue;
    switch (static_cast<ValueType>(r.value_type)) {
      case ValueType::kProcessInstance: {
        const auto* value = r.typed_value.AsProcessInstanceRecord();
        if (value == nullptr || value->bpmn_element_type != record::fb::BpmnElementType::PROCESS) {
          break;
        }
        if (r.intent == IntentCode(record::ProcessInstanceIntent::kElementActivated)) {
          c.instances_created++;
        } else if (r.intent == IntentCode(record::ProcessInstanceIntent::kElementCompleted)) {
          c.instances_completed++;
        }
        break;
      }
      case ValueType::kJob:
        if (r.intent == IntentCode(record::JobIntent::kCreated)) c.jobs_created++;
        if (r.intent == IntentCode(record::JobIntent::kCompleted)) c.jobs_completed++;
        break;
      case ValueType::kJobBatch:
        if (r.intent == IntentCode(record::JobBatchIntent::kActivated)) {
          if (const auto* value = r.typed_value.AsJobBatchRecord()) {
            c.jobs_activated += static_cast<int64_t>(value->job_keys.size());
          }
        }
        break;
      case ValueType::kIncident:
        if (r.intent == IntentCode(record::IncidentIntent::kCreated)) c.incidents_created++;
        break;
      default: break;
    }
  }
  return c;
}

}  // namespace waggle::partitions
