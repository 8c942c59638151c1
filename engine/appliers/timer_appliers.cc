// A timer is stored from CREATED until it is TRIGGERED or CANCELED.
#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {

void ApplyTimerEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsTimerRecord();
  if (value == nullptr) return;
  switch (static_cast<record::TimerIntent>(event.intent)) {
    case record::TimerIntent::kCreated: state.timers.Put(event.key, *value); break;
    case record::TimerIntent::kTriggered:
    case record::TimerIntent::kCanceled: state.timers.Remove(event.key, *value); break;
    default: break;
  }
}

}  // namespace waggle::engine
