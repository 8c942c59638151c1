// The message partition's state: buffered messages (by key, by name and
// correlation key in publication order, by deadline), the subscriptions
// waiting for a message name and correlation key, the message start event
// subscriptions by message name, and which process instance a message start
// event created per (process, correlation key) while it is active.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

class MessageState {
 public:
  explicit MessageState(StateAccess* access) : access_(access) {}

  std::optional<fb::StoredMessageT> Get(int64_t message_key) const;
  void Put(int64_t message_key, const fb::StoredMessageT& message);
  void Remove(int64_t message_key);
  // Buffered messages of `name` and `correlation_key`, oldest first; the
  // visitor returns false to stop.
  void ForEach(std::string_view name, std::string_view correlation_key,
               const std::function<bool(int64_t message_key)>& visit) const;
  // Messages whose deadline is <= now, earliest first.
  void ForEachDeadlineBefore(int64_t now, const std::function<bool(int64_t)>& visit) const;
  std::optional<int64_t> NextDeadline() const;

  std::optional<fb::StoredMessageSubscriptionT> GetSubscription(std::string_view name,
                                                                std::string_view correlation_key,
                                                                int64_t element_instance_key) const;
  void PutSubscription(const fb::StoredMessageSubscriptionT& subscription);
  void RemoveSubscription(const record::fb::MessageSubscriptionRecordT& subscription);
  // Subscriptions of `name` and `correlation_key`, by element instance key.
  std::vector<fb::StoredMessageSubscriptionT> Subscriptions(std::string_view name,
                                                            std::string_view correlation_key) const;
  // Subscriptions whose correlation the instance partition has not
  // confirmed yet (to send again).
  std::vector<fb::StoredMessageSubscriptionT> CorrelatingSubscriptions() const;

  void PutStartSubscription(const fb::StoredStartEventSubscriptionT& subscription);
  void RemoveStartSubscription(std::string_view message_name, int64_t process_definition_key);
  std::vector<fb::StoredStartEventSubscriptionT> StartSubscriptions(
      std::string_view message_name) const;
  // The start subscriptions of one process definition.
  std::vector<fb::StoredStartEventSubscriptionT> StartSubscriptionsOf(
      int64_t process_definition_key) const;

  bool HasActiveStartInstance(std::string_view process_id, std::string_view correlation_key) const;
  void PutActiveStartInstance(std::string_view process_id, std::string_view correlation_key,
                              int64_t process_instance_key);
  // Forgets the instance (it ended); nothing when it was not started so.
  void RemoveActiveStartInstance(int64_t process_instance_key);

 private:
  StateAccess* access_;
};

}  // namespace waggle::engine::state
