// Incidents by key, indexed by element instance; resolving a job's incident
// makes the job activatable again.
#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {

using state::ColumnFamily;

void ApplyIncidentEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsIncidentRecord();
  if (value == nullptr) return;
  const std::string by_element = state::KeyOf(value->element_instance_key, event.key);
  if (event.intent == record::IntentCode(record::IncidentIntent::kCreated)) {
    state::fb::StoredIncidentT stored;
    stored.value = std::make_unique<record::fb::IncidentRecordT>(*value);
    state.access.PutTable<state::fb::StoredIncident>(ColumnFamily::kIncidents,
                                                     state::KeyOf(event.key), stored);
    state.access.Put(ColumnFamily::kIncidentsByElementInstance, by_element, "");
  } else if (event.intent == record::IntentCode(record::IncidentIntent::kResolved)) {
    state.access.Delete(ColumnFamily::kIncidents, state::KeyOf(event.key));
    state.access.Delete(ColumnFamily::kIncidentsByElementInstance, by_element);
    if (value->job_key >= 0) {
      auto job = state.jobs.Get(value->job_key);
      if (job && job->value && job->value->retries > 0) {
        state.jobs.Put(value->job_key, state::JobLifecycle::kActivatable, *job->value);
      }
    }
  }
}

}  // namespace waggle::engine
