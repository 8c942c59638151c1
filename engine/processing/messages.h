// Message correlation across partitions, as Zeebe does it. A message lives
// on the partition of its correlation key (SubscriptionPartitionOf); an
// element instance that waits for a message lives on its process instance's
// partition. The two talk by commands (Writers::SendTo), each side keeping
// what it sent as pending state until the other confirms, so that every
// command can be sent again and is accepted idempotently:
//   instance partition                        message partition
//   PROCESS_MESSAGE_SUBSCRIPTION CREATING  -> MESSAGE_SUBSCRIPTION CREATE
//            CREATE (confirms)             <- CREATED (correlates a buffered
//                                                      message, if any)
//   CORRELATE (the message arrived)        <- CORRELATING (on PUBLISH, or
//            CORRELATED, event triggered   ->   at CREATE) CORRELATE
//                                              CORRELATED
//   (or REJECT when the element is gone    -> REJECTED: the message may
//    or no longer waits)                          correlate elsewhere
//   DELETING (element left)                -> DELETE: DELETED
//            DELETE: DELETED               <-
#pragma once

#include <cstdint>
#include <string_view>

#include "common/record/record_generated.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

// The partition of a correlation key: Java's String.hashCode over its UTF-8
// bytes as signed bytes (int32 overflow), |h % count| + 1.
int32_t SubscriptionPartitionOf(std::string_view correlation_key, int32_t partition_count);

// The message partition's view of a subscription, and back.
record::fb::MessageSubscriptionRecordT ToMessageSubscription(
    const record::fb::ProcessMessageSubscriptionRecordT& subscription);
record::fb::ProcessMessageSubscriptionRecordT ToProcessMessageSubscription(
    const record::fb::MessageSubscriptionRecordT& subscription, int32_t subscription_partition_id);

// The processors (message partition, then instance partition).
void ProcessMessagePublish(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessMessageExpire(ProcessingContext& context, const record::fb::RecordT& command);
void ProcessMessageSubscriptionCommand(ProcessingContext& context,
                                       const record::fb::RecordT& command);
void ProcessProcessMessageSubscriptionCommand(ProcessingContext& context,
                                              const record::fb::RecordT& command);

}  // namespace waggle::engine
