// MESSAGE and MESSAGE_SUBSCRIPTION commands (the message partition) and
// PROCESS_MESSAGE_SUBSCRIPTION commands (the process instance partition);
// the protocol between them is described in messages.h. Zeebe's correlation
// rules: a message correlates at most once per process (bpmn process id),
// to the first subscriptions that wait for its name and correlation key and
// are not correlating already; a subscription opened later takes the oldest
// buffered message not yet correlated to its process; a message start event
// creates an instance unless one it created for the same correlation key is
// still active.
#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "common/record/intent.h"
#include "common/record/key.h"
#include "engine/processing/bpmn/bpmn_processor.h"
#include "engine/processing/messages.h"

namespace waggle::engine {

using record::MessageIntent;
using record::MessageSubscriptionIntent;
using record::ProcessMessageSubscriptionIntent;
using record::RejectionType;
using record::fb::MessageRecordT;
using record::fb::MessageSubscriptionRecordT;
using record::fb::ProcessMessageSubscriptionRecordT;
using record::fb::RecordT;

int32_t SubscriptionPartitionOf(std::string_view correlation_key, int32_t partition_count) {
  uint32_t hash = 0;
  for (char c : correlation_key) {
    hash = 31 * hash + static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(c)));
  }
  return std::abs(static_cast<int32_t>(hash) % partition_count) + 1;
}

MessageSubscriptionRecordT ToMessageSubscription(const ProcessMessageSubscriptionRecordT& value) {
  MessageSubscriptionRecordT out;
  out.process_instance_key = value.process_instance_key;
  out.element_instance_key = value.element_instance_key;
  out.bpmn_process_id = value.bpmn_process_id;
  out.message_name = value.message_name;
  out.correlation_key = value.correlation_key;
  out.message_key = value.message_key;
  out.variables = value.variables;
  out.interrupting = value.interrupting;
  out.tenant_id = value.tenant_id;
  return out;
}

ProcessMessageSubscriptionRecordT ToProcessMessageSubscription(
    const MessageSubscriptionRecordT& value, int32_t subscription_partition_id) {
  ProcessMessageSubscriptionRecordT out;
  out.subscription_partition_id = subscription_partition_id;
  out.process_instance_key = value.process_instance_key;
  out.element_instance_key = value.element_instance_key;
  out.bpmn_process_id = value.bpmn_process_id;
  out.message_name = value.message_name;
  out.correlation_key = value.correlation_key;
  out.message_key = value.message_key;
  out.variables = value.variables;
  out.interrupting = value.interrupting;
  out.tenant_id = value.tenant_id;
  return out;
}

