#include "common/record/codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstring>

#include "common/record/intent.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"

namespace waggle::record {

namespace {

struct ValueTable {
  ValueType type;
  fb::RecordValue tag;
};

constexpr ValueTable kValueTables[] = {
    {ValueType::kJob, fb::RecordValue::JobRecord},
    {ValueType::kProcessInstance, fb::RecordValue::ProcessInstanceRecord},
    {ValueType::kDeployment, fb::RecordValue::DeploymentRecord},
    {ValueType::kProcess, fb::RecordValue::ProcessRecord},
    {ValueType::kMessage, fb::RecordValue::MessageRecord},
    {ValueType::kMessageSubscription, fb::RecordValue::MessageSubscriptionRecord},
    {ValueType::kProcessMessageSubscription, fb::RecordValue::ProcessMessageSubscriptionRecord},
    {ValueType::kMessageStartEventSubscription,
     fb::RecordValue::MessageStartEventSubscriptionRecord},
    {ValueType::kJobBatch, fb::RecordValue::JobBatchRecord},
    {ValueType::kTimer, fb::RecordValue::TimerRecord},
    {ValueType::kVariable, fb::RecordValue::VariableRecord},
    {ValueType::kVariableDocument, fb::RecordValue::VariableDocumentRecord},
    {ValueType::kIncident, fb::RecordValue::IncidentRecord},
    {ValueType::kProcessInstanceCreation, fb::RecordValue::ProcessInstanceCreationRecord},
    {ValueType::kProcessInstanceResult, fb::RecordValue::ProcessInstanceResultRecord},
    {ValueType::kError, fb::RecordValue::ErrorRecord},
    {ValueType::kCommandDistribution, fb::RecordValue::CommandDistributionRecord},
    {ValueType::kProcessEvent, fb::RecordValue::ProcessEventRecord},
};
static_assert(std::size(kValueTables) == static_cast<size_t>(fb::RecordValue::MAX),
              "every value table of record.fbs has a value type");

// Record > value table > vector of tables > table (a job batch's jobs).
constexpr flatbuffers::uoffset_t kMaxDepth = 8;
// Whole-buffer alignment the Verifier and the readers need (int64 fields).
constexpr uintptr_t kAlignment = 8;

Status Corrupt(const std::string& what) {
  return Status::Corruption("record: " + what);
}

Status CheckIntent(uint8_t value_type, uint8_t intent) {
  std::optional<ValueType> type = ValueTypeFromCode(value_type);
  if (!type) return Corrupt("unknown value type " + std::to_string(value_type));
  if (!IntentName(*type, intent)) {
    return Corrupt("unknown intent " + std::to_string(intent) + " for value type " +
                   std::string(*ValueTypeName(*type)));
  }
  return Status::OK();
}

Status CheckTypedValue(ValueType type, fb::RecordValue tag) {
  std::optional<fb::RecordValue> expected = ValueTableOf(type);
  if (tag == fb::RecordValue::NONE ? expected.has_value() : expected != tag) {
    return Corrupt("typed value does not match value type " + std::string(*ValueTypeName(type)));
  }
  return Status::OK();
}

Result<const fb::Record*> Verify(std::string_view bytes, bool distributed);

// A distributed command must be a valid record of the announced type that does
// not distribute again (which also bounds the recursion).
Status CheckDistribution(const fb::CommandDistributionRecord& distribution) {
  Status intent = CheckIntent(distribution.value_type(), distribution.intent());
  if (!intent.ok()) return intent;
  const flatbuffers::Vector<uint8_t>* command = distribution.command_value();
  if (command == nullptr) return Status::OK();
  std::string_view bytes(reinterpret_cast<const char*>(command->data()), command->size());
  AlignedBytes aligned(bytes);
  Result<const fb::Record*> record = Verify(aligned.view(), true);
  if (!record.ok()) return Corrupt("distributed command: " + record.status().message());
  if ((*record)->value_type() != distribution.value_type() ||
      (*record)->intent() != distribution.intent()) {
    return Corrupt("distributed command does not match its value type and intent");
  }
  return Status::OK();
}

Result<const fb::Record*> Verify(std::string_view bytes, bool distributed) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kAlignment != 0) {
    return Status::InvalidArgument("record: buffer not 8-byte aligned");
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                 kMaxDepth);
  if (!fb::VerifyRecordBuffer(verifier)) return Corrupt("buffer does not verify");
  const fb::Record* record = fb::GetRecord(bytes.data());
  if (!RecordTypeFromCode(record->record_type())) {
    return Corrupt("unknown record type " + std::to_string(record->record_type()));
  }
  if (!RejectionTypeFromCode(record->rejection_type())) {
    return Corrupt("unknown rejection type " + std::to_string(record->rejection_type()));
  }
  Status intent = CheckIntent(record->value_type(), record->intent());
  if (!intent.ok()) return intent;
  ValueType type = static_cast<ValueType>(record->value_type());
  Status typed = CheckTypedValue(type, record->typed_value_type());
  if (!typed.ok()) return typed;
  // The Verifier accepts a union tag without its table.
  if (record->typed_value_type() != fb::RecordValue::NONE && record->typed_value() == nullptr) {
    return Corrupt("typed value missing");
  }
  // The Verifier checks a vector's length field for alignment, not its
  // elements: a [long] placed at 4 mod 8 verifies, then reads misaligned.
  if (type == ValueType::kJobBatch) {
    const flatbuffers::Vector<int64_t>* keys = record->typed_value_as_JobBatchRecord()->job_keys();
    if (keys != nullptr && reinterpret_cast<uintptr_t>(keys->data()) % alignof(int64_t) != 0) {
      return Corrupt("job keys not 8-byte aligned");
    }
  }
  if (type == ValueType::kCommandDistribution) {
    if (distributed) return Corrupt("distributed command distributes again");
    Status distribution = CheckDistribution(*record->typed_value_as_CommandDistributionRecord());
    if (!distribution.ok()) return distribution;
  }
  return record;
}

}  // namespace

AlignedBytes::AlignedBytes(std::string_view bytes)
    : words_((bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t)), size_(bytes.size()) {
  if (!bytes.empty()) std::memcpy(words_.data(), bytes.data(), bytes.size());
}

std::optional<fb::RecordValue> ValueTableOf(ValueType type) {
  for (const ValueTable& table : kValueTables) {
    if (table.type == type) return table.tag;
  }
  return std::nullopt;
}

ValueType ValueTypeOf(fb::RecordValue tag) {
  for (const ValueTable& table : kValueTables) {
    if (table.tag == tag) return table.type;
  }
  assert(false && "ValueTypeOf(NONE)");
  return ValueType::kError;
}

std::string EncodeRecord(const fb::RecordT& record) {
  assert(CheckTypedValue(static_cast<ValueType>(record.value_type), record.typed_value.type).ok());
  flatbuffers::FlatBufferBuilder fbb;
  fb::FinishRecordBuffer(fbb, fb::Record::Pack(fbb, &record));
  return {reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()};
}

Result<const fb::Record*> VerifyRecord(std::string_view bytes) {
  return Verify(bytes, false);
}

Result<fb::RecordT> DecodeRecord(std::string_view bytes) {
  AlignedBytes aligned(bytes);
  Result<const fb::Record*> record = Verify(aligned.view(), false);
  if (!record.ok()) return record.status();
  fb::RecordT decoded;
  (*record)->UnPackTo(&decoded);
  return decoded;
}

}  // namespace waggle::record
