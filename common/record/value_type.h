// ValueType: what a record's value is, with Zeebe's numeric codes (the codes
// are on the wire and in exported records, so they never change).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/record/named_code.h"

namespace waggle::record {

#define WAGGLE_VALUE_TYPES(X)                                               \
  X(kJob, "JOB", 0)                                                         \
  X(kDeployment, "DEPLOYMENT", 4)                                           \
  X(kProcessInstance, "PROCESS_INSTANCE", 5)                                \
  X(kIncident, "INCIDENT", 6)                                               \
  X(kMessage, "MESSAGE", 10)                                                \
  X(kMessageSubscription, "MESSAGE_SUBSCRIPTION", 11)                       \
  X(kProcessMessageSubscription, "PROCESS_MESSAGE_SUBSCRIPTION", 12)        \
  X(kJobBatch, "JOB_BATCH", 14)                                             \
  X(kTimer, "TIMER", 15)                                                    \
  X(kMessageStartEventSubscription, "MESSAGE_START_EVENT_SUBSCRIPTION", 16) \
  X(kVariable, "VARIABLE", 17)                                              \
  X(kVariableDocument, "VARIABLE_DOCUMENT", 18)                             \
  X(kProcessInstanceCreation, "PROCESS_INSTANCE_CREATION", 19)              \
  X(kError, "ERROR", 20)                                                    \
  X(kProcessInstanceResult, "PROCESS_INSTANCE_RESULT", 21)                  \
  X(kProcess, "PROCESS", 22)                                                \
  X(kDeploymentDistribution, "DEPLOYMENT_DISTRIBUTION", 23)                 \
  X(kProcessEvent, "PROCESS_EVENT", 24)                                     \
  X(kDecision, "DECISION", 25)                                              \
  X(kDecisionRequirements, "DECISION_REQUIREMENTS", 26)                     \
  X(kDecisionEvaluation, "DECISION_EVALUATION", 27)                         \
  X(kCheckpoint, "CHECKPOINT", 28)                                          \
  X(kEscalation, "ESCALATION", 29)                                          \
  X(kSignalSubscription, "SIGNAL_SUBSCRIPTION", 30)                         \
  X(kSignal, "SIGNAL", 31)                                                  \
  X(kResourceDeletion, "RESOURCE_DELETION", 32)                             \
  X(kCommandDistribution, "COMMAND_DISTRIBUTION", 33)

enum class ValueType : uint8_t { WAGGLE_VALUE_TYPES(WAGGLE_RECORD_ENUMERATOR) };

inline constexpr NamedCode kValueTypes[] = {WAGGLE_VALUE_TYPES(WAGGLE_RECORD_NAMED_CODE)};

// "PROCESS_INSTANCE" for kProcessInstance; nullopt for a code Zeebe does not define.
inline std::optional<std::string_view> ValueTypeName(ValueType type) {
  return NameOfCode(kValueTypes, static_cast<uint8_t>(type));
}

inline std::optional<ValueType> ValueTypeFromCode(uint8_t code) {
  return EnumFromCode<ValueType>(kValueTypes, code);
}

inline std::optional<ValueType> ValueTypeFromName(std::string_view name) {
  return EnumFromName<ValueType>(kValueTypes, name);
}

}  // namespace waggle::record
