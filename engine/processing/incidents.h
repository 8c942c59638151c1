// Incidents: an element instance (or a job) that cannot go on without a
// user's help. Raising one writes INCIDENT CREATED; resolving writes
// INCIDENT RESOLVED and continues what stopped.
#pragma once

#include <cstdint>
#include <string>

#include "engine/processing/processing_context.h"

namespace waggle::engine {

void RaiseIncident(ProcessingContext& context, record::fb::IncidentRecordT incident);

// Resolves every incident of an element instance (it is being terminated).
void ResolveIncidentsOf(ProcessingContext& context, int64_t element_instance_key);

// INCIDENT RESOLVE.
void ProcessIncidentResolve(ProcessingContext& context, const record::fb::RecordT& command);

}  // namespace waggle::engine
