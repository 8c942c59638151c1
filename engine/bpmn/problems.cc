#include "engine/bpmn/problems.h"

#include <algorithm>

namespace waggle::bpmn {

void ProblemList::Add(std::string_view element_id, std::string message) {
  problems_.push_back(Problem{std::string(element_id), std::move(message)});
}

std::string ProblemList::Format(std::string_view resource_name) const {
  std::string text = "'" + std::string(resource_name) + "': ";
  size_t listed = std::min(problems_.size(), kMaxListed);
  for (size_t i = 0; i < listed; ++i) {
    const Problem& problem = problems_[i];
    text += "- Element: " + (problem.element_id.empty() ? "definitions" : problem.element_id);
    text += "\n    - ERROR: " + problem.message + "\n";
  }
  if (listed < problems_.size()) {
    text += "(and " + std::to_string(problems_.size() - listed) + " more problems)\n";
  }
  return text;
}

}  // namespace waggle::bpmn
