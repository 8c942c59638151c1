// The rules about a read process as a graph: start events per scope,
// flows into and out of events, gateway conditions, event sub-processes.
#pragma once

#include "engine/bpmn/problems.h"
#include "engine/bpmn/process.h"

namespace waggle::bpmn {

// REQUIRES: `process` comes from ReadProcess and is executable.
// Adds every broken rule to `problems`.
void ValidateProcess(const Process& process, ProblemList* problems);

}  // namespace waggle::bpmn
