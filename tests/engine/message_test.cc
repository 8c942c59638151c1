// Messages across partitions: publishing, buffering with a time to live,
// expiry, duplicate message ids, correlation to catch events, receive tasks,
// boundary events, message start events and event-based gateways, with
// Zeebe's subscription protocol between the instance partition and the
// message partition (three partitions in-process).
#include <gtest/gtest.h>

#include "engine/processing/messages.h"
#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::MessageIntent;
using record::MessageSubscriptionIntent;
using record::ProcessInstanceIntent;
using record::ProcessMessageSubscriptionIntent;
using record::RecordType;
using record::ValueType;

constexpr int32_t kPartitions = 3;

// A bpmn:message with a zeebe:subscription, to put after the process.
std::string Message(const std::string& id, const std::string& name,
                    const std::string& correlation_key) {
  return "<bpmn:message id=\"" + id + "\" name=\"" + name +
         "\"><bpmn:extensionElements><zeebe:subscription correlationKey=\"" + correlation_key +
         "\" /></bpmn:extensionElements></bpmn:message>";
}

// Wraps a process body and message definitions into a document.
std::string WithMessages(const std::string& process_id, const std::string& body,
                         const std::string& messages) {
  std::string xml = BpmnProcess(process_id, body);
  xml.insert(xml.rfind("</bpmn:definitions>"), messages + "\n");
  return xml;
}

std::string MessageCatchProcess() {
  return WithMessages("pay",
                      "<bpmn:startEvent id=\"s\" />"
                      "<bpmn:intermediateCatchEvent id=\"paid\">"
                      "<bpmn:messageEventDefinition messageRef=\"m\" />"
                      "</bpmn:intermediateCatchEvent><bpmn:endEvent id=\"e\" />" +
                          Flow("f1", "s", "paid") + Flow("f2", "paid", "e"),
                      Message("m", "payment", "=orderId"));
}

class MessageTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  record::fb::RecordT Publish(const std::string& name, const std::string& correlation_key,
                              const json& variables = json::object(), int64_t ttl = 60000,
                              const std::string& message_id = "") {
    record::fb::MessageRecordT message;
    message.name = name;
    message.correlation_key = correlation_key;
    message.time_to_live = ttl;
    message.message_id = message_id;
    message.variables = variables.dump();
    auto response = harness_.Execute(Command(MessageIntent::kPublish, std::move(message)),
                                     SubscriptionPartitionOf(correlation_key, kPartitions));
    if (!response) throw std::runtime_error("no response to publish");
    return *response;
  }

  int64_t Create(const std::string& process_id, const json& variables = json::object(),
                 int32_t partition = 1) {
    return harness_.CreateInstance(process_id, variables, partition)
        .typed_value.AsProcessInstanceCreationRecord()
        ->process_instance_key;
  }

  size_t Count(int32_t partition, const std::string& element_id, ProcessInstanceIntent intent) {
    size_t n = 0;
    for (const auto& event : harness_.Events(ValueType::kProcessInstance, intent, partition)) {
      if (event.typed_value.AsProcessInstanceRecord()->element_id == element_id) ++n;
    }
    return n;
  }

  std::optional<std::string> Variable(int32_t partition, const std::string& name) {
    std::optional<std::string> value;
    for (const auto& event : harness_.Events(ValueType::kVariable, partition)) {
      const auto* variable = event.typed_value.AsVariableRecord();
      if (variable->name == name) value = variable->value;
    }
    return value;
  }

  EngineHarness harness_{kPartitions};
};

TEST(SubscriptionPartitionTest, HashesTheCorrelationKeyAsZeebeDoes) {
  EXPECT_EQ(SubscriptionPartitionOf("", 3), 1);
  EXPECT_EQ(SubscriptionPartitionOf("a", 3), 2);             // 97
  EXPECT_EQ(SubscriptionPartitionOf("ab", 3), 1);            // 3105
  EXPECT_EQ(SubscriptionPartitionOf("order-1", 3), 3);       // -1207111310
  EXPECT_EQ(SubscriptionPartitionOf("order-2", 3), 2);       // -1207111309
  EXPECT_EQ(SubscriptionPartitionOf("h\xc3\xa9llo", 3), 1);  // signed UTF-8 bytes
  EXPECT_EQ(SubscriptionPartitionOf("anything", 1), 1);
}

