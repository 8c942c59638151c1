#include "engine/state/event_scope_state.h"

#include "common/record/intent.h"

namespace waggle::engine::state {

std::optional<fb::StoredProcessMessageSubscriptionT> EventScopeState::GetSubscription(
    int64_t element_instance_key, std::string_view message_name) const {
  auto stored = access_->GetTable<fb::StoredProcessMessageSubscription>(
      ColumnFamily::kProcessMessageSubscriptions, KeyOf(element_instance_key, message_name));
  if (!stored || stored->value == nullptr) return std::nullopt;
  return stored;
}

void EventScopeState::PutSubscription(const fb::StoredProcessMessageSubscriptionT& subscription) {
  access_->PutTable<fb::StoredProcessMessageSubscription>(
      ColumnFamily::kProcessMessageSubscriptions,
      KeyOf(subscription.value->element_instance_key, subscription.value->message_name),
      subscription);
}

void EventScopeState::RemoveSubscription(int64_t element_instance_key,
                                         std::string_view message_name) {
  access_->Delete(ColumnFamily::kProcessMessageSubscriptions,
                  KeyOf(element_instance_key, message_name));
}

std::vector<fb::StoredProcessMessageSubscriptionT> EventScopeState::SubscriptionsOf(
    int64_t element_instance_key) const {
  std::vector<fb::StoredProcessMessageSubscriptionT> out;
  access_->ForEachWithPrefix(ColumnFamily::kProcessMessageSubscriptions,
                             KeyOf(element_instance_key),
                             [&](std::string_view, std::string_view bytes) {
                               auto stored = Unpack<fb::StoredProcessMessageSubscription>(bytes);
                               if (stored.ok() && stored->value) out.push_back(std::move(*stored));
                               return true;
                             });
  return out;
}

std::vector<fb::StoredProcessMessageSubscriptionT> EventScopeState::PendingSubscriptions() const {
  using record::ProcessMessageSubscriptionIntent;
  std::vector<fb::StoredProcessMessageSubscriptionT> out;
  access_->Iterate(
      ColumnFamily::kProcessMessageSubscriptions, KeyRange::All(),
      [&](std::string_view, std::string_view bytes) {
        auto stored = Unpack<fb::StoredProcessMessageSubscription>(bytes);
        if (stored.ok() && stored->value &&
            stored->state != record::IntentCode(ProcessMessageSubscriptionIntent::kCreated)) {
          out.push_back(std::move(*stored));
        }
        return true;
      });
  return out;
}

std::optional<record::fb::ProcessEventRecordT> EventScopeState::GetTrigger(int64_t key) const {
  auto stored = access_->GetTable<fb::StoredEventTrigger>(ColumnFamily::kEventTriggers, KeyOf(key));
  if (!stored || stored->value == nullptr) return std::nullopt;
  return *stored->value;
}

void EventScopeState::PutTrigger(int64_t key, const record::fb::ProcessEventRecordT& trigger) {
  fb::StoredEventTriggerT stored;
  stored.value = std::make_unique<record::fb::ProcessEventRecordT>(trigger);
  access_->PutTable<fb::StoredEventTrigger>(ColumnFamily::kEventTriggers, KeyOf(key), stored);
}

void EventScopeState::RemoveTrigger(int64_t key) {
  access_->Delete(ColumnFamily::kEventTriggers, KeyOf(key));
}

}  // namespace waggle::engine::state
