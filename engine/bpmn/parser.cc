#include "engine/bpmn/parser.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include <pugixml.hpp>

#include "engine/bpmn/definitions_index.h"
#include "engine/bpmn/problems.h"
#include "engine/bpmn/process_reader.h"
#include "engine/bpmn/validator.h"
#include "engine/bpmn/xml_names.h"

namespace waggle::bpmn {
namespace {

std::string ParseErrorText(std::string_view xml, const pugi::xml_parse_result& result) {
  auto offset = static_cast<size_t>(std::clamp<ptrdiff_t>(result.offset, 0, xml.size()));
  std::string_view before = xml.substr(0, offset);
  size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  size_t line_start = before.rfind('\n');
  size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return std::string(result.description()) + " at line " + std::to_string(line) + ", column " +
         std::to_string(column) + " (offset " + std::to_string(offset) + ")";
}

// XML ids are unique per document; references by id rely on it.
class UniqueIdChecker : public pugi::xml_tree_walker {
 public:
  explicit UniqueIdChecker(ProblemList* problems) : problems_(problems) {}

  bool for_each(pugi::xml_node& node) override {
    std::string_view local = BpmnLocalName(node);
    pugi::xml_attribute id = node.attribute("id");
    if (local.empty() || !id || *id.value() == '\0') return true;
    auto [it, inserted] = first_use_.emplace(id.value(), local);
    if (!inserted) {
      problems_->Add(id.value(), std::string(local) + " '" + id.value() + "': duplicate id (" +
                                     "also used by a " + std::string(it->second) + ")");
    }
    return true;
  }

 private:
  ProblemList* problems_;
  std::unordered_map<std::string, std::string_view> first_use_;
};

}  // namespace

Result<ParsedResource> ParseBpmn(std::string_view xml, std::string_view resource_name) {
  std::string prefix = "'" + std::string(resource_name) + "': ";
  if (xml.size() > kMaxResourceBytes) {
    return Status::InvalidArgument(prefix + "resource of " + std::to_string(xml.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(kMaxResourceBytes) + " bytes");
  }
  pugi::xml_document document;
  pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return Status::InvalidArgument(prefix + "malformed XML: " + ParseErrorText(xml, parsed));
  }
  Status normalized = NormalizeNames(document, kMaxXmlDepth);
  if (!normalized.ok()) return Status::InvalidArgument(prefix + normalized.message());
  pugi::xml_node definitions = document.document_element();
  if (std::string_view(definitions.name()) != "bpmn:definitions") {
    return Status::InvalidArgument(prefix +
                                   "the root element is not a BPMN 2.0 definitions "
                                   "element (namespace " +
                                   kBpmnNamespace + ")");
  }

  ProblemList problems;
  UniqueIdChecker unique_ids(&problems);
  definitions.traverse(unique_ids);
  DefinitionsIndex index = IndexDefinitions(definitions);

  ParsedResource resource{std::string(resource_name), {}};
  bool any_executable = false;
  for (pugi::xml_node node : definitions.children("bpmn:process")) {
    std::shared_ptr<Process> process = ReadProcess(node, index, &problems);
    if (process->executable) {
      any_executable = true;
      ValidateProcess(*process, &problems);
    }
    resource.processes.push_back(std::move(process));
  }
  if (!any_executable) {
    problems.Add("", "definitions: no executable process (bpmn:process isExecutable=\"true\")");
  }
  if (!problems.empty()) return Status::InvalidArgument(problems.Format(resource_name));
  return resource;
}

}  // namespace waggle::bpmn
