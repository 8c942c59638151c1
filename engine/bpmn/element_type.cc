#include "engine/bpmn/element_type.h"

namespace waggle::bpmn {

std::string_view ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kStartEvent: return "startEvent";
    case ElementType::kEndEvent: return "endEvent";
    case ElementType::kIntermediateCatchEvent: return "intermediateCatchEvent";
    case ElementType::kIntermediateThrowEvent: return "intermediateThrowEvent";
    case ElementType::kBoundaryEvent: return "boundaryEvent";
    case ElementType::kTask: return "task";
    case ElementType::kManualTask: return "manualTask";
    case ElementType::kServiceTask: return "serviceTask";
    case ElementType::kUserTask: return "userTask";
    case ElementType::kSendTask: return "sendTask";
    case ElementType::kReceiveTask: return "receiveTask";
    case ElementType::kScriptTask: return "scriptTask";
    case ElementType::kBusinessRuleTask: return "businessRuleTask";
    case ElementType::kExclusiveGateway: return "exclusiveGateway";
    case ElementType::kParallelGateway: return "parallelGateway";
    case ElementType::kInclusiveGateway: return "inclusiveGateway";
    case ElementType::kEventBasedGateway: return "eventBasedGateway";
    case ElementType::kSubProcess: return "subProcess";
    case ElementType::kEventSubProcess: return "subProcess";
    case ElementType::kAdHocSubProcess: return "adHocSubProcess";
    case ElementType::kCallActivity: return "callActivity";
  }
  return "unknown";
}

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kNone: return "none";
    case EventKind::kMessage: return "message";
    case EventKind::kTimer: return "timer";
    case EventKind::kError: return "error";
    case EventKind::kTerminate: return "terminate";
    case EventKind::kEscalation: return "escalation";
    case EventKind::kSignal: return "signal";
    case EventKind::kLink: return "link";
    case EventKind::kCompensation: return "compensation";
    case EventKind::kConditional: return "conditional";
  }
  return "unknown";
}

bool IsActivity(ElementType type) {
  switch (type) {
    case ElementType::kTask:
    case ElementType::kManualTask:
    case ElementType::kServiceTask:
    case ElementType::kUserTask:
    case ElementType::kSendTask:
    case ElementType::kReceiveTask:
    case ElementType::kScriptTask:
    case ElementType::kBusinessRuleTask:
    case ElementType::kSubProcess:
    case ElementType::kAdHocSubProcess:
    case ElementType::kCallActivity: return true;
    default: return false;
  }
}

bool IsGateway(ElementType type) {
  switch (type) {
    case ElementType::kExclusiveGateway:
    case ElementType::kParallelGateway:
    case ElementType::kInclusiveGateway:
    case ElementType::kEventBasedGateway: return true;
    default: return false;
  }
}

}  // namespace waggle::bpmn
