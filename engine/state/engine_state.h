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

// Decoded values that outlive a transaction (table_cache.h), owned by the
// engine: what committed transactions read and wrote of the hottest state.
struct RetainedValues {
  // Per family; more would mean a cache of cold values.
  static constexpr size_t kMax = 1 << 16;

  ElementInstanceState::Retained element_instances;
  VariableState::Retained variables;
  JobState::Retained jobs;
};

struct EngineState {
  // REQUIRES: `transaction`, `error` and `retained` (if not null) outlive
  // this object; a transaction that commits calls Flush before and Retain
  // after.
  EngineState(Transaction* transaction, Status* error, RetainedValues* retained = nullptr)
      : access(transaction, error),
        processes(&access),
        element_instances(&access, retained ? &retained->element_instances : nullptr),
        variables(&access, retained ? &retained->variables : nullptr),
        jobs(&access, retained ? &retained->jobs : nullptr),
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

  // Once the transaction committed: keeps what the views cache for the next.
  void Retain() {
    element_instances.Retain(RetainedValues::kMax);
    variables.Retain(RetainedValues::kMax);
    jobs.Retain(RetainedValues::kMax);
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
