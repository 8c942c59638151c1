// Event sub-processes, as Zeebe runs them: the scope that contains one (the
// process, a sub-process, another event sub-process) subscribes to its timer
// or message start event while it is active; errors find their error start
// event through FindErrorCatch. A caught event (PROCESS_EVENT TRIGGERING,
// scope = the containing scope) activates the event sub-process inside that
// scope with a new key, and its start event with the key of the trigger,
// which it takes over (TRIGGERED) with its variables. A non-interrupting one
// activates at once, the scope going on. An interrupting one marks the scope
// as interrupted, closes the scope's other event sub-process subscriptions
// and terminates the scope's children; when the last is gone (OnChildEnded)
// the event sub-process activates, and the scope completes after it. The
// scope keeps its boundary events.
#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"

namespace waggle::engine {

using record::ProcessInstanceIntent;
using record::fb::ProcessInstanceRecordT;

void BpmnProcessor::TriggerEventSubProcess(Instance& scope, const bpmn::Element& start) {
  const bpmn::Element& sub_process = scope.process->model->elements[*start.parent];
  if (!start.interrupting) return ActivateChild(scope, sub_process);
  CloseEventSubscriptions(scope, /*event_sub_processes_only=*/true);
  std::vector<int64_t> children = context_.state.element_instances.Children(scope.key);
  if (children.empty()) return ActivateChild(scope, sub_process);
  for (int64_t child : children) {
    auto stored = context_.state.element_instances.Get(child);
    if (!stored || stored->value == nullptr) continue;
    context_.writers.Command(child, ProcessInstanceIntent::kTerminateElement,
                             ProcessInstanceRecordT(*stored->value));
  }
}

void BpmnProcessor::ActivateEventSubProcessStart(Instance& instance) {
  const bpmn::Process& model = *instance.process->model;
  auto start = model.StartEventOf(*instance.element);
  auto scope = context_.state.element_instances.Get(instance.value().flow_scope_key);
  if (!start || !scope) return;
  const bpmn::Element& event = model.elements[*start];
  // Oldest first: event sub-processes activate in the order their events
  // were caught.
  for (int64_t key : scope->event_sub_process_triggers) {
    auto trigger = context_.state.event_scopes.GetTrigger(key);
    if (trigger && trigger->target_element_id == event.id) {
      return ActivateChild(instance, event, key);
    }
  }
}

}  // namespace waggle::engine
