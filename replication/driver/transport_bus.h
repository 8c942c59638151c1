// TransportBus: the production MessageBus, over the gRPC transport.
#pragma once

#include "replication/driver/message_bus.h"
#include "replication/transport/transport.h"

namespace waggle::replication {

class TransportBus final : public MessageBus {
 public:
  // REQUIRES: transport outlives this bus.
  explicit TransportBus(transport::Transport* transport) : transport_(transport) {}

  void Send(raft::NodeId to, std::vector<transport::GroupMessage> messages) override {
    transport_->Send(to, std::move(messages));
  }
  void Flush() override { transport_->Flush(); }

 private:
  transport::Transport* const transport_;
};

}  // namespace waggle::replication
