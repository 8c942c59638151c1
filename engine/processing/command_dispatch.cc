#include <string>

#include "common/record/intent.h"
#include "common/record/value_type.h"
#include "engine/processing/incidents.h"
#include "engine/processing/messages.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

using record::ValueType;

void ProcessOneCommand(ProcessingContext& context, const record::fb::RecordT& command) {
  const auto type = static_cast<ValueType>(command.value_type);
  const uint8_t intent = command.intent;
  auto is = [&](auto expected) { return intent == record::IntentCode(expected); };
  switch (type) {
    case ValueType::kDeployment:
      if (is(record::DeploymentIntent::kCreate)) return ProcessDeploymentCreate(context, command);
      break;
    case ValueType::kCommandDistribution:
      if (is(record::CommandDistributionIntent::kAcknowledge)) {
        return ProcessCommandDistributionAcknowledge(context, command);
      }
      break;
    case ValueType::kProcessInstanceCreation:
      if (is(record::ProcessInstanceCreationIntent::kCreate) ||
          is(record::ProcessInstanceCreationIntent::kCreateWithAwaitingResult)) {
        return ProcessInstanceCreationCreate(context, command);
      }
      break;
    case ValueType::kProcessInstance: return ProcessProcessInstanceCommand(context, command);
    case ValueType::kJob: return ProcessJobCommand(context, command);
    case ValueType::kIncident:
      if (is(record::IncidentIntent::kResolve)) return ProcessIncidentResolve(context, command);
      break;
    case ValueType::kJobBatch:
      if (is(record::JobBatchIntent::kActivate)) return ProcessJobBatchActivate(context, command);
      break;
    case ValueType::kVariableDocument:
      if (is(record::VariableDocumentIntent::kUpdate)) {
        return ProcessVariableDocumentUpdate(context, command);
      }
      break;
    case ValueType::kTimer:
      if (is(record::TimerIntent::kTrigger)) return ProcessTimerTrigger(context, command);
      break;
    case ValueType::kMessage:
      if (is(record::MessageIntent::kPublish)) return ProcessMessagePublish(context, command);
      if (is(record::MessageIntent::kExpire)) return ProcessMessageExpire(context, command);
      break;
    case ValueType::kMessageSubscription:
      return ProcessMessageSubscriptionCommand(context, command);
    case ValueType::kProcessMessageSubscription:
      return ProcessProcessMessageSubscriptionCommand(context, command);
    default: break;
  }
  const auto type_name = record::ValueTypeName(type);
  const auto intent_name = record::IntentName(type, intent);
  context.writers.Rejection(
      command, record::RejectionType::kInvalidArgument,
      "Expected a command this engine processes, but got " +
          std::string(type_name ? *type_name : "value type " + std::to_string(command.value_type)) +
          " " + std::string(intent_name ? *intent_name : "intent " + std::to_string(intent)));
}

}  // namespace waggle::engine
