// InvariantChecker: Raft's safety properties (§5.2-§5.4 of the Raft paper),
// checked against what members actually wrote, applied and hold durably.
//
// The checker is told about every write, recovery and apply as it happens
// and looks at every member after every step. The first violation is kept,
// with a description; the run stops at the end of that step.
//
//   election safety       at most one leader per term, over the whole run;
//   log matching          entries with equal (index, term) carry equal data
//                         and follow equal terms; by induction on the index
//                         this makes the logs identical up to there;
//   leader completeness   a leader holds every entry committed before its
//                         term (or a snapshot covering it);
//   state machine safety  members apply the same entry at each index, and
//                         snapshot images agree with the applied history;
//   durability            the newest committed entry is durable on a quorum,
//                         so no crash can lose what was committed;
//   applied order         each state machine applies indices one by one,
//                         except for snapshot jumps forward.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "replication/raft/types.h"
#include "tests/sim/sim_member.h"

namespace waggle::sim {

class InvariantChecker {
 public:
  explicit InvariantChecker(size_t member_count) : quorum_(member_count / 2 + 1) {}

  void on_written(const Member& member, raft::Index lo, raft::Index hi);
  void on_recovered(const Member& member);
  void on_state_machine_reset(const Member& member, bool installed);
  void on_applied(const Member& member, const raft::Entry& entry, raft::Term term);

  // Election safety, leader completeness and durability, after each step.
  void check_step(const std::vector<std::unique_ptr<Member>>& members);

  void fail(std::string what);
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }

  // Everything up to this index has been applied somewhere, so is committed.
  raft::Index committed_index() const { return committed_.size(); }
  // REQUIRES: 0 < index <= committed_index()
  const raft::Entry& committed(raft::Index index) const { return committed_[index - 1].entry; }
  // Terms that had a leader.
  size_t leader_terms() const { return leaders_.size(); }

 private:
  // Log matching: records the entry, or compares it with the one already
  // recorded at its (index, term). `recovered` entries must already be known:
  // a log cannot recover what was never written.
  void check_log_entry(const Member& member, const raft::Entry& entry, raft::Term previous_term,
                       bool recovered);
  // Checks entries [lo, hi) of the member's log, as read back from it.
  void check_log_range(const Member& member, raft::Index lo, raft::Index hi, bool recovered);
  void check_leader_log(const Member& member, raft::Term term);
  void check_durability(const std::vector<std::unique_ptr<Member>>& members);

  const size_t quorum_;
  std::string failure_;

  std::map<raft::Term, raft::NodeId> leaders_;

  struct WrittenEntry {
    raft::EntryType type;
    std::string data;
    raft::Term previous_term;
    raft::NodeId writer;
  };
  std::map<std::pair<raft::Index, raft::Term>, WrittenEntry> written_;

  struct CommittedEntry {
    raft::Entry entry;
    uint64_t digest;  // of the state machine after applying it
    // The entry was committed in a term no later than this (the term of a
    // member that applied it), so every leader of a later term must hold it.
    raft::Term committed_by_term;
    raft::NodeId first_applier;
  };
  std::vector<CommittedEntry> committed_;  // committed_[i - 1] is index i

  std::map<raft::NodeId, raft::Index> applied_;

  // How far each leader's log has been checked for completeness.
  struct LeaderCursor {
    uint64_t incarnation = 0;
    raft::Term term = 0;
    raft::Index checked = 0;
  };
  std::map<raft::NodeId, LeaderCursor> leader_cursors_;
};

}  // namespace waggle::sim
