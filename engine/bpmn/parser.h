// ParseBpmn: BPMN 2.0 XML as Camunda Modeler writes it (bpmn, zeebe, bpmndi,
// modeler namespaces; collaborations; several processes per file) into
// validated, immutable process models.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "engine/bpmn/model.h"

namespace waggle::bpmn {

// Zeebe's default maximum message size bounds a deployment resource.
inline constexpr size_t kMaxResourceBytes = 4 * 1024 * 1024;
// Deepest element nesting accepted; Modeler files stay below 20.
inline constexpr int kMaxXmlDepth = 64;

// Parses and validates one resource. Every expression in the model (values
// written with a leading '=', condition expressions, FEEL timers) is parsed
// here, so evaluation never meets a syntax error.
//
// Models Zeebe accepts are accepted, also when they use elements this engine
// does not run yet (Element::unsupported says which).
//
// Errors: kInvalidArgument whose message names the resource and lists every
// problem found, one "- Element: <id>" entry each, in Zeebe's format (the
// deployment prefixes "Expected to deploy new resources, but encountered the
// following errors:\n"). Malformed XML reports pugixml's description with
// line, column and byte offset.
Result<ParsedResource> ParseBpmn(std::string_view xml, std::string_view resource_name);

}  // namespace waggle::bpmn