TEST_F(MessageTest, CatchEventCorrelatesAcrossPartitions) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  const int64_t instance = Create("pay", {{"orderId", "order-1"}});  // messages on partition 3
  EXPECT_EQ(harness_
                .Events(ValueType::kProcessMessageSubscription,
                        ProcessMessageSubscriptionIntent::kCreated, 1)
                .size(),
            1u);
  EXPECT_EQ(harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kCreated, 3)
                .size(),
            1u);
  EXPECT_FALSE(harness_.IsCompleted(instance));

  auto published = Publish("payment", "order-1", {{"amount", 42}});
  EXPECT_EQ(published.intent, record::IntentCode(MessageIntent::kPublished));
  EXPECT_EQ(record::PartitionOf(published.key), 3);
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Variable(1, "amount"), "42");
  auto correlated =
      harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kCorrelated, 3);
  ASSERT_EQ(correlated.size(), 1u);
  EXPECT_EQ(correlated[0].typed_value.AsMessageSubscriptionRecord()->message_key, published.key);
  EXPECT_EQ(harness_
                .Events(ValueType::kProcessMessageSubscription,
                        ProcessMessageSubscriptionIntent::kCorrelated, 1)
                .size(),
            1u);
  for (int32_t p = 1; p <= kPartitions; ++p)
    EXPECT_TRUE(harness_.engine(p).PendingOutgoing().empty());
}

TEST_F(MessageTest, BufferedMessageCorrelatesToALaterSubscription) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  Publish("payment", "order-2", {{"amount", 7}});
  const int64_t instance = Create("pay", {{"orderId", "order-2"}});
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Variable(1, "amount"), "7");
  // The message stays buffered, but correlates once per process: a second
  // instance waits.
  const int64_t second = Create("pay", {{"orderId", "order-2"}});
  EXPECT_FALSE(harness_.IsCompleted(second));
}

TEST_F(MessageTest, MessageExpiresAfterItsTimeToLive) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  Publish("payment", "order-1", json::object(), 1000);
  EXPECT_EQ(harness_.engine(3).NextDueDate(), harness_.now() + 1000);
  harness_.AdvanceTime(1000);
  ASSERT_EQ(harness_.Events(ValueType::kMessage, MessageIntent::kExpired, 3).size(), 1u);
  const int64_t instance = Create("pay", {{"orderId", "order-1"}});
  EXPECT_FALSE(harness_.IsCompleted(instance));
}

TEST_F(MessageTest, ZeroTimeToLiveCorrelatesOnlyToWaitingSubscriptions) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  const int64_t waiting = Create("pay", {{"orderId", "order-1"}});
  Publish("payment", "order-1", json::object(), 0);
  EXPECT_TRUE(harness_.IsCompleted(waiting));
  EXPECT_EQ(harness_.Events(ValueType::kMessage, MessageIntent::kExpired, 3).size(), 1u);
  const int64_t later = Create("pay", {{"orderId", "order-1"}});
  EXPECT_FALSE(harness_.IsCompleted(later));
}

TEST_F(MessageTest, DuplicateMessageIdIsRejectedWhileBuffered) {
  Publish("payment", "order-1", json::object(), 1000, "m-1");
  auto duplicate = Publish("payment", "order-1", json::object(), 1000, "m-1");
  EXPECT_EQ(duplicate.record_type, static_cast<uint8_t>(RecordType::kCommandRejection));
  EXPECT_EQ(duplicate.rejection_type, static_cast<uint8_t>(record::RejectionType::kAlreadyExists));
  EXPECT_EQ(duplicate.rejection_reason,
            "Expected to publish a new message with id 'm-1', but a message with that id was "
            "already published");
  // Another correlation key, or the same id after expiry, is a new message.
  EXPECT_EQ(Publish("payment", "order-2", json::object(), 1000, "m-1").intent,
            record::IntentCode(MessageIntent::kPublished));
  harness_.AdvanceTime(1000);
  EXPECT_EQ(Publish("payment", "order-1", json::object(), 1000, "m-1").intent,
            record::IntentCode(MessageIntent::kPublished));
}

