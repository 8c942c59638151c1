#include "engine/state/message_state.h"

#include "engine/state/due_index.h"

namespace waggle::engine::state {
namespace {

std::string NameAndKey(std::string_view name, std::string_view correlation_key) {
  std::string out;
  AppendString(&out, name);
  AppendString(&out, correlation_key);
  return out;
}

// kMessageSubscriptions keys: (name, correlation key, element instance key).
std::string SubscriptionKey(std::string_view name, std::string_view correlation_key,
                            int64_t element_instance_key) {
  std::string out = NameAndKey(name, correlation_key);
  AppendInt64(&out, element_instance_key);
  return out;
}

// kMessageStartEventSubscriptions keys: (message name, definition key).
std::string StartKey(std::string_view name, int64_t process_definition_key) {
  std::string out;
  AppendString(&out, name);
  AppendInt64(&out, process_definition_key);
  return out;
}

}  // namespace

std::optional<fb::StoredMessageT> MessageState::Get(int64_t message_key) const {
  auto stored = access_->GetTable<fb::StoredMessage>(ColumnFamily::kMessages, KeyOf(message_key));
  if (!stored || stored->value == nullptr) return std::nullopt;
  return stored;
}

// kMessageIds indexes messages by (name, correlation key, message key).
void MessageState::Put(int64_t message_key, const fb::StoredMessageT& message) {
  const record::fb::MessageRecordT& value = *message.value;
  access_->PutTable<fb::StoredMessage>(ColumnFamily::kMessages, KeyOf(message_key), message);
  std::string by_name = NameAndKey(value.name, value.correlation_key);
  AppendInt64(&by_name, message_key);
  access_->Put(ColumnFamily::kMessageIds, by_name, "");
  access_->Put(ColumnFamily::kMessageDeadlines, KeyOf(value.deadline, message_key), "");
}

void MessageState::Remove(int64_t message_key) {
  auto message = Get(message_key);
  if (!message) return;
  const record::fb::MessageRecordT& value = *message->value;
  std::string by_name = NameAndKey(value.name, value.correlation_key);
  AppendInt64(&by_name, message_key);
  access_->Delete(ColumnFamily::kMessageIds, by_name);
  access_->Delete(ColumnFamily::kMessageDeadlines, KeyOf(value.deadline, message_key));
  access_->Delete(ColumnFamily::kMessages, KeyOf(message_key));
}

void MessageState::ForEach(std::string_view name, std::string_view correlation_key,
                           const std::function<bool(int64_t)>& visit) const {
  access_->ForEachWithPrefix(ColumnFamily::kMessageIds, NameAndKey(name, correlation_key),
                             [&](std::string_view rest, std::string_view) {
                               KeyReader reader(rest);
                               int64_t key;
                               if (!reader.ReadInt64(&key)) return true;
                               return visit(key);
                             });
}

void MessageState::ForEachDeadlineBefore(int64_t now,
                                         const std::function<bool(int64_t)>& visit) const {
  ForEachDueEntry(*access_, ColumnFamily::kMessageDeadlines, now, [&](KeyReader& rest) {
    int64_t message_key;
    return !rest.ReadInt64(&message_key) || visit(message_key);
  });
}

std::optional<int64_t> MessageState::NextDeadline() const {
  return EarliestTime(*access_, ColumnFamily::kMessageDeadlines);
}

std::optional<fb::StoredMessageSubscriptionT> MessageState::GetSubscription(
    std::string_view name, std::string_view correlation_key, int64_t element_instance_key) const {
  auto stored = access_->GetTable<fb::StoredMessageSubscription>(
      ColumnFamily::kMessageSubscriptions,
      SubscriptionKey(name, correlation_key, element_instance_key));
  if (!stored || stored->value == nullptr) return std::nullopt;
  return stored;
}

void MessageState::PutSubscription(const fb::StoredMessageSubscriptionT& subscription) {
  const auto& value = *subscription.value;
  access_->PutTable<fb::StoredMessageSubscription>(
      ColumnFamily::kMessageSubscriptions,
      SubscriptionKey(value.message_name, value.correlation_key, value.element_instance_key),
      subscription);
}

void MessageState::RemoveSubscription(const record::fb::MessageSubscriptionRecordT& value) {
  access_->Delete(
      ColumnFamily::kMessageSubscriptions,
      SubscriptionKey(value.message_name, value.correlation_key, value.element_instance_key));
}

std::vector<fb::StoredMessageSubscriptionT> MessageState::Subscriptions(
    std::string_view name, std::string_view correlation_key) const {
  std::vector<fb::StoredMessageSubscriptionT> out;
  access_->ForEachWithPrefix(ColumnFamily::kMessageSubscriptions, NameAndKey(name, correlation_key),
                             [&](std::string_view, std::string_view bytes) {
                               auto stored = Unpack<fb::StoredMessageSubscription>(bytes);
                               if (stored.ok() && stored->value) out.push_back(std::move(*stored));
                               return true;
                             });
  return out;
}

std::vector<fb::StoredMessageSubscriptionT> MessageState::CorrelatingSubscriptions() const {
  std::vector<fb::StoredMessageSubscriptionT> out;
  access_->Iterate(ColumnFamily::kMessageSubscriptions, KeyRange::All(),
                   [&](std::string_view, std::string_view bytes) {
                     auto stored = Unpack<fb::StoredMessageSubscription>(bytes);
                     if (stored.ok() && stored->value && stored->correlating) {
                       out.push_back(std::move(*stored));
                     }
                     return true;
                   });
  return out;
}

void MessageState::PutStartSubscription(const fb::StoredStartEventSubscriptionT& subscription) {
  const auto& value = *subscription.value;
  access_->PutTable<fb::StoredStartEventSubscription>(
      ColumnFamily::kMessageStartEventSubscriptions,
      StartKey(value.message_name, value.process_definition_key), subscription);
}

void MessageState::RemoveStartSubscription(std::string_view message_name,
                                           int64_t process_definition_key) {
  access_->Delete(ColumnFamily::kMessageStartEventSubscriptions,
                  StartKey(message_name, process_definition_key));
}

std::vector<fb::StoredStartEventSubscriptionT> MessageState::StartSubscriptions(
    std::string_view message_name) const {
  std::vector<fb::StoredStartEventSubscriptionT> out;
  std::string prefix;
  AppendString(&prefix, message_name);
  access_->ForEachWithPrefix(ColumnFamily::kMessageStartEventSubscriptions, prefix,
                             [&](std::string_view, std::string_view bytes) {
                               auto stored = Unpack<fb::StoredStartEventSubscription>(bytes);
                               if (stored.ok() && stored->value) out.push_back(std::move(*stored));
                               return true;
                             });
  return out;
}

std::vector<fb::StoredStartEventSubscriptionT> MessageState::StartSubscriptionsOf(
    int64_t process_definition_key) const {
  std::vector<fb::StoredStartEventSubscriptionT> out;
  access_->Iterate(ColumnFamily::kMessageStartEventSubscriptions, KeyRange::All(),
                   [&](std::string_view, std::string_view bytes) {
                     auto stored = Unpack<fb::StoredStartEventSubscription>(bytes);
                     if (stored.ok() && stored->value &&
                         stored->value->process_definition_key == process_definition_key) {
                       out.push_back(std::move(*stored));
                     }
                     return true;
                   });
  return out;
}

bool MessageState::HasActiveStartInstance(std::string_view process_id,
                                          std::string_view correlation_key) const {
  return access_->Contains(ColumnFamily::kMessageStartInstances,
                           NameAndKey(process_id, correlation_key));
}

void MessageState::PutActiveStartInstance(std::string_view process_id,
                                          std::string_view correlation_key,
                                          int64_t process_instance_key) {
  const std::string key = NameAndKey(process_id, correlation_key);
  access_->Put(ColumnFamily::kMessageStartInstances, key, KeyOf(process_instance_key));
  access_->Put(ColumnFamily::kMessageStartInstanceKeys, KeyOf(process_instance_key), key);
}

void MessageState::RemoveActiveStartInstance(int64_t process_instance_key) {
  auto key = access_->Get(ColumnFamily::kMessageStartInstanceKeys, KeyOf(process_instance_key));
  if (!key) return;
  access_->Delete(ColumnFamily::kMessageStartInstances, *key);
  access_->Delete(ColumnFamily::kMessageStartInstanceKeys, KeyOf(process_instance_key));
}

}  // namespace waggle::engine::state
