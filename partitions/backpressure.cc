#include "partitions/backpressure.h"

#include "common/record/intent.h"
#include "common/record/value_type.h"

namespace waggle::partitions {

bool IsExemptFromBackpressure(const record::fb::Record& command) {
  using record::ValueType;
  const auto type = static_cast<ValueType>(command.value_type());
  const uint8_t intent = command.intent();
  switch (type) {
    case ValueType::kJob:
      return intent == record::IntentCode(record::JobIntent::kComplete) ||
             intent == record::IntentCode(record::JobIntent::kFail);
    case ValueType::kProcessInstance:
      return intent == record::IntentCode(record::ProcessInstanceIntent::kCancel);
    case ValueType::kDeploymentDistribution: return true;
    case ValueType::kCommandDistribution:
      return intent == record::IntentCode(record::CommandDistributionIntent::kAcknowledge);
    default: return false;
  }
}

}  // namespace waggle::partitions
