#include "tests/raft/test_network.h"

#include <gtest/gtest.h>

namespace waggle::raft::testing {

namespace {

// The state machine image: applied data joined by '\n'.
std::string serialize(const std::vector<std::string>& applied) {
  std::string out;
  for (const std::string& data : applied) out += data + '\n';
  return out;
}

std::vector<std::string> deserialize(const std::string& image) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = image.find('\n', start)) != std::string::npos; start = end + 1) {
    out.push_back(image.substr(start, end - start));
  }
  return out;
}

}  // namespace

Config make_config(NodeId id, size_t members) {
  Config config;
  config.id = id;
  for (NodeId m = 1; m <= members; ++m) config.members.push_back(m);
  config.election_ticks = 10;
  config.heartbeat_ticks = 1;
  config.random_seed = 42;
  return config;
}

Ready persist_ready(RawNode& node, MemoryStorage& storage) {
  Ready rd = node.ready();
  if (!rd.snapshot.empty()) {
    EXPECT_TRUE(storage.apply_snapshot(rd.snapshot).ok());
  }
  EXPECT_TRUE(storage.append(rd.entries).ok());
  if (rd.hard_state) {
    EXPECT_TRUE(storage.set_hard_state(*rd.hard_state).ok());
  }
  node.advance();
  return rd;
}

TestNetwork::TestNetwork(size_t size, const Configure& configure) {
  for (NodeId id = 1; id <= size; ++id) {
    Config config = make_config(id, size);
    if (configure) configure(config);
    Member& member = members_[id];
    member.config = config;
    member.storage = std::make_unique<MemoryStorage>();
    member.node = std::make_unique<RawNode>(config, member.storage.get());
  }
}

std::vector<NodeId> TestNetwork::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, member] : members_) out.push_back(id);
  return out;
}

bool TestNetwork::handle_ready(NodeId id) {
  Member& member = members_.at(id);
  if (!member.node->has_ready()) return false;
  Ready rd = member.node->ready();
  for (Message& m : rd.messages) queue_.push_back(std::move(m));
  if (!rd.snapshot.empty()) {
    EXPECT_TRUE(member.storage->apply_snapshot(rd.snapshot).ok());
  }
  EXPECT_TRUE(member.storage->append(rd.entries).ok());
  if (rd.hard_state) {
    EXPECT_TRUE(member.storage->set_hard_state(*rd.hard_state).ok());
  }
  for (Message& m : rd.messages_after_persist) queue_.push_back(std::move(m));
  if (!rd.snapshot.empty()) {
    member.applied = deserialize(*rd.snapshot.data);
    member.applied_index = rd.snapshot.meta.index;
  }
  for (const Entry& entry : rd.committed_entries) {
    EXPECT_EQ(entry.index, member.applied_index + 1) << "member " << id << " skipped an entry";
    member.applied_index = entry.index;
    if (entry.type == EntryType::kNormal) member.applied.push_back(entry.data);
  }
  member.node->advance();
  return true;
}

bool TestNetwork::link_up(NodeId from, NodeId to) const {
  return !cut_links_.contains({from, to});
}

bool TestNetwork::deliver_queued() {
  if (queue_.empty()) return false;
  std::deque<Message> batch;
  batch.swap(queue_);
  for (const Message& m : batch) {
    sent_.push_back(m);
    if (!link_up(m.from, m.to) || (drop_ && drop_(m))) continue;
    EXPECT_TRUE(node(m.to).step(m).ok());
  }
  return true;
}

void TestNetwork::stabilize() {
  for (int round = 0; round < 100000; ++round) {
    bool moved = false;
    for (auto& [id, member] : members_) {
      while (handle_ready(id)) moved = true;
    }
    if (!deliver_queued() && !moved) return;
  }
  ADD_FAILURE() << "network did not stabilize";
}

void TestNetwork::tick(NodeId id, int times) {
  for (int i = 0; i < times; ++i) {
    node(id).tick();
    stabilize();
  }
}

void TestNetwork::tick_all(int times) {
  for (int i = 0; i < times; ++i) {
    for (auto& [id, member] : members_) member.node->tick();
    stabilize();
  }
}

NodeId TestNetwork::tick_until_leader(int max_ticks) {
  for (int i = 0; i < max_ticks; ++i) {
    if (NodeId id = leader(); id != kNoNode) return id;
    tick_all();
  }
  return leader();
}

NodeId TestNetwork::leader() const {
  NodeId best = kNoNode;
  Term best_term = 0;
  for (const auto& [id, member] : members_) {
    const NodeStatus status = member.node->status();
    if (status.role == Role::kLeader && status.term > best_term) {
      best = id;
      best_term = status.term;
    }
  }
  return best;
}

Result<Index> TestNetwork::propose(NodeId id, std::string data) {
  std::vector<std::string> batch;
  batch.push_back(std::move(data));
  Result<Index> index = node(id).propose(std::move(batch));
  stabilize();
  return index;
}

void TestNetwork::cut(NodeId a, NodeId b) {
  cut_links_.insert({a, b});
  cut_links_.insert({b, a});
}

void TestNetwork::isolate(NodeId id) {
  for (const auto& [other, member] : members_) {
    if (other != id) cut(id, other);
  }
}

void TestNetwork::heal() {
  cut_links_.clear();
  drop_ = nullptr;
}

size_t TestNetwork::count_sent(MessageType type) const {
  size_t count = 0;
  for (const Message& m : sent_) count += m.type == type ? 1 : 0;
  return count;
}

void TestNetwork::restart(NodeId id) {
  Member& member = members_.at(id);
  Config config = member.config;
  config.applied = member.applied_index;
  member.node = std::make_unique<RawNode>(config, member.storage.get());
}

void TestNetwork::snapshot_and_compact(NodeId id) {
  Member& member = members_.at(id);
  const Index index = member.applied_index;
  auto data = std::make_shared<const std::string>(serialize(member.applied));
  ASSERT_TRUE(member.storage->create_snapshot(index, std::move(data)).ok());
  ASSERT_TRUE(member.storage->compact(index).ok());
}

}  // namespace waggle::raft::testing
