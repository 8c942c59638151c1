// Namespace-aware element names on top of pugixml, which has no namespace
// support: after NormalizeNames every element's name says which namespace it
// is in, whatever prefix the file used, so readers match plain strings.
//   BPMN model namespace  -> "bpmn:<local name>"
//   Zeebe namespace       -> "zeebe:<local name>"
//   anything else         -> "#<name as written>" (never equal to the above)
#pragma once

#include <string_view>

#include <pugixml.hpp>

#include "common/status.h"

namespace waggle::bpmn {

inline constexpr char kBpmnNamespace[] = "http://www.omg.org/spec/BPMN/20100524/MODEL";
inline constexpr char kZeebeNamespace[] = "http://camunda.org/schema/zeebe/1.0";

// Renames every element of `document` as described above, in one pass whose
// cost is linear in the document size.
// Errors: kInvalidArgument when elements nest deeper than max_depth.
Status NormalizeNames(pugi::xml_document& document, int max_depth);

// The local name of a normalized BPMN element ("startEvent"), or empty when
// the element is not in the BPMN namespace.
std::string_view BpmnLocalName(pugi::xml_node node);

}  // namespace waggle::bpmn
