// PROCESS CREATED stores the definition; DEPLOYMENT events change nothing
// more (the processes carry everything an instance needs). A deployment's
// distribution is pending per partition from DISTRIBUTING to ACKNOWLEDGED.
#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {

void ApplyDeploymentEvent(state::EngineState& state, ProcessCache&,
                          const record::fb::RecordT& event) {
  if (event.value_type != static_cast<uint8_t>(record::ValueType::kProcess)) return;
  if (event.intent != record::IntentCode(record::ProcessIntent::kCreated)) return;
  const auto* process = event.typed_value.AsProcessRecord();
  if (process != nullptr) state.processes.Put(*process);
}

void ApplyCommandDistributionEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsCommandDistributionRecord();
  if (value == nullptr) return;
  const std::string key = state::KeyOf(event.key, int64_t{value->partition_id});
  using record::CommandDistributionIntent;
  if (event.intent == record::IntentCode(CommandDistributionIntent::kDistributing)) {
    // The command to send (again) until the partition acknowledges it.
    state.access.Put(state::ColumnFamily::kCommandDistribution, key,
                     std::string_view(reinterpret_cast<const char*>(value->command_value.data()),
                                      value->command_value.size()));
  } else if (event.intent == record::IntentCode(CommandDistributionIntent::kAcknowledged)) {
    state.access.Delete(state::ColumnFamily::kCommandDistribution, key);
  }
}

}  // namespace waggle::engine
