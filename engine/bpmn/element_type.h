// What a BPMN flow element is: its element type, and for events the kind of
// its event definition.
#pragma once

#include <cstdint>
#include <string_view>

namespace waggle::bpmn {

enum class ElementType : uint8_t {
  kStartEvent,
  kEndEvent,
  kIntermediateCatchEvent,
  kIntermediateThrowEvent,
  kBoundaryEvent,
  kTask,        // undefined task: passes through
  kManualTask,  // passes through, as in Zeebe
  kServiceTask,
  kUserTask,
  kSendTask,
  kReceiveTask,
  kScriptTask,
  kBusinessRuleTask,
  kExclusiveGateway,
  kParallelGateway,
  kInclusiveGateway,
  kEventBasedGateway,
  kSubProcess,       // embedded sub-process
  kEventSubProcess,  // subProcess with triggeredByEvent="true"
  kAdHocSubProcess,
  kCallActivity,
};

// The event definition an event carries; kNone for every non-event element.
enum class EventKind : uint8_t {
  kNone,
  kMessage,
  kTimer,
  kError,
  kTerminate,
  kEscalation,
  kSignal,
  kLink,
  kCompensation,
  kConditional,
};

// The BPMN XML local name, e.g. "serviceTask"; "subProcess" for event
// sub-processes.
std::string_view ElementTypeName(ElementType type);
// "none", "message", "timer", ...
std::string_view EventKindName(EventKind kind);

// Activities are what boundary events attach to and what may be
// multi-instance.
bool IsActivity(ElementType type);
bool IsGateway(ElementType type);

}  // namespace waggle::bpmn
