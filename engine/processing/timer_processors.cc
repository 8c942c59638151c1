// TIMER TRIGGER, and the timers and message subscriptions of start events,
// opened when a process version is deployed (replacing the previous
// version's). Timer start events are scheduled on the deployment partition
// only, so that each fires once in the cluster; message start events are
// subscribed on every partition, since a message is published on the
// partition of its correlation key.
#include <string>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"
#include "engine/processing/messages.h"

namespace waggle::engine {

using record::RejectionType;
using record::TimerIntent;
using record::fb::RecordT;
using record::fb::TimerRecordT;

void ProcessTimerTrigger(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsTimerRecord();
  if (value == nullptr) return;
  auto timer = context.state.timers.Get(value->element_instance_key, command.key);
  if (!timer) {
    return context.writers.Rejection(command, RejectionType::kNotFound,
                                     "Expected to trigger timer with key '" +
                                         std::to_string(command.key) +
                                         "', but no such timer was found");
  }
  BpmnProcessor bpmn(context);
  const bool starts_instance = timer->element_instance_key < 0;
  if (!starts_instance &&
      !bpmn.AcceptsEvent(timer->element_instance_key, timer->target_element_id)) {
    return context.writers.Rejection(command, RejectionType::kInvalidState,
                                     "Expected to trigger timer with key '" +
                                         std::to_string(command.key) +
                                         "', but its element instance does not accept events");
  }
  auto process = context.processes.Get(context.state, timer->process_definition_key);
  if (process == nullptr) return;
  auto index = process->model->FindElement(timer->target_element_id);
  if (!index) return;
  const bpmn::Element& event = process->model->elements[*index];

  context.writers.Event(command.key, TimerIntent::kTriggered, *timer);
  if (starts_instance) {
    bpmn.StartInstanceAt(*process, event.id, nlohmann::json::object());
  } else {
    bpmn.TriggerEvent(timer->element_instance_key, event.id, "");
  }
  // A cycle of a start event or a non-interrupting boundary event repeats.
  const bool repeats = timer->repetitions == -1 || timer->repetitions > 1;
  const bool keeps_running = starts_instance || !event.interrupting;
  if (!repeats || !keeps_running || event.timer->kind != bpmn::TimerKind::kCycle) return;
  Result<TimerSchedule> schedule = bpmn.EvaluateTimer(event, timer->element_instance_key);
  if (!schedule.ok()) return;
  TimerRecordT next = *timer;
  next.due_date = AddInterval(context.now(), schedule->interval);
  if (next.repetitions > 0) --next.repetitions;
  context.writers.Event(context.keys.Next(), TimerIntent::kCreated, std::move(next));
}

void OpenStartEvents(ProcessingContext& context, const DeployedProcess& process,
                     std::optional<int64_t> previous_version_key, bool schedule_timers) {
  using record::MessageStartEventSubscriptionIntent;
  if (previous_version_key) {
    if (schedule_timers) {
      for (auto& [key, timer] : context.state.timers.OfElementInstance(-1)) {
        if (timer.process_definition_key != *previous_version_key) continue;
        context.writers.Event(key, TimerIntent::kCanceled, std::move(timer));
      }
    }
    for (auto& subscription : context.state.messages.StartSubscriptionsOf(*previous_version_key)) {
      context.writers.Event(subscription.key, MessageStartEventSubscriptionIntent::kDeleted,
                            *subscription.value);
    }
  }
  BpmnProcessor bpmn(context);
  const bpmn::Process& model = *process.model;
  for (bpmn::ElementIndex index : model.children) {
    const bpmn::Element& event = model.elements[index];
    if (event.type != bpmn::ElementType::kStartEvent) continue;
    if (event.timer && schedule_timers) {
      // An expression sees no variables; one that fails schedules nothing.
      Result<TimerSchedule> schedule = bpmn.EvaluateTimer(event, -1);
      if (!schedule.ok()) continue;
      TimerRecordT timer;
      timer.due_date = schedule->due_date;
      timer.target_element_id = event.id;
      timer.repetitions = schedule->repetitions;
      timer.process_definition_key = process.key;
      context.writers.Event(context.keys.Next(), TimerIntent::kCreated, std::move(timer));
    } else if (event.message && !event.message->name.is_expression()) {
      record::fb::MessageStartEventSubscriptionRecordT subscription;
      subscription.process_definition_key = process.key;
      subscription.bpmn_process_id = process.bpmn_process_id;
      subscription.start_event_id = event.id;
      subscription.message_name = event.message->name.text;
      context.writers.Event(context.keys.Next(), MessageStartEventSubscriptionIntent::kCreated,
                            std::move(subscription));
    }
  }
}

}  // namespace waggle::engine
