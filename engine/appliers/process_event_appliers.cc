// The process instance partition's side of events. A
// PROCESS_MESSAGE_SUBSCRIPTION is stored from CREATING until DELETED (or,
// interrupting, CORRELATED); its state says whether the message partition
// confirmed it. PROCESS_EVENT TRIGGERING stores the caught event under its
// key until TRIGGERED hands its variables to the element instance of that
// key; unless the event leaves its scope running (a non-interrupting
// boundary event), TRIGGERING also marks the scope as interrupted by it, so
// that the first event wins.
#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {
namespace {

using record::ProcessMessageSubscriptionIntent;

// Whether catching `trigger` leaves its scope running.
bool KeepsScopeRunning(state::EngineState& state, ProcessCache& processes,
                       const record::fb::ProcessEventRecordT& trigger) {
  auto process = processes.Get(state, trigger.process_definition_key);
  if (process == nullptr) return false;
  auto index = process->model->FindElement(trigger.target_element_id);
  if (!index) return false;
  const bpmn::Element& element = process->model->elements[*index];
  return element.type == bpmn::ElementType::kBoundaryEvent && !element.interrupting;
}

}  // namespace

void ApplyProcessMessageSubscriptionEvent(state::EngineState& state,
                                          const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsProcessMessageSubscriptionRecord();
  if (value == nullptr) return;
  auto stored =
      state.event_scopes.GetSubscription(value->element_instance_key, value->message_name);
  switch (static_cast<ProcessMessageSubscriptionIntent>(event.intent)) {
    case ProcessMessageSubscriptionIntent::kCreating: {
      state::fb::StoredProcessMessageSubscriptionT subscription;
      subscription.key = event.key;
      subscription.state = event.intent;
      subscription.value = std::make_unique<record::fb::ProcessMessageSubscriptionRecordT>(*value);
      state.event_scopes.PutSubscription(subscription);
      break;
    }
    case ProcessMessageSubscriptionIntent::kCreated:
    case ProcessMessageSubscriptionIntent::kDeleting:
      if (!stored) break;
      stored->state = event.intent;
      state.event_scopes.PutSubscription(*stored);
      break;
    case ProcessMessageSubscriptionIntent::kCorrelated:
      if (!stored) break;
      if (stored->value->interrupting) {
        state.event_scopes.RemoveSubscription(value->element_instance_key, value->message_name);
      } else {
        // Open again; the message it took is remembered so that a retried
        // CORRELATE of it is recognized.
        stored->state = record::IntentCode(ProcessMessageSubscriptionIntent::kCreated);
        stored->value->message_key = value->message_key;
        state.event_scopes.PutSubscription(*stored);
      }
      break;
    case ProcessMessageSubscriptionIntent::kDeleted:
      state.event_scopes.RemoveSubscription(value->element_instance_key, value->message_name);
      break;
    default: break;
  }
}

void ApplyProcessEventEvent(state::EngineState& state, ProcessCache& processes,
                            const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsProcessEventRecord();
  if (value == nullptr) return;
  if (event.intent == record::IntentCode(record::ProcessEventIntent::kTriggering)) {
    state.event_scopes.PutTrigger(event.key, *value);
    if (KeepsScopeRunning(state, processes, *value)) return;
    if (auto scope = state.element_instances.Get(value->scope_key)) {
      scope->interrupting_event_key = event.key;
      scope->interrupting_event_id = value->target_element_id;
      state.element_instances.Put(value->scope_key, *scope);
    }
  } else if (event.intent == record::IntentCode(record::ProcessEventIntent::kTriggered)) {
    auto trigger = state.event_scopes.GetTrigger(event.key);
    state.event_scopes.RemoveTrigger(event.key);
    if (!trigger || trigger->variables.empty()) return;
    if (auto instance = state.element_instances.Get(event.key)) {
      instance->pending_variables = trigger->variables;
      state.element_instances.Put(event.key, *instance);
    }
  }
}

}  // namespace waggle::engine
