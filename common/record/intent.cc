#include "common/record/intent.h"

namespace waggle::record {

std::span<const NamedCode> IntentsOf(ValueType type) {
  switch (type) {
    case ValueType::kJob: return kJobIntents;
    case ValueType::kDeployment: return kDeploymentIntents;
    case ValueType::kProcessInstance: return kProcessInstanceIntents;
    case ValueType::kIncident: return kIncidentIntents;
    case ValueType::kMessage: return kMessageIntents;
    case ValueType::kMessageSubscription: return kMessageSubscriptionIntents;
    case ValueType::kProcessMessageSubscription: return kProcessMessageSubscriptionIntents;
    case ValueType::kJobBatch: return kJobBatchIntents;
    case ValueType::kTimer: return kTimerIntents;
    case ValueType::kMessageStartEventSubscription: return kMessageStartEventSubscriptionIntents;
    case ValueType::kVariable: return kVariableIntents;
    case ValueType::kVariableDocument: return kVariableDocumentIntents;
    case ValueType::kProcessInstanceCreation: return kProcessInstanceCreationIntents;
    case ValueType::kError: return kErrorIntents;
    case ValueType::kProcessInstanceResult: return kProcessInstanceResultIntents;
    case ValueType::kProcess: return kProcessIntents;
    case ValueType::kDeploymentDistribution: return kDeploymentDistributionIntents;
    case ValueType::kProcessEvent: return kProcessEventIntents;
    case ValueType::kDecision: return kDecisionIntents;
    case ValueType::kDecisionRequirements: return kDecisionRequirementsIntents;
    case ValueType::kDecisionEvaluation: return kDecisionEvaluationIntents;
    case ValueType::kCheckpoint: return kCheckpointIntents;
    case ValueType::kEscalation: return kEscalationIntents;
    case ValueType::kSignalSubscription: return kSignalSubscriptionIntents;
    case ValueType::kSignal: return kSignalIntents;
    case ValueType::kResourceDeletion: return kResourceDeletionIntents;
    case ValueType::kCommandDistribution: return kCommandDistributionIntents;
  }
  return {};
}

}  // namespace waggle::record
