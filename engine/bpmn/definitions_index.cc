#include "engine/bpmn/definitions_index.h"

#include <string_view>

#include "engine/bpmn/xml_names.h"

namespace waggle::bpmn {

DefinitionsIndex IndexDefinitions(pugi::xml_node definitions) {
  DefinitionsIndex index;
  for (pugi::xml_node child : definitions.children()) {
    std::string_view local = BpmnLocalName(child);
    std::string id = child.attribute("id").value();
    if (local == "message") {
      MessageDefinition message{child.attribute("name").value(), std::nullopt};
      pugi::xml_node subscription =
          child.child("bpmn:extensionElements").child("zeebe:subscription");
      pugi::xml_attribute key = subscription.attribute("correlationKey");
      if (key) message.correlation_key = key.value();
      index.messages.emplace(std::move(id), std::move(message));
    } else if (local == "error") {
      index.error_codes.emplace(std::move(id), child.attribute("errorCode").value());
    } else if (local == "escalation") {
      index.escalation_codes.emplace(std::move(id), child.attribute("escalationCode").value());
    }
  }
  return index;
}

}  // namespace waggle::bpmn
