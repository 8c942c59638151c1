#include "engine/appliers/event_applier.h"

#include "common/record/value_type.h"

namespace waggle::engine {

using record::ValueType;

void EventApplier::Apply(state::EngineState& state, const record::fb::RecordT& event) {
  // Every key an event carries was handed out by some leader: a follower's
  // generator must never hand it out again after a failover.
  if (event.key >= 0) keys_->Observe(event.key);
  switch (static_cast<ValueType>(event.value_type)) {
    case ValueType::kProcess:
    case ValueType::kDeployment: ApplyDeploymentEvent(state, *processes_, event); break;
    case ValueType::kCommandDistribution: ApplyCommandDistributionEvent(state, event); break;
    case ValueType::kProcessInstance: ApplyProcessInstanceEvent(state, *processes_, event); break;
    case ValueType::kProcessInstanceCreation:
      ApplyProcessInstanceCreationEvent(state, event);
      break;
    case ValueType::kVariable: ApplyVariableEvent(state, event); break;
    case ValueType::kJob: ApplyJobEvent(state, event); break;
    case ValueType::kIncident: ApplyIncidentEvent(state, event); break;
    case ValueType::kJobBatch: ApplyJobBatchEvent(state, event); break;
    case ValueType::kTimer: ApplyTimerEvent(state, event); break;
    case ValueType::kMessage: ApplyMessageEvent(state, event); break;
    case ValueType::kMessageSubscription: ApplyMessageSubscriptionEvent(state, event); break;
    case ValueType::kMessageStartEventSubscription:
      ApplyMessageStartEventSubscriptionEvent(state, event);
      break;
    case ValueType::kProcessMessageSubscription:
      ApplyProcessMessageSubscriptionEvent(state, event);
      break;
    case ValueType::kProcessEvent: ApplyProcessEventEvent(state, *processes_, event); break;
    default:
      // Events that change no state (e.g. PROCESS_INSTANCE_RESULT COMPLETED).
      break;
  }
}

}  // namespace waggle::engine
