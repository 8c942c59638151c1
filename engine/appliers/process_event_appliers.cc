// The process instance partition's side of events. A
// PROCESS_MESSAGE_SUBSCRIPTION is stored from CREATING until DELETED (or,
// interrupting, CORRELATED); its state says whether the message partition
// confirmed it. PROCESS_EVENT TRIGGERING stores the caught event under its
// key until TRIGGERED hands its variables to the element instance of that
// key; unless the event leaves its scope running (a non-interrupting
// boundary event or event sub-process), TRIGGERING also marks the scope as
// interrupted by it, so that the first event wins. A caught event that
// starts an event sub-process is also listed in its scope until the
// sub-process's start event takes it over.
#include <algorithm>

#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {
namespace {

using record::ProcessMessageSubscriptionIntent;

void OnTriggering(state::EngineState& state, ProcessCache& processes, int64_t key,
                  const record::fb::ProcessEventRecordT& trigger) {
  state.event_scopes.PutTrigger(key, trigger);
  // A process started by a timer or message: its scope is the definition.
  auto scope = state.element_instances.Get(trigger.scope_key);
  auto process = processes.Get(state, trigger.process_definition_key);
  if (!scope || process == nullptr) return;
  auto index = process->model->FindElement(trigger.target_element_id);
  if (!index) return;
  const bpmn::Element* target = &process->model->elements[*index];
  const bool boundary = target->type == bpmn::ElementType::kBoundaryEvent;
  const bool event_sub_process = process->model->StartsEventSubProcess(*target);
  if (event_sub_process) scope->event_sub_process_triggers.push_back(key);
  if (target->interrupting || !(boundary || event_sub_process)) {
    scope->interrupting_event_key = key;
    scope->interrupting_event_id = trigger.target_element_id;
  }
  state.element_instances.Put(trigger.scope_key, *scope);
}

void OnTriggered(state::EngineState& state, int64_t key) {
  auto trigger = state.event_scopes.GetTrigger(key);
  state.event_scopes.RemoveTrigger(key);
  if (!trigger) return;
  if (auto scope = state.element_instances.Get(trigger->scope_key)) {
    auto& waiting = scope->event_sub_process_triggers;
    if (auto it = std::find(waiting.begin(), waiting.end(), key); it != waiting.end()) {
      waiting.erase(it);
      state.element_instances.Put(trigger->scope_key, *scope);
    }
  }
  if (trigger->variables.empty()) return;
  if (auto instance = state.element_instances.Get(key)) {
    instance->pending_variables = trigger->variables;
    state.element_instances.Put(key, *instance);
  }
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
    OnTriggering(state, processes, event.key, *value);
  } else if (event.intent == record::IntentCode(record::ProcessEventIntent::kTriggered)) {
    OnTriggered(state, event.key);
  }
}

}  // namespace waggle::engine
