// Reads one bpmn:process element into a Process: the element and flow
// tables, Zeebe extensions, pre-parsed expressions, resolved references.
#pragma once

#include <memory>

#include <pugixml.hpp>

#include "engine/bpmn/definitions_index.h"
#include "engine/bpmn/problems.h"
#include "engine/bpmn/process.h"

namespace waggle::bpmn {

// REQUIRES: `process` is a normalized (NormalizeNames) bpmn:process element.
// Adds what it finds wrong on the way (unknown elements, missing Zeebe
// extension values, expressions that do not parse, dangling references) to
// `problems`; the returned Process is consistent only when it added none.
// Rules about the resolved graph are ValidateProcess's.
std::shared_ptr<Process> ReadProcess(pugi::xml_node process, const DefinitionsIndex& definitions,
                                     ProblemList* problems);

}  // namespace waggle::bpmn
