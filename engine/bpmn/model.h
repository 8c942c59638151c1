// The parse result of one BPMN deployment resource: the processes it
// defines. Versions are not decided here; the deployment assigns them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/bpmn/process.h"

namespace waggle::bpmn {

struct ParsedResource {
  std::string resource_name;
  // In document order; executable or not (see Process::executable).
  std::vector<std::shared_ptr<const Process>> processes;
};

}  // namespace waggle::bpmn