namespace {

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string Describe(const MessageSubscriptionRecordT& value) {
  return "element with key '" + std::to_string(value.element_instance_key) +
         "' and message name '" + value.message_name + "'";
}

// Message partition: offers the message `message_key` to `subscription`.
void Correlate(ProcessingContext& context,
               const state::fb::StoredMessageSubscriptionT& subscription, int64_t message_key,
               const std::string& variables) {
  MessageSubscriptionRecordT value = *subscription.value;
  value.message_key = message_key;
  value.variables = variables;
  context.writers.Event(subscription.key, MessageSubscriptionIntent::kCorrelating, value);
  context.writers.SendTo(record::PartitionOf(value.process_instance_key), -1,
                         ProcessMessageSubscriptionIntent::kCorrelate,
                         ToProcessMessageSubscription(value, context.options.partition_id));
}

// Offers a buffered message to the subscriptions waiting for it.
void CorrelateToSubscriptions(ProcessingContext& context, int64_t message_key) {
  auto message = context.state.messages.Get(message_key);
  if (!message) return;
  const MessageRecordT& value = *message->value;
  std::set<std::string> correlated;
  for (const auto& subscription :
       context.state.messages.Subscriptions(value.name, value.correlation_key)) {
    const std::string& process_id = subscription.value->bpmn_process_id;
    if (subscription.correlating || correlated.count(process_id) ||
        Contains(message->correlated_process_ids, process_id)) {
      continue;
    }
    Correlate(context, subscription, message_key, value.variables);
    correlated.insert(process_id);
  }
}

// Offers a subscription the oldest buffered message not correlated to its
// process yet; false when there is none.
bool CorrelateNextMessage(ProcessingContext& context,
                          const state::fb::StoredMessageSubscriptionT& subscription) {
  const MessageSubscriptionRecordT& value = *subscription.value;
  std::optional<state::fb::StoredMessageT> found;
  int64_t found_key = -1;
  context.state.messages.ForEach(value.message_name, value.correlation_key, [&](int64_t key) {
    auto message = context.state.messages.Get(key);
    if (!message || message->value->deadline <= context.now() ||
        Contains(message->correlated_process_ids, value.bpmn_process_id)) {
      return true;
    }
    found = std::move(message);
    found_key = key;
    return false;
  });
  if (!found) return false;
  Correlate(context, subscription, found_key, found->value->variables);
  return true;
}

void CorrelateToStartEvents(ProcessingContext& context, int64_t message_key,
                            const MessageRecordT& message, const nlohmann::json& variables) {
  std::set<std::string> started;
  for (const auto& subscription : context.state.messages.StartSubscriptions(message.name)) {
    const std::string& process_id = subscription.value->bpmn_process_id;
    if (started.count(process_id)) continue;
    if (!message.correlation_key.empty() &&
        context.state.messages.HasActiveStartInstance(process_id, message.correlation_key)) {
      continue;
    }
    auto process = context.processes.Get(context.state, subscription.value->process_definition_key);
    if (process == nullptr) continue;
    record::fb::MessageStartEventSubscriptionRecordT value = *subscription.value;
    value.correlation_key = message.correlation_key;
    value.message_key = message_key;
    value.variables = message.variables;
    value.process_instance_key =
        BpmnProcessor(context).StartInstanceAt(*process, value.start_event_id, variables);
    context.writers.Event(subscription.key,
                          record::MessageStartEventSubscriptionIntent::kCorrelated,
                          std::move(value));
    started.insert(process_id);
  }
}

// Message partition: confirms to the instance partition that the
// subscription is open.
void AcknowledgeCreate(ProcessingContext& context, const MessageSubscriptionRecordT& value) {
  context.writers.SendTo(record::PartitionOf(value.process_instance_key), -1,
                         ProcessMessageSubscriptionIntent::kCreate,
                         ToProcessMessageSubscription(value, context.options.partition_id));
}

}  // namespace

void ProcessMessagePublish(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsMessageRecord();
  if (value == nullptr) return;
  Result<nlohmann::json> variables = ParseVariablesDocument(value->variables, "variables");
  if (!variables.ok()) {
    return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                     variables.status().message());
  }
  if (!value->message_id.empty()) {
    bool duplicate = false;
    context.state.messages.ForEach(value->name, value->correlation_key, [&](int64_t key) {
      auto message = context.state.messages.Get(key);
      duplicate = message && message->value->message_id == value->message_id;
      return !duplicate;
    });
    if (duplicate) {
      return context.writers.Rejection(command, RejectionType::kAlreadyExists,
                                       "Expected to publish a new message with id '" +
                                           value->message_id +
                                           "', but a message with that id was already published");
    }
  }
  MessageRecordT message = *value;
  message.time_to_live = std::max<int64_t>(0, message.time_to_live);
  message.deadline = context.now() + message.time_to_live;
  const int64_t key = context.keys.Next();
  context.writers.Event(key, MessageIntent::kPublished, message);
  context.writers.RespondTo(command, context.writers.last());
  CorrelateToSubscriptions(context, key);
  CorrelateToStartEvents(context, key, message, *variables);
  // Not buffered: it correlates now or never.
  if (message.time_to_live == 0) context.writers.Event(key, MessageIntent::kExpired, message);
}

