// The process instance partition's side of events: the message
// subscriptions of element instances (PROCESS_MESSAGE_SUBSCRIPTION), and
// caught events waiting for the element instance that takes them over
// (PROCESS_EVENT TRIGGERING .. TRIGGERED).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

class EventScopeState {
 public:
  explicit EventScopeState(StateAccess* access) : access_(access) {}

  std::optional<fb::StoredProcessMessageSubscriptionT> GetSubscription(
      int64_t element_instance_key, std::string_view message_name) const;
  void PutSubscription(const fb::StoredProcessMessageSubscriptionT& subscription);
  void RemoveSubscription(int64_t element_instance_key, std::string_view message_name);
  std::vector<fb::StoredProcessMessageSubscriptionT> SubscriptionsOf(
      int64_t element_instance_key) const;
  // Subscriptions the message partition has not confirmed opening or
  // closing yet (to send again).
  std::vector<fb::StoredProcessMessageSubscriptionT> PendingSubscriptions() const;

  // Triggers by the key of their TRIGGERING event, which is the key of the
  // element instance that takes them over.
  std::optional<record::fb::ProcessEventRecordT> GetTrigger(int64_t key) const;
  void PutTrigger(int64_t key, const record::fb::ProcessEventRecordT& trigger);
  void RemoveTrigger(int64_t key);

 private:
  StateAccess* access_;
};

}  // namespace waggle::engine::state
