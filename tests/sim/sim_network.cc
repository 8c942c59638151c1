#include "tests/sim/sim_network.h"

namespace waggle::sim {

void Network::partition(std::set<raft::NodeId> side) {
  side_ = std::move(side);
  partitioned_ = true;
}

void Network::heal() {
  side_.clear();
  partitioned_ = false;
}

bool Network::connected(raft::NodeId a, raft::NodeId b) const {
  return !partitioned_ || side_.contains(a) == side_.contains(b);
}

void Network::send(raft::Message message, uint64_t now) {
  if (!connected(message.from, message.to)) {
    trace_->event("net: {} {}->{} cut by partition", raft::to_string(message.type), message.from,
                  message.to);
    return;
  }
  if (rng_->chance(faults_.drop)) {
    trace_->event("net: {} {}->{} dropped", raft::to_string(message.type), message.from,
                  message.to);
    return;
  }
  if (rng_->chance(faults_.duplicate)) {
    trace_->event("net: {} {}->{} duplicated", raft::to_string(message.type), message.from,
                  message.to);
    enqueue(message, now);
  }
  enqueue(std::move(message), now);
}

void Network::enqueue(raft::Message message, uint64_t now) {
  const uint64_t delay = faults_.reorder ? rng_->between(1, faults_.max_delay) : faults_.max_delay;
  in_flight_.emplace(std::make_pair(now + delay, next_sequence_++), std::move(message));
}

Network::Delivery Network::deliver(uint64_t now) {
  Delivery delivery;
  while (!in_flight_.empty() && in_flight_.begin()->first.first <= now) {
    raft::Message message = std::move(in_flight_.begin()->second);
    in_flight_.erase(in_flight_.begin());
    if (connected(message.from, message.to)) {
      delivery.arrived.push_back(std::move(message));
    } else {
      delivery.unreachable.push_back(std::move(message));
    }
  }
  if (faults_.reorder) rng_->shuffle(&delivery.arrived);
  return delivery;
}

}  // namespace waggle::sim
