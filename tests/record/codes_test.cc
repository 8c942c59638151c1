#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/record/intent.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"
#include "common/record/value_type.h"

namespace waggle::record {
namespace {

// Every entry survives name -> code -> name, and no name or code repeats.
void ExpectRoundTrips(std::span<const NamedCode> table) {
  std::set<uint8_t> codes;
  std::set<std::string_view> names;
  for (const NamedCode& entry : table) {
    EXPECT_TRUE(codes.insert(entry.code).second) << "duplicate code " << int{entry.code};
    EXPECT_TRUE(names.insert(entry.name).second) << "duplicate name " << entry.name;
    EXPECT_EQ(CodeOfName(table, entry.name), entry.code);
    EXPECT_EQ(NameOfCode(table, entry.code), entry.name);
  }
}

TEST(ValueTypeTest, EveryValueTypeRoundTripsByNameAndCode) {
  ExpectRoundTrips(kValueTypes);
  for (const NamedCode& entry : kValueTypes) {
    std::optional<ValueType> type = ValueTypeFromCode(entry.code);
    ASSERT_TRUE(type.has_value()) << entry.name;
    EXPECT_EQ(ValueTypeName(*type), entry.name);
    EXPECT_EQ(ValueTypeFromName(entry.name), type);
  }
}

TEST(ValueTypeTest, CodesAreZeebes) {
  EXPECT_EQ(static_cast<int>(ValueType::kJob), 0);
  EXPECT_EQ(static_cast<int>(ValueType::kDeployment), 4);
  EXPECT_EQ(static_cast<int>(ValueType::kProcessInstance), 5);
  EXPECT_EQ(static_cast<int>(ValueType::kIncident), 6);
  EXPECT_EQ(static_cast<int>(ValueType::kMessage), 10);
  EXPECT_EQ(static_cast<int>(ValueType::kMessageSubscription), 11);
  EXPECT_EQ(static_cast<int>(ValueType::kProcessMessageSubscription), 12);
  EXPECT_EQ(static_cast<int>(ValueType::kJobBatch), 14);
  EXPECT_EQ(static_cast<int>(ValueType::kTimer), 15);
  EXPECT_EQ(static_cast<int>(ValueType::kMessageStartEventSubscription), 16);
  EXPECT_EQ(static_cast<int>(ValueType::kVariable), 17);
  EXPECT_EQ(static_cast<int>(ValueType::kVariableDocument), 18);
  EXPECT_EQ(static_cast<int>(ValueType::kProcessInstanceCreation), 19);
  EXPECT_EQ(static_cast<int>(ValueType::kError), 20);
  EXPECT_EQ(static_cast<int>(ValueType::kProcessInstanceResult), 21);
  EXPECT_EQ(static_cast<int>(ValueType::kProcess), 22);
  EXPECT_EQ(static_cast<int>(ValueType::kCommandDistribution), 33);
  EXPECT_EQ(ValueTypeName(ValueType::kProcessInstance), "PROCESS_INSTANCE");
}

TEST(ValueTypeTest, UnknownCodesAndNamesHaveNoValueType) {
  EXPECT_FALSE(ValueTypeFromCode(1));  // RAFT, gone since Zeebe 0.x
  EXPECT_FALSE(ValueTypeFromCode(255));
  EXPECT_FALSE(ValueTypeFromName("process_instance"));
  EXPECT_FALSE(ValueTypeFromName(""));
  EXPECT_FALSE(ValueTypeName(static_cast<ValueType>(200)));
}

TEST(RecordTypeTest, RoundTripsWithZeebesCodes) {
  ExpectRoundTrips(kRecordTypes);
  EXPECT_EQ(RecordTypeFromName("EVENT"), RecordType::kEvent);
  EXPECT_EQ(RecordTypeFromCode(1), RecordType::kCommand);
  EXPECT_EQ(RecordTypeName(RecordType::kCommandRejection), "COMMAND_REJECTION");
  EXPECT_EQ(static_cast<int>(RecordType::kCommandRejection), 2);
  EXPECT_FALSE(RecordTypeFromCode(3));
}

TEST(RejectionTypeTest, RoundTripsWithZeebesCodes) {
  ExpectRoundTrips(kRejectionTypes);
  for (const NamedCode& entry : kRejectionTypes) {
    std::optional<RejectionType> type = RejectionTypeFromName(entry.name);
    ASSERT_TRUE(type.has_value());
    EXPECT_EQ(RejectionTypeFromCode(entry.code), type);
    EXPECT_EQ(RejectionTypeName(*type), entry.name);
  }
  EXPECT_EQ(static_cast<int>(RejectionType::kInvalidArgument), 0);
  EXPECT_EQ(static_cast<int>(RejectionType::kProcessingError), 4);
  EXPECT_EQ(RejectionTypeName(RejectionType::kNullVal), "NULL_VAL");
  EXPECT_FALSE(RejectionTypeFromCode(6));
}

TEST(IntentTest, EveryValueTypeHasIntentsThatRoundTrip) {
  for (const NamedCode& entry : kValueTypes) {
    auto type = static_cast<ValueType>(entry.code);
    std::span<const NamedCode> intents = IntentsOf(type);
    EXPECT_FALSE(intents.empty()) << entry.name;
    ExpectRoundTrips(intents);
    for (const NamedCode& intent : intents) {
      EXPECT_EQ(IntentName(type, intent.code), intent.name);
      EXPECT_EQ(IntentFromName(type, intent.name), intent.code);
    }
  }
  EXPECT_TRUE(IntentsOf(static_cast<ValueType>(200)).empty());
}

TEST(IntentTest, CodesAreZeebes) {
  EXPECT_EQ(IntentName(ValueType::kProcessInstance, 3), "ELEMENT_ACTIVATED");
  EXPECT_EQ(IntentCode(ProcessInstanceIntent::kTerminateElement), 10);
  EXPECT_EQ(IntentCode(ProcessInstanceIntent::kSequenceFlowTaken), 1);
  EXPECT_EQ(IntentCode(JobIntent::kCanceled), 10);
  EXPECT_EQ(IntentCode(JobIntent::kRecurredAfterBackoff), 14);
  EXPECT_FALSE(IntentName(ValueType::kJob, 9));  // no job intent 9
  EXPECT_EQ(IntentCode(MessageIntent::kExpired), 3);
  EXPECT_EQ(IntentCode(DeploymentIntent::kCreated), 1);
  EXPECT_EQ(IntentCode(CommandDistributionIntent::kFinished), 4);
  EXPECT_EQ(IntentCode(JobBatchIntent::kActivated), 1);
  EXPECT_EQ(IntentCode(TimerIntent::kTriggered), 2);
  EXPECT_EQ(IntentCode(ProcessInstanceCreationIntent::kCreateWithAwaitingResult), 2);
  // The same code means different intents for different value types.
  EXPECT_EQ(IntentName(ValueType::kJob, 2), "COMPLETED");
  EXPECT_EQ(IntentName(ValueType::kProcessInstance, 2), "ELEMENT_ACTIVATING");
  EXPECT_EQ(IntentFromName(ValueType::kJob, "ELEMENT_ACTIVATED"), std::nullopt);
}

}  // namespace
}  // namespace waggle::record
