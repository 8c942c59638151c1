// One BPMN process of a deployed resource: a flat, index-addressed table of
// elements and one of sequence flows. Built and validated by ParseBpmn,
// then shared read-only (std::shared_ptr<const Process>).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/bpmn/element.h"
#include "engine/bpmn/sequence_flow.h"

namespace waggle::bpmn {

struct Process {
  std::string id;  // the BPMN process id
  std::string name;
  // Zeebe deploys executable processes only; a non-executable one (say a
  // documented partner pool) is listed with empty tables.
  bool executable = false;

  // Every flow element, nested ones included, in document order. Indexes
  // are stable: the same resource always yields the same table.
  std::vector<Element> elements;
  std::vector<SequenceFlow> flows;
  // The elements directly inside the process.
  std::vector<ElementIndex> children;

  std::optional<ElementIndex> FindElement(std::string_view element_id) const;
  std::optional<FlowIndex> FindFlow(std::string_view flow_id) const;

  // The none start event directly in the process, which CreateProcessInstance
  // starts at; absent when the process starts by message or timer only.
  std::optional<ElementIndex> NoneStartEvent() const;

  // The start event of an event sub-process (validation ensures it has
  // exactly one).
  std::optional<ElementIndex> StartEventOf(const Element& event_sub_process) const;
  // Whether `element` is the start event of an event sub-process.
  bool StartsEventSubProcess(const Element& element) const;

  // Filled by the parser alongside the tables.
  std::unordered_map<std::string, ElementIndex> element_by_id;
  std::unordered_map<std::string, FlowIndex> flow_by_id;
};

}  // namespace waggle::bpmn