TEST_F(MessageTest, AMessageCorrelatesToOneInstanceOfAProcess) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  const int64_t first = Create("pay", {{"orderId", "order-1"}}, 1);
  const int64_t second = Create("pay", {{"orderId", "order-1"}}, 2);
  Publish("payment", "order-1");
  const bool first_done = harness_.IsCompleted(first, 1);
  const bool second_done = harness_.IsCompleted(second, 2);
  EXPECT_NE(first_done, second_done);
  Publish("payment", "order-1");
  EXPECT_TRUE(harness_.IsCompleted(first, 1));
  EXPECT_TRUE(harness_.IsCompleted(second, 2));
}

TEST_F(MessageTest, ReceiveTaskWaitsForItsMessage) {
  harness_.Deploy(
      "receive.bpmn",
      WithMessages("receive",
                   "<bpmn:startEvent id=\"s\" /><bpmn:receiveTask id=\"r\" messageRef=\"m\" />"
                   "<bpmn:endEvent id=\"e\" />" +
                       Flow("f1", "s", "r") + Flow("f2", "r", "e"),
                   Message("m", "confirmation", "=key")));
  const int64_t instance = Create("receive", {{"key", "k2"}});
  EXPECT_FALSE(harness_.IsCompleted(instance));
  Publish("confirmation", "k2", {{"ok", true}});
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Variable(1, "ok"), "true");
}

TEST_F(MessageTest, NumericCorrelationKeysBecomeStrings) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  const int64_t instance = Create("pay", {{"orderId", 123}});
  Publish("payment", "123");
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

std::string MessageBoundaryProcess(bool interrupting) {
  return WithMessages(
      "order",
      "<bpmn:startEvent id=\"s\" />" + ServiceTask("task", "work") +
          "<bpmn:boundaryEvent id=\"cancelled\" attachedToRef=\"task\" cancelActivity=\"" +
          (interrupting ? "true" : "false") +
          "\"><bpmn:messageEventDefinition messageRef=\"m\" /></bpmn:boundaryEvent>"
          "<bpmn:endEvent id=\"done\" /><bpmn:endEvent id=\"aborted\" />" +
          Flow("f1", "s", "task") + Flow("f2", "task", "done") + Flow("f3", "cancelled", "aborted"),
      Message("m", "cancel", "=orderId"));
}

TEST_F(MessageTest, InterruptingMessageBoundaryTerminatesTheTask) {
  harness_.Deploy("order.bpmn", MessageBoundaryProcess(true));
  const int64_t instance = Create("order", {{"orderId", "order-1"}});
  Publish("cancel", "order-1", {{"reason", "customer"}});
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Count(1, "task", ProcessInstanceIntent::kElementTerminated), 1u);
  EXPECT_EQ(Count(1, "aborted", ProcessInstanceIntent::kElementCompleted), 1u);
  EXPECT_EQ(Variable(1, "reason"), "\"customer\"");
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCanceled).size(), 1u);
}

TEST_F(MessageTest, NonInterruptingMessageBoundaryLetsTheTaskRun) {
  harness_.Deploy("order.bpmn", MessageBoundaryProcess(false));
  const int64_t instance = Create("order", {{"orderId", "order-1"}});
  Publish("cancel", "order-1");
  Publish("cancel", "order-1");
  EXPECT_EQ(Count(1, "cancelled", ProcessInstanceIntent::kElementCompleted), 2u);
  EXPECT_EQ(Count(1, "task", ProcessInstanceIntent::kElementTerminated), 0u);
  EXPECT_FALSE(harness_.IsCompleted(instance));
  auto batch = harness_.ActivateJobs("work");
  harness_.CompleteJob(batch.typed_value.AsJobBatchRecord()->job_keys.at(0));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  // Completing the task closed its subscription on both sides.
  EXPECT_EQ(harness_
                .Events(ValueType::kProcessMessageSubscription,
                        ProcessMessageSubscriptionIntent::kDeleted, 1)
                .size(),
            1u);
  EXPECT_EQ(harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kDeleted, 3)
                .size(),
            1u);
}

