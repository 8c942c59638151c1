// Appliers: the only code that changes the engine's state. Each event has
// one applier, which turns it into state changes; processing writes events
// (Writers::Event applies them at once) and replay applies the same events,
// so a follower that sees only the events reaches the leader's state.
#pragma once

#include "common/record/key.h"
#include "common/record/record_generated.h"
#include "engine/processing/process_cache.h"
#include "engine/state/engine_state.h"

namespace waggle::engine {

class EventApplier {
 public:
  // REQUIRES: both outlive the applier.
  EventApplier(ProcessCache* processes, record::KeyGenerator* keys)
      : processes_(processes), keys_(keys) {}

  // REQUIRES: event.record_type is EVENT.
  void Apply(state::EngineState& state, const record::fb::RecordT& event);

 private:
  ProcessCache* processes_;
  record::KeyGenerator* keys_;
};

// The appliers of each value type (one file each).
void ApplyDeploymentEvent(state::EngineState& state, ProcessCache& processes,
                          const record::fb::RecordT& event);
void ApplyCommandDistributionEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyProcessInstanceEvent(state::EngineState& state, ProcessCache& processes,
                               const record::fb::RecordT& event);
void ApplyProcessInstanceCreationEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyVariableEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyIncidentEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyJobEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyJobBatchEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyTimerEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyMessageEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyMessageSubscriptionEvent(state::EngineState& state, const record::fb::RecordT& event);
void ApplyMessageStartEventSubscriptionEvent(state::EngineState& state,
                                             const record::fb::RecordT& event);
void ApplyProcessMessageSubscriptionEvent(state::EngineState& state,
                                          const record::fb::RecordT& event);
void ApplyProcessEventEvent(state::EngineState& state, ProcessCache& processes,
                            const record::fb::RecordT& event);

// How many tokens wait at the joining parallel gateway `gateway_id` of the
// scope `scope_key` from its incoming flow `flow_id`.
int32_t TakenFlowCount(const state::EngineState& state, int64_t scope_key,
                       std::string_view gateway_id, std::string_view flow_id);

}  // namespace waggle::engine
