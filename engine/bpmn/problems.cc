#include "engine/bpmn/problems.h"

namespace waggle::bpmn {

void ProblemList::Add(std::string_view element_id, std::string message) {
  problems_.push_back(Problem{std::string(element_id), std::move(message)});
}

std::string ProblemList::Format(std::string_view resource_name) const {
  std::string text = "'" + std::string(resource_name) + "': ";
  for (const Problem& problem : problems_) {
    text += "- Element: " + (problem.element_id.empty() ? "definitions" : problem.element_id);
    text += "\n    - ERROR: " + problem.message + "\n";
  }
  return text;
}

}  // namespace waggle::bpmn
