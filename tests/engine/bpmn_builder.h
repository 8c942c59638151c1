// Small BPMN documents for engine tests, written the way Camunda Modeler
// writes them (bpmn and zeebe namespaces), without diagram information.
#pragma once

#include <string>

namespace waggle::engine::testing {

// Wraps process body XML into a definitions document with one executable
// process `process_id`.
inline std::string BpmnProcess(const std::string& process_id, const std::string& body) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id=")" +
         process_id + R"(" isExecutable="true">
)" + body +
         R"(
  </bpmn:process>
</bpmn:definitions>
)";
}

inline std::string Flow(const std::string& id, const std::string& source, const std::string& target,
                        const std::string& condition = "") {
  if (condition.empty()) {
    return "<bpmn:sequenceFlow id=\"" + id + "\" sourceRef=\"" + source + "\" targetRef=\"" +
           target + "\" />\n";
  }
  return "<bpmn:sequenceFlow id=\"" + id + "\" sourceRef=\"" + source + "\" targetRef=\"" + target +
         "\"><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">" + condition +
         "</bpmn:conditionExpression></bpmn:sequenceFlow>\n";
}

inline std::string ServiceTask(const std::string& id, const std::string& type,
                               const std::string& extra_extensions = "") {
  return "<bpmn:serviceTask id=\"" + id +
         "\"><bpmn:extensionElements><zeebe:taskDefinition type=\"" + type + "\" />" +
         extra_extensions + "</bpmn:extensionElements></bpmn:serviceTask>\n";
}

// start -> task(type) -> end
inline std::string OneTaskProcess(const std::string& process_id, const std::string& type) {
  return BpmnProcess(process_id, "<bpmn:startEvent id=\"start\" />\n" + ServiceTask("task", type) +
                                     "<bpmn:endEvent id=\"end\" />\n" +
                                     Flow("f1", "start", "task") + Flow("f2", "task", "end"));
}

}  // namespace waggle::engine::testing
