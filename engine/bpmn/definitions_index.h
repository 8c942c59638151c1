// The root elements processes refer to by id: bpmn:message (with the
// zeebe:subscription Modeler writes into it), bpmn:error, bpmn:escalation.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include <pugixml.hpp>

namespace waggle::bpmn {

struct MessageDefinition {
  std::string name;                            // as written; may be "=expression"
  std::optional<std::string> correlation_key;  // zeebe:subscription, as written
};

struct DefinitionsIndex {
  std::unordered_map<std::string, MessageDefinition> messages;
  std::unordered_map<std::string, std::string> error_codes;       // bpmn:error id -> errorCode
  std::unordered_map<std::string, std::string> escalation_codes;  // id -> escalationCode
};

// REQUIRES: `definitions` is the normalized bpmn:definitions element.
DefinitionsIndex IndexDefinitions(pugi::xml_node definitions);

}  // namespace waggle::bpmn
