// The message partition: a message is buffered from PUBLISHED until EXPIRED;
// a MESSAGE_SUBSCRIPTION lives from CREATED until DELETED (or, interrupting,
// CORRELATED), and is "correlating" from CORRELATING until the instance
// partition confirms (CORRELATED) or refuses (REJECTED). A message remembers
// the processes it was correlated to, and which of them confirmed. Message start event
// subscriptions live from CREATED to DELETED; CORRELATED remembers the instance it started for its
// correlation key.
#include <algorithm>

#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {
namespace {

using record::MessageSubscriptionIntent;

// Adds `process_id` to a list of the message `message_key`.
void Mark(state::EngineState& state, int64_t message_key, const std::string& process_id,
          std::vector<std::string> state::fb::StoredMessageT::*list) {
  auto message = state.messages.Get(message_key);
  if (!message) return;
  auto& ids = (*message).*list;
  if (std::find(ids.begin(), ids.end(), process_id) != ids.end()) return;
  ids.push_back(process_id);
  state.messages.Put(message_key, *message);
}

void MarkCorrelated(state::EngineState& state, int64_t message_key, const std::string& process_id) {
  Mark(state, message_key, process_id, &state::fb::StoredMessageT::correlated_process_ids);
}

}  // namespace

void ApplyMessageEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsMessageRecord();
  if (value == nullptr) return;
  if (event.intent == record::IntentCode(record::MessageIntent::kPublished)) {
    state::fb::StoredMessageT message;
    message.value = std::make_unique<record::fb::MessageRecordT>(*value);
    state.messages.Put(event.key, message);
  } else if (event.intent == record::IntentCode(record::MessageIntent::kExpired)) {
    state.messages.Remove(event.key);
  }
}

void ApplyMessageSubscriptionEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsMessageSubscriptionRecord();
  if (value == nullptr) return;
  auto stored = state.messages.GetSubscription(value->message_name, value->correlation_key,
                                               value->element_instance_key);
  switch (static_cast<MessageSubscriptionIntent>(event.intent)) {
    case MessageSubscriptionIntent::kCreated: {
      state::fb::StoredMessageSubscriptionT subscription;
      subscription.key = event.key;
      subscription.value = std::make_unique<record::fb::MessageSubscriptionRecordT>(*value);
      state.messages.PutSubscription(subscription);
      break;
    }
    case MessageSubscriptionIntent::kCorrelating:
      MarkCorrelated(state, value->message_key, value->bpmn_process_id);
      if (!stored) break;
      stored->correlating = true;
      stored->value->message_key = value->message_key;
      stored->value->variables = value->variables;
      state.messages.PutSubscription(*stored);
      break;
    case MessageSubscriptionIntent::kCorrelated:
      Mark(state, value->message_key, value->bpmn_process_id,
           &state::fb::StoredMessageT::confirmed_process_ids);
      if (!stored) break;
      if (stored->value->interrupting) {
        state.messages.RemoveSubscription(*stored->value);
      } else {
        stored->correlating = false;
        state.messages.PutSubscription(*stored);
      }
      break;
    case MessageSubscriptionIntent::kRejected: {
      if (auto message = state.messages.Get(value->message_key)) {
        auto& ids = message->correlated_process_ids;
        ids.erase(std::remove(ids.begin(), ids.end(), value->bpmn_process_id), ids.end());
        state.messages.Put(value->message_key, *message);
      }
      if (stored && stored->correlating && stored->value->message_key == value->message_key) {
        stored->correlating = false;
        state.messages.PutSubscription(*stored);
      }
      break;
    }
    case MessageSubscriptionIntent::kDeleted:
      if (stored) state.messages.RemoveSubscription(*stored->value);
      break;
    default: break;
  }
}

void ApplyMessageStartEventSubscriptionEvent(state::EngineState& state,
                                             const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsMessageStartEventSubscriptionRecord();
  if (value == nullptr) return;
  using record::MessageStartEventSubscriptionIntent;
  switch (static_cast<MessageStartEventSubscriptionIntent>(event.intent)) {
    case MessageStartEventSubscriptionIntent::kCreated: {
      state::fb::StoredStartEventSubscriptionT subscription;
      subscription.key = event.key;
      subscription.value =
          std::make_unique<record::fb::MessageStartEventSubscriptionRecordT>(*value);
      state.messages.PutStartSubscription(subscription);
      break;
    }
    case MessageStartEventSubscriptionIntent::kCorrelated:
      MarkCorrelated(state, value->message_key, value->bpmn_process_id);
      if (!value->correlation_key.empty()) {
        state.messages.PutActiveStartInstance(value->bpmn_process_id, value->correlation_key,
                                              value->process_instance_key);
      }
      break;
    case MessageStartEventSubscriptionIntent::kDeleted:
      state.messages.RemoveStartSubscription(value->message_name, value->process_definition_key);
      break;
  }
}

}  // namespace waggle::engine
