// MessageBus: where the driver puts outgoing Raft messages.
//
// The gRPC transport is the production bus; tests connect drivers in memory.
#pragma once

#include <vector>

#include "replication/transport/group_message.h"

namespace waggle::replication {

class MessageBus {
 public:
  virtual ~MessageBus() = default;
  // Queues messages for broker `to`; must not block on the network.
  virtual void Send(raft::NodeId to, std::vector<transport::GroupMessage> messages) = 0;
  // Lets everything queued so far go out, coalesced per peer.
  virtual void Flush() = 0;
};

}  // namespace waggle::replication