void ProcessMessageExpire(ProcessingContext& context, const RecordT& command) {
  auto message = context.state.messages.Get(command.key);
  if (!message) {
    return context.writers.Rejection(command, RejectionType::kNotFound,
                                     "Expected to expire message with key '" +
                                         std::to_string(command.key) +
                                         "', but no such message was found");
  }
  context.writers.Event(command.key, MessageIntent::kExpired, *message->value);
}

void ProcessMessageSubscriptionCommand(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsMessageSubscriptionRecord();
  if (value == nullptr) return;
  auto& messages = context.state.messages;
  auto subscription = messages.GetSubscription(value->message_name, value->correlation_key,
                                               value->element_instance_key);
  switch (static_cast<MessageSubscriptionIntent>(command.intent)) {
    case MessageSubscriptionIntent::kCreate: {
      if (subscription) {
        // A retried CREATE: confirm again.
        AcknowledgeCreate(context, *value);
        return context.writers.Rejection(command, RejectionType::kInvalidState,
                                         "Expected to create a new message subscription for " +
                                             Describe(*value) +
                                             ", but there is already an existing subscription");
      }
      state::fb::StoredMessageSubscriptionT created;
      created.key = context.keys.Next();
      created.value = std::make_unique<MessageSubscriptionRecordT>(*value);
      context.writers.Event(created.key, MessageSubscriptionIntent::kCreated, *value);
      // A correlation confirms the subscription as well.
      if (!CorrelateNextMessage(context, created)) AcknowledgeCreate(context, *value);
      return;
    }
    case MessageSubscriptionIntent::kCorrelate: {
      if (!subscription || !subscription->correlating ||
          subscription->value->message_key != value->message_key) {
        return context.writers.Rejection(
            command, RejectionType::kInvalidState,
            "Expected to acknowledge the correlation of message with key '" +
                std::to_string(value->message_key) + "' to the subscription for " +
                Describe(*value) + ", but no such correlation is pending");
      }
      context.writers.Event(subscription->key, MessageSubscriptionIntent::kCorrelated,
                            *subscription->value);
      if (!subscription->value->interrupting) {
        subscription->correlating = false;
        CorrelateNextMessage(context, *subscription);
      }
      return;
    }
    case MessageSubscriptionIntent::kDelete: {
      // Confirmed in any case: the instance partition waits for it.
      context.writers.SendTo(record::PartitionOf(value->process_instance_key), -1,
                             ProcessMessageSubscriptionIntent::kDelete,
                             ToProcessMessageSubscription(*value, context.options.partition_id));
      if (!subscription) {
        return context.writers.Rejection(command, RejectionType::kNotFound,
                                         "Expected to delete a message subscription for " +
                                             Describe(*value) +
                                             ", but no such subscription was found");
      }
      context.writers.Event(subscription->key, MessageSubscriptionIntent::kDeleted,
                            *subscription->value);
      return;
    }
    case MessageSubscriptionIntent::kReject: {
      // Only a correlation not confirmed yet can be undone (a REJECT may
      // answer a retried CORRELATE of one that succeeded).
      auto message = messages.Get(value->message_key);
      if (!message || !Contains(message->correlated_process_ids, value->bpmn_process_id) ||
          Contains(message->confirmed_process_ids, value->bpmn_process_id)) {
        return context.writers.Rejection(
            command, RejectionType::kInvalidState,
            "Expected to reject the correlation of message with key '" +
                std::to_string(value->message_key) + "' to process '" + value->bpmn_process_id +
                "', but no such correlation is pending");
      }
      context.writers.Event(subscription ? subscription->key : -1,
                            MessageSubscriptionIntent::kRejected, *value);
      // The message may correlate to another instance of the process.
      CorrelateToSubscriptions(context, value->message_key);
      return;
    }
    default: break;
  }
  context.writers.Rejection(command, RejectionType::kInvalidArgument,
                            "Expected a MESSAGE_SUBSCRIPTION command, but got an event intent");
}

