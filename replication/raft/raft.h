// Raft: the consensus state machine behind RawNode (internal).
//
// Roles, terms, votes, the log and per-follower progress live here. Inputs
// are tick() and step(); outputs are queued messages and the log's unstable
// state, which RawNode packages into Readys. The handlers for each message
// kind live in their own handle_*.cc file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/raft/config.h"
#include "replication/raft/progress.h"
#include "replication/raft/raft_log.h"
#include "replication/raft/ready.h"
#include "replication/raft/storage.h"

namespace waggle::raft {

class Raft {
 public:
  Raft(const Config& config, const Storage* storage);

  void tick();
  Status step(const Message& m);
  Result<Index> propose(std::vector<std::string> data);
  // Election now, skipping pre-vote and priorities; the requests carry force
  // so that members inside a leader lease answer them.
  void campaign() { campaign(CampaignKind::kForced); }
  Status transfer_leadership(NodeId target);
  void report_unreachable(NodeId to);

  // The driver persisted entries through (index, term): the leader counts its
  // own copy towards commitment only from here on.
  void on_persisted(Index index, Term term);

  NodeId id() const { return id_; }
  const Config& config() const { return config_; }
  Role role() const { return role_; }
  NodeId leader() const { return lead_; }
  Term term() const { return term_; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return {lead_, role_}; }
  NodeId transfer_target() const { return transfer_target_; }
  const std::map<NodeId, Progress>& progress() const { return progress_; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  std::vector<Message>& messages() { return messages_; }
  std::vector<Message>& messages_after_persist() { return messages_after_persist_; }

 private:
  enum class CampaignKind : uint8_t {
    kPreElection,  // ask for term + 1 without taking it (pre-vote)
    kElection,
    kForced,  // leadership transfer or campaign(): ignores leader leases
  };

  // --- raft.cc: roles, routing, replication plumbing ---
  void become_follower(Term term, NodeId lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(Term term);
  void reset_randomized_election_timeout();
  bool step_term(const Message& m);  // false: the message is dropped
  void step_by_role(const Message& m);
  // Stamps sender and term (unless set) and queues m in messages() or
  // messages_after_persist().
  void send(Message m);
  Message reply_to(const Message& request, MessageType type) const;
  // Sends the entries after the follower's next index, or a snapshot when
  // they are compacted. Returns whether a message went out.
  bool maybe_send_append(NodeId to, bool send_if_empty);
  void broadcast_append();
  bool maybe_commit();
  bool in_leader_lease() const;
  void heard_from_leader(NodeId leader);
  bool is_member(NodeId id) const { return progress_.contains(id); }

  // --- handle_timeout.cc ---
  void tick_election();
  void tick_heartbeat();
  bool priority_allows_campaign();
  void campaign(CampaignKind kind);
  bool quorum_active();
  void handle_timeout_now();
  void send_timeout_now(NodeId to);
  void abort_transfer() { transfer_target_ = kNoNode; }

  // --- handle_vote.cc ---
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);

  // --- handle_append.cc ---
  void handle_append(const Message& m);
  void handle_append_response(const Message& m);

  // --- handle_heartbeat.cc ---
  void broadcast_heartbeat();
  void handle_heartbeat(const Message& m);
  void handle_heartbeat_response(const Message& m);

  // --- handle_snapshot.cc ---
  // Starts sending the storage's snapshot to `to`. False if there is none.
  bool start_snapshot(NodeId to);
  void send_snapshot_chunk(NodeId to);
  void handle_snapshot(const Message& m);
  void handle_snapshot_response(const Message& m);
  // Follower: makes `snapshot` the base of the log unless the log already
  // holds its last entry. Returns whether the log was replaced.
  bool restore(Snapshot snapshot);

  uint64_t next_random();

  const NodeId id_;
  const Config config_;
  RaftLog log_;

  Term term_ = 0;
  NodeId vote_ = kNoNode;
  NodeId lead_ = kNoNode;
  Role role_ = Role::kFollower;

  std::map<NodeId, Progress> progress_;  // every member, this one included
  std::map<NodeId, bool> votes_;

  std::vector<Message> messages_;
  std::vector<Message> messages_after_persist_;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  uint64_t random_state_;

  NodeId transfer_target_ = kNoNode;

  // Priority election: the priority a member needs to campaign right now.
  int max_priority_ = 0;
  int target_priority_ = 0;

  // A snapshot arriving in chunks from the leader.
  struct IncomingSnapshot {
    Term term = 0;  // of the leader sending it
    SnapshotMeta meta;
    uint64_t size = 0;
    std::string data;
  };
  IncomingSnapshot incoming_snapshot_;
};

}  // namespace waggle::raft
