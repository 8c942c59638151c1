// VARIABLE_DOCUMENT UPDATE (SetVariables): sets variables on an element
// instance's scope, locally or propagated.
#include <string>

#include "common/record/intent.h"
#include "engine/processing/bpmn/variables.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

using record::RejectionType;
using record::fb::RecordT;

void ProcessVariableDocumentUpdate(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsVariableDocumentRecord();
  if (value == nullptr) return;
  auto scope = context.state.element_instances.Get(value->scope_key);
  if (!scope || scope->value == nullptr) {
    return context.writers.Rejection(command, RejectionType::kNotFound,
                                     "Expected to update variables for element with key '" +
                                         std::to_string(value->scope_key) +
                                         "', but no such element was found");
  }
  Result<nlohmann::json> document = ParseVariablesDocument(value->variables, "variables");
  if (!document.ok()) {
    return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                     document.status().message());
  }
  Variables variables(context);
  if (value->update_semantics == record::fb::VariableDocumentUpdateSemantic::LOCAL) {
    variables.MergeLocal(value->scope_key, *scope->value, *document);
  } else {
    variables.MergePropagate(value->scope_key, *scope->value, *document);
  }
  context.writers.Event(context.keys.Next(), record::VariableDocumentIntent::kUpdated,
                        record::fb::VariableDocumentRecordT(*value));
  context.writers.RespondTo(command, context.writers.last());
}

}  // namespace waggle::engine
