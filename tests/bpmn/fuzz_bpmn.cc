// Fuzz target for ParseBpmn: any bytes yield a model or an InvalidArgument
// naming the resource, never a crash or hang; an accepted model's indexes
// all point into its tables. Built for libFuzzer with clang and run over a
// corpus by fuzz_regression_test.cc in the normal test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/bpmn/parser.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckModel(const waggle::bpmn::Process& process) {
  size_t elements = process.elements.size();
  size_t flows = process.flows.size();
  for (const waggle::bpmn::SequenceFlow& flow : process.flows) {
    Check(flow.source < elements && flow.target < elements);
    Check(!flow.condition || flow.condition->is_expression());
  }
  for (const waggle::bpmn::Element& element : process.elements) {
    Check(!element.id.empty());
    Check(!element.parent || *element.parent < elements);
    Check(!element.attached_to || *element.attached_to < elements);
    Check(!element.default_flow || *element.default_flow < flows);
    for (auto index : element.incoming) Check(index < flows);
    for (auto index : element.outgoing) Check(index < flows);
    for (auto index : element.children) Check(index < elements);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto result = waggle::bpmn::ParseBpmn(xml, "fuzz.bpmn");
  if (result.ok()) {
    for (const auto& process : result->processes) CheckModel(*process);
  } else {
    Check(result.status().code() == waggle::Status::Code::kInvalidArgument);
    Check(std::string_view(result.status().message()).starts_with("'fuzz.bpmn': "));
  }
  return 0;
}