TEST_F(MessageTest, CancellingTheInstanceClosesItsSubscriptions) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  const int64_t instance = Create("pay", {{"orderId", "order-1"}});
  harness_.CancelInstance(instance);
  EXPECT_TRUE(harness_.IsTerminated(instance));
  EXPECT_EQ(harness_
                .Events(ValueType::kProcessMessageSubscription,
                        ProcessMessageSubscriptionIntent::kDeleted, 1)
                .size(),
            1u);
  EXPECT_EQ(harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kDeleted, 3)
                .size(),
            1u);
  Publish("payment", "order-1");
  EXPECT_TRUE(
      harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kCorrelating, 3)
          .empty());
}

TEST_F(MessageTest, MessageStartEventCreatesOneActiveInstancePerCorrelationKey) {
  harness_.Deploy("started.bpmn",
                  WithMessages("started",
                               "<bpmn:startEvent id=\"s\"><bpmn:messageEventDefinition "
                               "messageRef=\"m\" /></bpmn:startEvent>" +
                                   ServiceTask("task", "work") + "<bpmn:endEvent id=\"e\" />" +
                                   Flow("f1", "s", "task") + Flow("f2", "task", "e"),
                               "<bpmn:message id=\"m\" name=\"order placed\" />"));
  // Every partition subscribes: messages are published anywhere.
  for (int32_t p = 1; p <= kPartitions; ++p) {
    EXPECT_EQ(harness_
                  .Events(ValueType::kMessageStartEventSubscription,
                          record::MessageStartEventSubscriptionIntent::kCreated, p)
                  .size(),
              1u);
  }
  Publish("order placed", "order-1", {{"items", 3}});
  Publish("order placed", "order-1");  // an instance for order-1 is active
  Publish("order placed", "order-2");
  auto started = [&](int32_t p) {
    return Count(p, "started", ProcessInstanceIntent::kElementActivated);
  };
  EXPECT_EQ(started(3), 1u);
  EXPECT_EQ(started(2), 1u);
  EXPECT_EQ(Variable(3, "items"), "3");
  EXPECT_EQ(Count(3, "s", ProcessInstanceIntent::kElementCompleted), 1u);

  // Once the order-1 instance ended, the correlation key is free again.
  auto batch = harness_.ActivateJobs("work", 10, 3);
  harness_.CompleteJob(batch.typed_value.AsJobBatchRecord()->job_keys.at(0));
  Publish("order placed", "order-1");
  EXPECT_EQ(started(3), 2u);
}

std::string EventBasedGatewayProcess() {
  return WithMessages(
      "race",
      "<bpmn:startEvent id=\"s\" /><bpmn:eventBasedGateway id=\"g\" />"
      "<bpmn:intermediateCatchEvent id=\"answer\"><bpmn:messageEventDefinition "
      "messageRef=\"m\" /></bpmn:intermediateCatchEvent>"
      "<bpmn:intermediateCatchEvent id=\"timeout\"><bpmn:timerEventDefinition><bpmn:timeDuration "
      "xsi:type=\"bpmn:tFormalExpression\">PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>"
      "</bpmn:intermediateCatchEvent>"
      "<bpmn:endEvent id=\"answered\" /><bpmn:endEvent id=\"timedOut\" />" +
          Flow("f1", "s", "g") + Flow("f2", "g", "answer") + Flow("f3", "g", "timeout") +
          Flow("f4", "answer", "answered") + Flow("f5", "timeout", "timedOut"),
      Message("m", "answer", "=key"));
}

TEST_F(MessageTest, EventBasedGatewayTakesTheMessageWhenItComesFirst) {
  harness_.Deploy("race.bpmn", EventBasedGatewayProcess());
  const int64_t instance = Create("race", {{"key", "k3"}});
  Publish("answer", "k3", {{"answer", 42}});
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Count(1, "answered", ProcessInstanceIntent::kElementCompleted), 1u);
  EXPECT_EQ(Count(1, "timeout", ProcessInstanceIntent::kElementActivating), 0u);
  EXPECT_EQ(harness_.Events(ValueType::kTimer, record::TimerIntent::kCanceled).size(), 1u);
  EXPECT_EQ(Variable(1, "answer"), "42");
  harness_.AdvanceTime(60000);
  EXPECT_TRUE(harness_.Events(ValueType::kTimer, record::TimerIntent::kTriggered).empty());
}

