// Multi-instance activities, as Zeebe runs them: the activity is entered as
// a MULTI_INSTANCE_BODY element instance; the body evaluates the input
// collection and activates one inner instance of the activity per item
// (all at once when parallel, one after the other when sequential). Each
// inner instance has the local variables loopCounter (1-based) and the item
// (inputElement); the body keeps the output collection as a local variable
// and propagates it to its flow scope when it completes. Input and output
// mappings apply to the inner instances; boundary events belong to the body.
#include <algorithm>
#include <string>
#include <vector>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"

namespace waggle::engine {

using nlohmann::json;
using record::ProcessInstanceIntent;
using record::fb::ErrorType;
using record::fb::ProcessInstanceRecordT;

namespace {

constexpr char kLoopCounter[] = "loopCounter";

}  // namespace

void BpmnProcessor::ActivateBody(Instance& body) {
  const bpmn::MultiInstance& loop = *body.element->multi_instance;
  Result<json> collection = expressions_.EvaluateArray(loop.input_collection, body.key);
  if (!collection.ok()) {
    return Incident(body, ErrorType::EXTRACT_VALUE_ERROR, collection.status().message());
  }
  Write(body, ProcessInstanceIntent::kElementActivated);
  if (!loop.output_collection.empty()) {
    variables_.SetLocal(body.key, body.value(), loop.output_collection,
                        json(std::vector<json>(collection->size())));
  }
  if (collection->empty()) {
    return context_.writers.Command(body.key, ProcessInstanceIntent::kCompleteElement,
                                    ProcessInstanceRecordT(body.value()));
  }
  const size_t count = loop.sequential ? 1 : collection->size();
  for (size_t i = 0; i < count; ++i) ActivateChild(body, *body.element);
}

bool BpmnProcessor::SetLoopVariables(Instance& inner) {
  const bpmn::MultiInstance& loop = *inner.element->multi_instance;
  // The applier numbered the instance when it was activated.
  auto stored = context_.state.element_instances.Get(inner.key);
  const int32_t loop_counter = stored ? stored->loop_counter : 0;
  Result<json> collection = expressions_.EvaluateArray(loop.input_collection, inner.key);
  if (!collection.ok()) {
    Incident(inner, ErrorType::EXTRACT_VALUE_ERROR, collection.status().message());
    return false;
  }
  const size_t index = static_cast<size_t>(std::max(loop_counter - 1, 0));
  if (index >= collection->size()) {
    Incident(inner, ErrorType::EXTRACT_VALUE_ERROR,
             "Expected to read item at index " + std::to_string(index) +
                 " of the multiInstanceBody input collection but it contains only " +
                 std::to_string(collection->size()) +
                 " elements. The input collection might be modified while iterating over it.");
    return false;
  }
  if (!loop.input_element.empty()) {
    variables_.SetLocal(inner.key, inner.value(), loop.input_element, (*collection)[index]);
  }
  // An outputElement that names a variable (or a path into one) gets a local
  // variable, so that what the instance produces stays in the instance until
  // the output collection takes it.
  if (loop.output_element && loop.output_element->is_expression()) {
    std::optional<std::string> name = feel::VariableNameOf(*loop.output_element->expression);
    if (name && *name != loop.input_element && *name != kLoopCounter) {
      variables_.SetLocal(inner.key, inner.value(), *name, json());
    }
  }
  variables_.SetLocal(inner.key, inner.value(), kLoopCounter, loop_counter);
  return true;
}

std::optional<BpmnProcessor::InnerCompletion> BpmnProcessor::BeforeInnerCompleted(Instance& inner) {
  const bpmn::MultiInstance& loop = *inner.element->multi_instance;
  const int64_t body_key = inner.value().flow_scope_key;
  auto body = context_.state.element_instances.Get(body_key);
  auto stored = context_.state.element_instances.Get(inner.key);
  if (!body || !stored) return std::nullopt;

  if (loop.output_element) {
    Result<json> item = expressions_.Evaluate(*loop.output_element, inner.key);
    if (!item.ok()) {
      Incident(inner, ErrorType::EXTRACT_VALUE_ERROR, item.status().message());
      return std::nullopt;
    }
    auto variable = context_.state.variables.Get(body_key, loop.output_collection);
    json collection =
        variable ? json::parse(variable->value, nullptr, /*allow_exceptions=*/false) : json();
    const size_t index = static_cast<size_t>(std::max(stored->loop_counter - 1, 0));
    if (!collection.is_array()) {
      Incident(inner, ErrorType::EXTRACT_VALUE_ERROR,
               "Unable to update an item in output collection '" + loop.output_collection +
                   "' because the type of the output collection is: " +
                   std::string(collection.is_discarded() ? "NIL" : collection.type_name()) +
                   ". This may happen when multiple BPMN elements write to the same variable.");
      return std::nullopt;
    }
    if (index >= collection.size()) {
      Incident(inner, ErrorType::EXTRACT_VALUE_ERROR,
               "Unable to update an item in output collection '" + loop.output_collection +
                   "' at position " + std::to_string(index + 1) +
                   " because the size of the collection is: " + std::to_string(collection.size()) +
                   ". This may happen when multiple BPMN elements write to the same variable.");
      return std::nullopt;
    }
    collection[index] = std::move(*item);
    variables_.SetLocal(body_key, inner.value(), loop.output_collection, collection);
  }

  InnerCompletion completion;
  if (loop.completion_condition) {
    // As in Zeebe, the condition also sees the body's counters. This
    // instance is still active while the condition is evaluated, and inner
    // instances are only terminated once a condition held, so none were
    // terminated yet.
    json variables = variables_.Visible(inner.key);
    variables["numberOfInstances"] = body->loop_counter;
    variables["numberOfActiveInstances"] = body->active_children - 1;
    variables["numberOfCompletedInstances"] = body->loop_counter - body->active_children + 1;
    variables["numberOfTerminatedInstances"] = 0;
    Result<bool> met = expressions_.EvaluateBoolean(*loop.completion_condition, variables);
    if (!met.ok()) {
      Incident(inner, ErrorType::EXTRACT_VALUE_ERROR, met.status().message());
      return std::nullopt;
    }
    completion.condition_met = *met;
  }
  Result<json> collection = expressions_.EvaluateArray(loop.input_collection, body_key);
  if (!collection.ok()) {
    Incident(inner, ErrorType::EXTRACT_VALUE_ERROR, collection.status().message());
    return std::nullopt;
  }
  completion.collection_size = collection->size();
  return completion;
}

void BpmnProcessor::AfterInnerCompleted(int64_t body_key, const InnerCompletion& completion) {
  auto body = Load(body_key);
  if (!body) return;
  auto complete_body = [&] {
    context_.writers.Command(body->key, ProcessInstanceIntent::kCompleteElement,
                             ProcessInstanceRecordT(body->value()));
  };
  if (completion.condition_met) {
    // The other inner instances are terminated; the body completes once
    // the last is gone (OnChildEnded).
    std::vector<int64_t> others = context_.state.element_instances.Children(body->key);
    if (others.empty()) return complete_body();
    for (int64_t other : others) {
      auto stored = context_.state.element_instances.Get(other);
      if (!stored || stored->value == nullptr) continue;
      context_.writers.Command(other, ProcessInstanceIntent::kTerminateElement,
                               ProcessInstanceRecordT(*stored->value));
    }
    return;
  }
  const size_t started = static_cast<size_t>(body->stored.loop_counter);
  if (started < completion.collection_size) {
    // Sequential: the next item. Parallel: the remaining inner instances
    // are activated by commands still on their way (an inner instance that
    // completes at once, like a script task, ends before its siblings
    // start).
    if (body->element->multi_instance->sequential) ActivateChild(*body, *body->element);
    return;
  }
  if (body->stored.active_children == 0) complete_body();
}

void BpmnProcessor::PropagateOutputCollection(Instance& body) {
  const std::string& name = body.element->multi_instance->output_collection;
  if (name.empty()) return;
  auto variable = context_.state.variables.Get(body.key, name);
  if (!variable) return;
  json document = json::object();
  document[name] = json::parse(variable->value, nullptr, /*allow_exceptions=*/false);
  if (document[name].is_discarded()) document[name] = json();
  variables_.MergePropagate(body.value().flow_scope_key, body.value(), document);
}

}  // namespace waggle::engine
