// The problems validation finds in one resource, each tied to the id of the
// element it is about, rendered as Zeebe renders a deployment rejection:
//   'order.bpmn': - Element: Activity_1
//       - ERROR: serviceTask 'Activity_1': no job type (zeebe:taskDefinition type)
//   - Element: Flow_3
//       - ERROR: sequenceFlow 'Flow_3': target 'X' does not exist
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace waggle::bpmn {

struct Problem {
  std::string element_id;  // empty for problems with the document as a whole
  std::string message;
};

class ProblemList {
 public:
  void Add(std::string_view element_id, std::string message);

  bool empty() const { return problems_.empty(); }
  const std::vector<Problem>& problems() const { return problems_; }

  // The rejection text for `resource_name`, one "- Element" entry per
  // problem in the order they were added, the first kMaxListed of them: a
  // rejection reason goes into a log record, so its size stays bounded.
  std::string Format(std::string_view resource_name) const;

  static constexpr size_t kMaxListed = 100;

 private:
  std::vector<Problem> problems_;
};

}  // namespace waggle::bpmn
