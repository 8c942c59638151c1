// Everything the processing of one command may use.
#pragma once

#include <optional>

#include "common/record/key.h"
#include "engine/engine.h"
#include "engine/processing/process_cache.h"
#include "engine/processing/writers.h"
#include "engine/state/engine_state.h"

namespace waggle::engine {

struct ProcessingContext {
  state::EngineState& state;
  ProcessCache& processes;
  record::KeyGenerator& keys;
  const EngineOptions& options;
  Writers& writers;

  // The timestamp of the command being processed: "now" for everything it
  // causes (deadlines, due dates, FEEL's now()).
  int64_t now() const { return writers.now(); }
};

// Processes one command: dispatches it to the processor of its value type
// and intent; a command no processor takes is rejected.
void ProcessOneCommand(ProcessingContext& context, const record::fb::RecordT& command);

// The processors, one file each (or one per family of intents).
void ProcessDeploymentCreate(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessCommandDistributionAcknowledge(ProcessingContext& context,
                                           const record::fb::RecordT& command);
void ProcessInstanceCreationCreate(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessProcessInstanceCommand(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessJobCommand(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessJobBatchActivate(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessVariableDocumentUpdate(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessTimerTrigger(ProcessingContext& context, const record::fb::RecordT& command);

// Opens the timers (when `schedule_timers`) and message subscriptions of the
// start events of a newly deployed process version, and closes those of
// `previous_version_key`.
void OpenStartEvents(ProcessingContext& context, const DeployedProcess& process,
                     std::optional<int64_t> previous_version_key, bool schedule_timers);

}  // namespace waggle::engine
