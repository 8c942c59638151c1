// Network: the simulated wire between members.
//
// Each message gets a seeded delay (in steps) and may be dropped or
// duplicated; with reordering on, messages due in the same step arrive in a
// seeded order, otherwise in send order. A partition splits the members into
// two sides; messages crossing it are lost, both at send time and at
// delivery time (so a partition also cuts what was in flight).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "replication/raft/types.h"
#include "tests/sim/sim_rng.h"
#include "tests/sim/sim_trace.h"

namespace waggle::sim {

struct NetworkFaults {
  double drop = 0;       // probability that a message is lost
  double duplicate = 0;  // probability that a message arrives twice
  bool reorder = false;
  uint64_t max_delay = 1;  // steps; delays are uniform in [1, max_delay]
};

class Network {
 public:
  Network(Rng* rng, Trace* trace) : rng_(rng), trace_(trace) {}

  void set_faults(const NetworkFaults& faults) { faults_ = faults; }

  // Splits the group: `side` on one side, everyone else on the other.
  void partition(std::set<raft::NodeId> side);
  void heal();
  bool partitioned() const { return partitioned_; }
  bool connected(raft::NodeId a, raft::NodeId b) const;

  void send(raft::Message message, uint64_t now);

  struct Delivery {
    std::vector<raft::Message> arrived;
    // Lost to the partition: the sender's transport would notice.
    std::vector<raft::Message> unreachable;
  };
  // Removes the messages due at `now` or earlier.
  Delivery deliver(uint64_t now);

  size_t in_flight() const { return in_flight_.size(); }

 private:
  void enqueue(raft::Message message, uint64_t now);

  Rng* const rng_;
  Trace* const trace_;
  NetworkFaults faults_;
  bool partitioned_ = false;
  std::set<raft::NodeId> side_;
  // (due step, send sequence) -> message: iteration order is delivery order
  // when reordering is off.
  std::map<std::pair<uint64_t, uint64_t>, raft::Message> in_flight_;
  uint64_t next_sequence_ = 0;
};

}  // namespace waggle::sim