TEST_F(MessageTest, EventBasedGatewayTakesTheTimerWhenItComesFirst) {
  harness_.Deploy("race.bpmn", EventBasedGatewayProcess());
  const int64_t instance = Create("race", {{"key", "k3"}});
  harness_.AdvanceTime(60000);
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Count(1, "timedOut", ProcessInstanceIntent::kElementCompleted), 1u);
  EXPECT_EQ(Count(1, "answer", ProcessInstanceIntent::kElementActivating), 0u);
  EXPECT_EQ(harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kDeleted, 3)
                .size(),
            1u);
  // The late message is buffered, not correlated.
  Publish("answer", "k3");
  EXPECT_TRUE(
      harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kCorrelating, 3)
          .empty());
}

TEST_F(MessageTest, RetriedSubscriptionCommandsAreIdempotent) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  const int64_t instance = Create("pay", {{"orderId", "order-1"}});
  Publish("payment", "order-1");
  ASSERT_TRUE(harness_.IsCompleted(instance));
  // Deliver every cross-partition command of the exchange a second time.
  auto resend = [&](ValueType type, int32_t partition) {
    for (auto record : harness_.Records(partition)) {
      if (record.value_type != static_cast<uint8_t>(type) ||
          record.record_type != static_cast<uint8_t>(RecordType::kCommand)) {
        continue;
      }
      record.timestamp = harness_.now();
      record.processed = false;
      harness_.Execute(record, partition);
    }
  };
  resend(ValueType::kMessageSubscription, 3);
  resend(ValueType::kProcessMessageSubscription, 1);
  EXPECT_EQ(Count(1, "paid", ProcessInstanceIntent::kElementCompleted), 1u);
  EXPECT_EQ(
      harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kCorrelated, 3)
          .size(),
      1u);
  for (int32_t p = 1; p <= kPartitions; ++p)
    EXPECT_TRUE(harness_.engine(p).PendingOutgoing().empty());
}

TEST_F(MessageTest, UnconfirmedCommandsComeBackFromPendingOutgoing) {
  harness_.Deploy("pay.bpmn", MessageCatchProcess());
  auto deliver_pending = [&](int32_t partition) {
    size_t delivered = 0;
    for (PartitionCommand& pending : harness_.engine(partition).PendingOutgoing()) {
      harness_.Execute(pending.command, pending.partition_id);
      ++delivered;
    }
    return delivered;
  };
  harness_.set_deliver_outgoing(false);
  const int64_t instance = Create("pay", {{"orderId", "order-1"}});
  harness_.set_deliver_outgoing(true);
  // The CREATE to partition 3 was lost: it comes back until confirmed.
  auto pending = harness_.engine(1).PendingOutgoing();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].partition_id, 3);
  EXPECT_EQ(pending[0].command.intent, record::IntentCode(MessageSubscriptionIntent::kCreate));
  EXPECT_EQ(deliver_pending(1), 1u);
  EXPECT_TRUE(harness_.engine(1).PendingOutgoing().empty());

  // The CORRELATE to partition 1 is lost: partition 3 keeps it pending.
  harness_.set_deliver_outgoing(false);
  Publish("payment", "order-1");
  harness_.set_deliver_outgoing(true);
  EXPECT_FALSE(harness_.IsCompleted(instance));
  EXPECT_EQ(deliver_pending(3), 1u);
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(harness_.engine(3).PendingOutgoing().empty());

  // Cancelling an instance whose DELETE is lost: sent again.
  const int64_t other = Create("pay", {{"orderId", "order-1"}});
  harness_.set_deliver_outgoing(false);
  harness_.CancelInstance(other);
  harness_.set_deliver_outgoing(true);
  EXPECT_EQ(deliver_pending(1), 1u);
  EXPECT_TRUE(harness_.engine(1).PendingOutgoing().empty());
  EXPECT_EQ(harness_.Events(ValueType::kMessageSubscription, MessageSubscriptionIntent::kDeleted, 3)
                .size(),
            1u);
}

}  // namespace
}  // namespace waggle::engine::testing
