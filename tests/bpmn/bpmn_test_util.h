// Helpers shared by the BPMN parser tests.
#pragma once

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "engine/bpmn/parser.h"

namespace waggle::bpmn::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Element counts by BPMN local name (an event sub-process counts as a
// subProcess), as SOURCES.md lists them.
inline std::map<std::string, int> CountByTypeName(const Process& process) {
  std::map<std::string, int> counts;
  for (const Element& element : process.elements)
    ++counts[std::string(ElementTypeName(element.type))];
  return counts;
}

// Job types of job-worker elements, expressions written back with '=';
// job-based user tasks left out (SOURCES.md lists them separately).
inline std::set<std::string> JobTypes(const Process& process) {
  std::set<std::string> types;
  for (const Element& element : process.elements) {
    if (!element.job || element.type == ElementType::kUserTask) continue;
    const ValueOrExpression& type = element.job->type;
    types.insert(type.is_expression() ? "=" + type.text : type.text);
  }
  return types;
}

}  // namespace waggle::bpmn::testing
