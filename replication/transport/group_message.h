// GroupMessage: a Raft message addressed to one group on the receiving
// broker. Brokers host many groups; the transport multiplexes them all over
// one stream per peer, so each message carries its group.
#pragma once

#include <cstdint>

#include "replication/raft/types.h"

namespace waggle::transport {

using GroupId = uint32_t;

struct GroupMessage {
  GroupId group = 0;
  raft::Message message;

  bool operator==(const GroupMessage&) const = default;
};

}  // namespace waggle::transport