void ProcessProcessMessageSubscriptionCommand(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsProcessMessageSubscriptionRecord();
  if (value == nullptr) return;
  auto subscription =
      context.state.event_scopes.GetSubscription(value->element_instance_key, value->message_name);
  const std::string what = "subscription for " + Describe(ToMessageSubscription(*value));
  auto is = [](const auto& stored, ProcessMessageSubscriptionIntent state) {
    return stored.state == record::IntentCode(state);
  };
  switch (static_cast<ProcessMessageSubscriptionIntent>(command.intent)) {
    case ProcessMessageSubscriptionIntent::kCreate:
      if (!subscription) {
        // A late confirmation of a subscription this partition no longer
        // has: the message partition must not keep it.
        context.writers.SendTo(value->subscription_partition_id, -1,
                               MessageSubscriptionIntent::kDelete, ToMessageSubscription(*value));
      }
      if (!subscription || !is(*subscription, ProcessMessageSubscriptionIntent::kCreating)) {
        return context.writers.Rejection(
            command, subscription ? RejectionType::kInvalidState : RejectionType::kNotFound,
            "Expected to acknowledge the creation of the " + what +
                ", but no such subscription is being created");
      }
      return context.writers.Event(subscription->key, ProcessMessageSubscriptionIntent::kCreated,
                                   *subscription->value);
    case ProcessMessageSubscriptionIntent::kCorrelate: {
      BpmnProcessor bpmn(context);
      auto refuse = [&](RejectionType type, const std::string& reason) {
        context.writers.Rejection(command, type,
                                  "Expected to correlate the " + what + ", but " + reason);
        context.writers.SendTo(value->subscription_partition_id, -1,
                               MessageSubscriptionIntent::kReject, ToMessageSubscription(*value));
      };
      if (!subscription || is(*subscription, ProcessMessageSubscriptionIntent::kDeleting)) {
        return refuse(RejectionType::kNotFound, "no such subscription was found");
      }
      if (!subscription->value->interrupting &&
          subscription->value->message_key == value->message_key) {
        // A retried CORRELATE of a message this subscription took already.
        context.writers.SendTo(value->subscription_partition_id, -1,
                               MessageSubscriptionIntent::kCorrelate,
                               ToMessageSubscription(*value));
        return context.writers.Rejection(
            command, RejectionType::kInvalidState,
            "Expected to correlate the " + what + ", but the message was correlated already");
      }
      if (!bpmn.AcceptsEvent(value->element_instance_key, subscription->value->element_id)) {
        return refuse(RejectionType::kInvalidState, "the element does not accept events anymore");
      }
      if (is(*subscription, ProcessMessageSubscriptionIntent::kCreating)) {
        context.writers.Event(subscription->key, ProcessMessageSubscriptionIntent::kCreated,
                              *subscription->value);
      }
      ProcessMessageSubscriptionRecordT correlated = *subscription->value;
      correlated.message_key = value->message_key;
      correlated.variables = value->variables;
      context.writers.Event(subscription->key, ProcessMessageSubscriptionIntent::kCorrelated,
                            correlated);
      bpmn.TriggerEvent(value->element_instance_key, correlated.element_id, correlated.variables);
      context.writers.SendTo(correlated.subscription_partition_id, -1,
                             MessageSubscriptionIntent::kCorrelate,
                             ToMessageSubscription(correlated));
      return;
    }
    case ProcessMessageSubscriptionIntent::kDelete:
      if (!subscription || !is(*subscription, ProcessMessageSubscriptionIntent::kDeleting)) {
        return context.writers.Rejection(
            command, subscription ? RejectionType::kInvalidState : RejectionType::kNotFound,
            "Expected to acknowledge the deletion of the " + what +
                ", but no such subscription is being deleted");
      }
      return context.writers.Event(subscription->key, ProcessMessageSubscriptionIntent::kDeleted,
                                   *subscription->value);
    default: break;
  }
  context.writers.Rejection(
      command, RejectionType::kInvalidArgument,
      "Expected a PROCESS_MESSAGE_SUBSCRIPTION command, but got an event intent");
}

}  // namespace waggle::engine
