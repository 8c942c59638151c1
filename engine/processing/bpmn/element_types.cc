#include "engine/processing/bpmn/element_types.h"

namespace waggle::engine {

using bpmn::ElementType;
using bpmn::EventKind;
using record::fb::BpmnElementType;
using record::fb::BpmnEventType;

BpmnElementType RecordElementType(const bpmn::Element& element) {
  switch (element.type) {
    case ElementType::kStartEvent: return BpmnElementType::START_EVENT;
    case ElementType::kEndEvent: return BpmnElementType::END_EVENT;
    case ElementType::kIntermediateCatchEvent: return BpmnElementType::INTERMEDIATE_CATCH_EVENT;
    case ElementType::kIntermediateThrowEvent: return BpmnElementType::INTERMEDIATE_THROW_EVENT;
    case ElementType::kBoundaryEvent: return BpmnElementType::BOUNDARY_EVENT;
    case ElementType::kTask: return BpmnElementType::TASK;
    case ElementType::kManualTask: return BpmnElementType::MANUAL_TASK;
    case ElementType::kServiceTask: return BpmnElementType::SERVICE_TASK;
    case ElementType::kUserTask: return BpmnElementType::USER_TASK;
    case ElementType::kSendTask: return BpmnElementType::SEND_TASK;
    case ElementType::kReceiveTask: return BpmnElementType::RECEIVE_TASK;
    case ElementType::kScriptTask: return BpmnElementType::SCRIPT_TASK;
    case ElementType::kBusinessRuleTask: return BpmnElementType::BUSINESS_RULE_TASK;
    case ElementType::kExclusiveGateway: return BpmnElementType::EXCLUSIVE_GATEWAY;
    case ElementType::kParallelGateway: return BpmnElementType::PARALLEL_GATEWAY;
    case ElementType::kInclusiveGateway: return BpmnElementType::INCLUSIVE_GATEWAY;
    case ElementType::kEventBasedGateway: return BpmnElementType::EVENT_BASED_GATEWAY;
    case ElementType::kSubProcess:
    case ElementType::kAdHocSubProcess: return BpmnElementType::SUB_PROCESS;
    case ElementType::kEventSubProcess: return BpmnElementType::EVENT_SUB_PROCESS;
    case ElementType::kCallActivity: return BpmnElementType::CALL_ACTIVITY;
  }
  return BpmnElementType::UNSPECIFIED;
}

BpmnEventType RecordEventType(const bpmn::Element& element) {
  switch (element.event_kind) {
    case EventKind::kNone:
      switch (element.type) {
        case ElementType::kStartEvent:
        case ElementType::kEndEvent:
        case ElementType::kIntermediateThrowEvent: return BpmnEventType::NONE;
        default: return BpmnEventType::UNSPECIFIED;
      }
    case EventKind::kMessage: return BpmnEventType::MESSAGE;
    case EventKind::kTimer: return BpmnEventType::TIMER;
    case EventKind::kError: return BpmnEventType::ERROR;
    case EventKind::kTerminate: return BpmnEventType::TERMINATE;
    case EventKind::kEscalation: return BpmnEventType::ESCALATION;
    case EventKind::kSignal: return BpmnEventType::SIGNAL;
    case EventKind::kLink: return BpmnEventType::LINK;
    case EventKind::kCompensation: return BpmnEventType::COMPENSATION;
    case EventKind::kConditional: return BpmnEventType::CONDITIONAL;
  }
  return BpmnEventType::UNSPECIFIED;
}

}  // namespace waggle::engine
