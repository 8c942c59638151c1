// How an element appears in PROCESS_INSTANCE records: Zeebe's
// BpmnElementType and BpmnEventType of a model element.
#pragma once

#include "common/record/record_generated.h"
#include "engine/bpmn/element.h"

namespace waggle::engine {

record::fb::BpmnElementType RecordElementType(const bpmn::Element& element);
record::fb::BpmnEventType RecordEventType(const bpmn::Element& element);

}  // namespace waggle::engine
