// Intents: what a record does to its value (ELEMENT_ACTIVATED, COMPLETE, ...).
// As in Zeebe, each value type has its own intent enum and codes, so an
// intent code means something only together with the record's value type.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/record/named_code.h"
#include "common/record/value_type.h"

namespace waggle::record {

// Declares enum class `Type` and its table k<Type>s from an X-macro list.
#define WAGGLE_RECORD_INTENT(Type, LIST)                                      \
  enum class Type : uint8_t { LIST(WAGGLE_RECORD_ENUMERATOR) };               \
  inline constexpr NamedCode k##Type##s[] = {LIST(WAGGLE_RECORD_NAMED_CODE)}; \
  constexpr uint8_t IntentCode(Type intent) {                                 \
    return static_cast<uint8_t>(intent);                                      \
  }

#define WAGGLE_JOB_INTENTS(X)                            \
  X(kCreated, "CREATED", 0)                              \
  X(kComplete, "COMPLETE", 1)                            \
  X(kCompleted, "COMPLETED", 2)                          \
  X(kTimeOut, "TIME_OUT", 3)                             \
  X(kTimedOut, "TIMED_OUT", 4)                           \
  X(kFail, "FAIL", 5)                                    \
  X(kFailed, "FAILED", 6)                                \
  X(kUpdateRetries, "UPDATE_RETRIES", 7)                 \
  X(kRetriesUpdated, "RETRIES_UPDATED", 8)               \
  X(kCanceled, "CANCELED", 10)                           \
  X(kThrowError, "THROW_ERROR", 11)                      \
  X(kErrorThrown, "ERROR_THROWN", 12)                    \
  X(kRecurAfterBackoff, "RECUR_AFTER_BACKOFF", 13)       \
  X(kRecurredAfterBackoff, "RECURRED_AFTER_BACKOFF", 14) \
  X(kUpdateTimeout, "UPDATE_TIMEOUT", 17)                \
  X(kTimeoutUpdated, "TIMEOUT_UPDATED", 18)
WAGGLE_RECORD_INTENT(JobIntent, WAGGLE_JOB_INTENTS)

#define WAGGLE_DEPLOYMENT_INTENTS(X) \
  X(kCreate, "CREATE", 0)            \
  X(kCreated, "CREATED", 1)          \
  X(kDistribute, "DISTRIBUTE", 2)    \
  X(kDistributed, "DISTRIBUTED", 3)  \
  X(kFullyDistributed, "FULLY_DISTRIBUTED", 4)
WAGGLE_RECORD_INTENT(DeploymentIntent, WAGGLE_DEPLOYMENT_INTENTS)

#define WAGGLE_PROCESS_INSTANCE_INTENTS(X)         \
  X(kCancel, "CANCEL", 0)                          \
  X(kSequenceFlowTaken, "SEQUENCE_FLOW_TAKEN", 1)  \
  X(kElementActivating, "ELEMENT_ACTIVATING", 2)   \
  X(kElementActivated, "ELEMENT_ACTIVATED", 3)     \
  X(kElementCompleting, "ELEMENT_COMPLETING", 4)   \
  X(kElementCompleted, "ELEMENT_COMPLETED", 5)     \
  X(kElementTerminating, "ELEMENT_TERMINATING", 6) \
  X(kElementTerminated, "ELEMENT_TERMINATED", 7)   \
  X(kActivateElement, "ACTIVATE_ELEMENT", 8)       \
  X(kCompleteElement, "COMPLETE_ELEMENT", 9)       \
  X(kTerminateElement, "TERMINATE_ELEMENT", 10)
WAGGLE_RECORD_INTENT(ProcessInstanceIntent, WAGGLE_PROCESS_INSTANCE_INTENTS)

#define WAGGLE_INCIDENT_INTENTS(X) \
  X(kCreated, "CREATED", 0)        \
  X(kResolve, "RESOLVE", 1)        \
  X(kResolved, "RESOLVED", 2)
WAGGLE_RECORD_INTENT(IncidentIntent, WAGGLE_INCIDENT_INTENTS)

#define WAGGLE_MESSAGE_INTENTS(X) \
  X(kPublish, "PUBLISH", 0)       \
  X(kPublished, "PUBLISHED", 1)   \
  X(kExpire, "EXPIRE", 2)         \
  X(kExpired, "EXPIRED", 3)
WAGGLE_RECORD_INTENT(MessageIntent, WAGGLE_MESSAGE_INTENTS)

#define WAGGLE_MESSAGE_SUBSCRIPTION_INTENTS(X) \
  X(kCreate, "CREATE", 0)                      \
  X(kCreated, "CREATED", 1)                    \
  X(kCorrelating, "CORRELATING", 2)            \
  X(kCorrelate, "CORRELATE", 3)                \
  X(kCorrelated, "CORRELATED", 4)              \
  X(kReject, "REJECT", 5)                      \
  X(kRejected, "REJECTED", 6)                  \
  X(kDelete, "DELETE", 7)                      \
  X(kDeleted, "DELETED", 8)
WAGGLE_RECORD_INTENT(MessageSubscriptionIntent, WAGGLE_MESSAGE_SUBSCRIPTION_INTENTS)

#define WAGGLE_PROCESS_MESSAGE_SUBSCRIPTION_INTENTS(X) \
  X(kCreating, "CREATING", 0)                          \
  X(kCreate, "CREATE", 1)                              \
  X(kCreated, "CREATED", 2)                            \
  X(kCorrelate, "CORRELATE", 3)                        \
  X(kCorrelated, "CORRELATED", 4)                      \
  X(kDeleting, "DELETING", 5)                          \
  X(kDelete, "DELETE", 6)                              \
  X(kDeleted, "DELETED", 7)
WAGGLE_RECORD_INTENT(ProcessMessageSubscriptionIntent, WAGGLE_PROCESS_MESSAGE_SUBSCRIPTION_INTENTS)

#define WAGGLE_JOB_BATCH_INTENTS(X) \
  X(kActivate, "ACTIVATE", 0)       \
  X(kActivated, "ACTIVATED", 1)
WAGGLE_RECORD_INTENT(JobBatchIntent, WAGGLE_JOB_BATCH_INTENTS)

#define WAGGLE_TIMER_INTENTS(X) \
  X(kCreated, "CREATED", 0)     \
  X(kTrigger, "TRIGGER", 1)     \
  X(kTriggered, "TRIGGERED", 2) \
  X(kCanceled, "CANCELED", 3)
WAGGLE_RECORD_INTENT(TimerIntent, WAGGLE_TIMER_INTENTS)

#define WAGGLE_MESSAGE_START_EVENT_SUBSCRIPTION_INTENTS(X) \
  X(kCreated, "CREATED", 0)                                \
  X(kCorrelated, "CORRELATED", 1)                          \
  X(kDeleted, "DELETED", 2)
WAGGLE_RECORD_INTENT(MessageStartEventSubscriptionIntent,
                     WAGGLE_MESSAGE_START_EVENT_SUBSCRIPTION_INTENTS)

#define WAGGLE_VARIABLE_INTENTS(X) \
  X(kCreated, "CREATED", 0)        \
  X(kUpdated, "UPDATED", 1)
WAGGLE_RECORD_INTENT(VariableIntent, WAGGLE_VARIABLE_INTENTS)

#define WAGGLE_VARIABLE_DOCUMENT_INTENTS(X) \
  X(kUpdate, "UPDATE", 0)                   \
  X(kUpdated, "UPDATED", 1)
WAGGLE_RECORD_INTENT(VariableDocumentIntent, WAGGLE_VARIABLE_DOCUMENT_INTENTS)

#define WAGGLE_PROCESS_INSTANCE_CREATION_INTENTS(X) \
  X(kCreate, "CREATE", 0)                           \
  X(kCreated, "CREATED", 1)                         \
  X(kCreateWithAwaitingResult, "CREATE_WITH_AWAITING_RESULT", 2)
WAGGLE_RECORD_INTENT(ProcessInstanceCreationIntent, WAGGLE_PROCESS_INSTANCE_CREATION_INTENTS)

#define WAGGLE_ERROR_INTENTS(X) X(kCreated, "CREATED", 0)
WAGGLE_RECORD_INTENT(ErrorIntent, WAGGLE_ERROR_INTENTS)

#define WAGGLE_PROCESS_INSTANCE_RESULT_INTENTS(X) X(kCompleted, "COMPLETED", 0)
WAGGLE_RECORD_INTENT(ProcessInstanceResultIntent, WAGGLE_PROCESS_INSTANCE_RESULT_INTENTS)

#define WAGGLE_PROCESS_INTENTS(X) \
  X(kCreated, "CREATED", 0)       \
  X(kDeleting, "DELETING", 1)     \
  X(kDeleted, "DELETED", 2)
WAGGLE_RECORD_INTENT(ProcessIntent, WAGGLE_PROCESS_INTENTS)

#define WAGGLE_DEPLOYMENT_DISTRIBUTION_INTENTS(X) \
  X(kDistributing, "DISTRIBUTING", 0)             \
  X(kComplete, "COMPLETE", 1)                     \
  X(kCompleted, "COMPLETED", 2)
WAGGLE_RECORD_INTENT(DeploymentDistributionIntent, WAGGLE_DEPLOYMENT_DISTRIBUTION_INTENTS)

#define WAGGLE_PROCESS_EVENT_INTENTS(X) \
  X(kTriggering, "TRIGGERING", 0)       \
  X(kTriggered, "TRIGGERED", 1)
WAGGLE_RECORD_INTENT(ProcessEventIntent, WAGGLE_PROCESS_EVENT_INTENTS)

#define WAGGLE_DECISION_INTENTS(X) \
  X(kCreated, "CREATED", 0)        \
  X(kDeleted, "DELETED", 1)
WAGGLE_RECORD_INTENT(DecisionIntent, WAGGLE_DECISION_INTENTS)
WAGGLE_RECORD_INTENT(DecisionRequirementsIntent, WAGGLE_DECISION_INTENTS)

#define WAGGLE_DECISION_EVALUATION_INTENTS(X) \
  X(kEvaluated, "EVALUATED", 0)               \
  X(kFailed, "FAILED", 1)                     \
  X(kEvaluate, "EVALUATE", 2)
WAGGLE_RECORD_INTENT(DecisionEvaluationIntent, WAGGLE_DECISION_EVALUATION_INTENTS)

#define WAGGLE_CHECKPOINT_INTENTS(X) \
  X(kCreate, "CREATE", 0)            \
  X(kCreated, "CREATED", 1)          \
  X(kIgnored, "IGNORED", 2)
WAGGLE_RECORD_INTENT(CheckpointIntent, WAGGLE_CHECKPOINT_INTENTS)

#define WAGGLE_ESCALATION_INTENTS(X) \
  X(kEscalated, "ESCALATED", 0)      \
  X(kNotEscalated, "NOT_ESCALATED", 1)
WAGGLE_RECORD_INTENT(EscalationIntent, WAGGLE_ESCALATION_INTENTS)

#define WAGGLE_SIGNAL_SUBSCRIPTION_INTENTS(X) \
  X(kCreated, "CREATED", 0)                   \
  X(kDeleted, "DELETED", 1)
WAGGLE_RECORD_INTENT(SignalSubscriptionIntent, WAGGLE_SIGNAL_SUBSCRIPTION_INTENTS)

#define WAGGLE_SIGNAL_INTENTS(X) \
  X(kBroadcast, "BROADCAST", 0)  \
  X(kBroadcasted, "BROADCASTED", 1)
WAGGLE_RECORD_INTENT(SignalIntent, WAGGLE_SIGNAL_INTENTS)

#define WAGGLE_RESOURCE_DELETION_INTENTS(X) \
  X(kDelete, "DELETE", 0)                   \
  X(kDeleting, "DELETING", 1)               \
  X(kDeleted, "DELETED", 2)
WAGGLE_RECORD_INTENT(ResourceDeletionIntent, WAGGLE_RESOURCE_DELETION_INTENTS)

#define WAGGLE_COMMAND_DISTRIBUTION_INTENTS(X) \
  X(kStarted, "STARTED", 0)                    \
  X(kDistributing, "DISTRIBUTING", 1)          \
  X(kAcknowledge, "ACKNOWLEDGE", 2)            \
  X(kAcknowledged, "ACKNOWLEDGED", 3)          \
  X(kFinished, "FINISHED", 4)
WAGGLE_RECORD_INTENT(CommandDistributionIntent, WAGGLE_COMMAND_DISTRIBUTION_INTENTS)

// The intents of `type` (empty for a code Zeebe does not define).
std::span<const NamedCode> IntentsOf(ValueType type);

// "ELEMENT_ACTIVATED" for (kProcessInstance, 3); nullopt when `type` has no
// intent with that code.
inline std::optional<std::string_view> IntentName(ValueType type, uint8_t intent) {
  return NameOfCode(IntentsOf(type), intent);
}

inline std::optional<uint8_t> IntentFromName(ValueType type, std::string_view name) {
  return CodeOfName(IntentsOf(type), name);
}

}  // namespace waggle::record
