// TestNetwork: a few RawNodes with MemoryStorages wired by an in-memory,
// deterministic network that can cut links and drop messages. It plays the
// driver: it persists every Ready in the order ready.h documents and applies
// committed entries to a trivial state machine (the list of applied data).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "replication/raft/memory_storage.h"
#include "replication/raft/raw_node.h"

namespace waggle::raft::testing {

// A config for member `id` of a group 1..members with test-friendly timings.
Config make_config(NodeId id, size_t members);

// Persists one Ready of `node` into `storage` (snapshot, entries, hard state),
// advances the node and returns the Ready for inspection.
Ready persist_ready(RawNode& node, MemoryStorage& storage);

class TestNetwork {
 public:
  using Configure = std::function<void(Config&)>;

  // Members 1..size; `configure` may adjust each member's config.
  explicit TestNetwork(size_t size, const Configure& configure = nullptr);

  RawNode& node(NodeId id) { return *members_.at(id).node; }
  MemoryStorage& storage(NodeId id) { return *members_.at(id).storage; }
  // Data of the normal entries member `id` applied, in order (snapshots
  // included: an installed snapshot replaces the list with its image).
  const std::vector<std::string>& applied(NodeId id) const { return members_.at(id).applied; }
  std::vector<NodeId> ids() const;

  // Handles Readys and delivers messages until nothing moves.
  void stabilize();
  // Ticks member `id` (or everyone) `times` times, stabilizing after each.
  void tick(NodeId id, int times = 1);
  void tick_all(int times = 1);
  // Ticks everyone until some member leads; returns it (kNoNode if none did
  // within `max_ticks`).
  NodeId tick_until_leader(int max_ticks = 200);

  // The member that leads in the highest term, or kNoNode.
  NodeId leader() const;
  Result<Index> propose(NodeId id, std::string data);

  // Link control. A cut link drops messages in both directions.
  void cut(NodeId a, NodeId b);
  void isolate(NodeId id);
  void heal();
  // Messages for which `drop` returns true are lost (until cleared).
  void set_drop(std::function<bool(const Message&)> drop) { drop_ = std::move(drop); }

  // Every message sent since the last clear, delivered or not.
  const std::vector<Message>& sent() const { return sent_; }
  void clear_sent() { sent_.clear(); }
  size_t count_sent(MessageType type) const;

  // Crash and restart: member `id` comes back from what its storage holds,
  // having lost its volatile state.
  void restart(NodeId id);

  // The state machine of `id` takes a snapshot at its applied index and
  // compacts its log up to there.
  void snapshot_and_compact(NodeId id);

 private:
  struct Member {
    Config config;
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<RawNode> node;
    std::vector<std::string> applied;
    Index applied_index = 0;
  };

  bool handle_ready(NodeId id);
  bool deliver_queued();
  bool link_up(NodeId from, NodeId to) const;

  std::map<NodeId, Member> members_;
  std::deque<Message> queue_;
  std::set<std::pair<NodeId, NodeId>> cut_links_;
  std::function<bool(const Message&)> drop_;
  std::vector<Message> sent_;
};

}  // namespace waggle::raft::testing
