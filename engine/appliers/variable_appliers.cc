#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {

void ApplyVariableEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsVariableRecord();
  if (value == nullptr) return;
  // CREATED and UPDATED both store the variable's current value.
  state.variables.Put(value->scope_key, value->name, event.key, value->value);
}

}  // namespace waggle::engine
