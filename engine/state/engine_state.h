// The engine's typed state as seen by one transaction: every typed view over
// the same StateAccess, so processors and appliers share one sticky error.
#pragma once

#include "engine/state/element_instance_state.h"
#include "engine/state/event_scope_state.h"
#include "engine/state/job_state.h"
#include "engine/state/message_state.h"
#include "engine/state/process_state.h"
#include "engine/state/state_access.h"
#include "engine/state/timer_state.h"
#include "engine/state/variable_state.h"

namespace waggle::engine::state {

struct EngineState {
  // REQUIRES: `transaction` and `error` outlive this object.
  EngineState(Transaction* transaction, Status* error)
      : access(transaction, error),
        processes(&access),
        element_instances(&access),
        variables(&access),
        jobs(&access),
        timers(&access),
        messages(&access),
        event_scopes(&access) {}

  EngineState(const EngineState&) = delete;
  EngineState& operator=(const EngineState&) = delete;

  // Writes what the views cache into the transaction; before it commits.
  void Flush() {
    element_instances.Flush();
    variables.Flush();
    jobs.Flush();
  }

  StateAccess access;
  ProcessState processes;
  ElementInstanceState element_instances;
  VariableState variables;
  JobState jobs;
  TimerState timers;
  MessageState messages;
  EventScopeState event_scopes;
};

}  // namespace waggle::engine::state
