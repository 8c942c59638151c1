#include "engine/processing/incidents.h"

#include <string>
#include <vector>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"

namespace waggle::engine {

using record::IncidentIntent;
using record::RejectionType;
using state::ColumnFamily;

void RaiseIncident(ProcessingContext& context, record::fb::IncidentRecordT incident) {
  context.writers.Event(context.keys.Next(), IncidentIntent::kCreated, std::move(incident));
}

void ResolveIncidentsOf(ProcessingContext& context, int64_t element_instance_key) {
  std::vector<int64_t> keys;
  context.state.access.ForEachWithPrefix(ColumnFamily::kIncidentsByElementInstance,
                                         state::KeyOf(element_instance_key),
                                         [&](std::string_view rest, std::string_view) {
                                           state::KeyReader reader(rest);
                                           int64_t key;
                                           if (reader.ReadInt64(&key)) keys.push_back(key);
                                           return true;
                                         });
  for (int64_t key : keys) {
    auto stored = context.state.access.GetTable<state::fb::StoredIncident>(ColumnFamily::kIncidents,
                                                                           state::KeyOf(key));
    if (!stored || stored->value == nullptr) continue;
    context.writers.Event(key, IncidentIntent::kResolved, *stored->value);
  }
}

void ProcessIncidentResolve(ProcessingContext& context, const record::fb::RecordT& command) {
  auto stored = context.state.access.GetTable<state::fb::StoredIncident>(ColumnFamily::kIncidents,
                                                                         state::KeyOf(command.key));
  if (!stored || stored->value == nullptr) {
    return context.writers.Rejection(command, RejectionType::kNotFound,
                                     "Expected to resolve incident with key '" +
                                         std::to_string(command.key) +
                                         "', but no such incident was found");
  }
  const record::fb::IncidentRecordT incident = *stored->value;
  if (incident.job_key >= 0) {
    auto job = context.state.jobs.Get(incident.job_key);
    if (job && job->value && job->value->retries <= 0) {
      return context.writers.Rejection(
          command, RejectionType::kInvalidState,
          "Expected to resolve incident with key '" + std::to_string(command.key) +
              "', but job with key '" + std::to_string(incident.job_key) +
              "' has no retries left. Update the job's retries first.");
    }
  }
  context.writers.Event(command.key, IncidentIntent::kResolved, incident);
  context.writers.RespondTo(command, context.writers.last());
  if (incident.job_key >= 0) {
    // The applier made the job activatable again.
    if (auto job = context.state.jobs.Get(incident.job_key); job && job->value) {
      context.writers.JobsAvailable(job->value->type);
    }
    return;
  }
  BpmnProcessor(context).ContinueAfterIncident(incident.element_instance_key);
}

}  // namespace waggle::engine
