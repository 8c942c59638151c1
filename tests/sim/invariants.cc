#include "tests/sim/invariants.h"

#include <algorithm>

namespace waggle::sim {

using raft::Entry;
using raft::Index;
using raft::Term;

namespace {

std::string describe(const Entry& entry) {
  return "(index " + std::to_string(entry.index) + ", term " + std::to_string(entry.term) +
         (entry.type == raft::EntryType::kNoOp ? ", no-op" : ", '" + entry.data + "'") + ")";
}

std::string name(const Member& member) {
  return "member " + std::to_string(member.id());
}

}  // namespace

void InvariantChecker::fail(std::string what) {
  if (failure_.empty()) failure_ = std::move(what);
}

void InvariantChecker::check_log_entry(const Member& member, const Entry& entry, Term previous_term,
                                       bool recovered) {
  const auto key = std::make_pair(entry.index, entry.term);
  auto it = written_.find(key);
  if (it == written_.end()) {
    if (recovered) {
      return fail("durability: " + name(member) + " recovered " + describe(entry) +
                  ", which no member ever wrote");
    }
    written_.emplace(key, WrittenEntry{entry.type, entry.data, previous_term, member.id()});
    return;
  }
  const WrittenEntry& known = it->second;
  if (known.type != entry.type || known.data != entry.data) {
    return fail("log matching: " + name(member) + " holds " + describe(entry) + " but member " +
                std::to_string(known.writer) + " wrote '" + known.data + "' there");
  }
  if (known.previous_term != previous_term) {
    return fail("log matching: " + name(member) + " holds " + describe(entry) +
                " after an entry of term " + std::to_string(previous_term) + " but member " +
                std::to_string(known.writer) + " holds it after term " +
                std::to_string(known.previous_term));
  }
}

void InvariantChecker::check_log_range(const Member& member, Index lo, Index hi, bool recovered) {
  const raft::MemoryStorage& log = member.log();
  lo = std::max(lo, log.first_index());
  if (lo >= hi) return;
  std::vector<Entry> entries;
  Status s = log.entries(lo, hi, UINT64_MAX, &entries);
  Result<Term> previous_term = log.term(lo - 1);
  if (!s.ok() || !previous_term.ok()) {
    return fail(name(member) + ": cannot read back [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "): " + (s.ok() ? previous_term.status() : s).ToString());
  }
  Index expected = lo;
  Term previous = *previous_term;
  for (const Entry& entry : entries) {
    if (entry.index != expected++) {
      return fail(name(member) + ": log reads back " + describe(entry) + " at index " +
                  std::to_string(expected - 1));
    }
    check_log_entry(member, entry, previous, recovered);
    previous = entry.term;
  }
}

void InvariantChecker::on_written(const Member& member, Index lo, Index hi) {
  check_log_range(member, lo, hi, /*recovered=*/false);
}

void InvariantChecker::on_recovered(const Member& member) {
  check_log_range(member, member.log().first_index(), member.log().last_index() + 1,
                  /*recovered=*/true);
}

void InvariantChecker::on_state_machine_reset(const Member& member, bool installed) {
  const StateMachine& state_machine = member.state_machine();
  const Index index = state_machine.applied();
  Index& applied = applied_[member.id()];
  if (installed && index <= applied) {
    return fail("applied order: " + name(member) + " installed a snapshot at " +
                std::to_string(index) + " after applying " + std::to_string(applied));
  }
  if (index > committed_.size()) {
    return fail("state machine safety: " + name(member) + " holds a snapshot at " +
                std::to_string(index) + " but nothing past " + std::to_string(committed_.size()) +
                " was ever applied");
  }
  const uint64_t expected = index == 0 ? 0 : committed_[index - 1].digest;
  if (state_machine.digest() != expected) {
    return fail("state machine safety: " + name(member) + "'s snapshot at " +
                std::to_string(index) + " disagrees with the history applied up to there");
  }
  applied = index;
}

void InvariantChecker::on_applied(const Member& member, const Entry& entry, Term term) {
  Index& applied = applied_[member.id()];
  if (entry.index != applied + 1) {
    return fail("applied order: " + name(member) + " applied index " + std::to_string(entry.index) +
                " after " + std::to_string(applied));
  }
  applied = entry.index;
  const uint64_t digest = member.state_machine().digest();
  if (entry.index <= committed_.size()) {
    CommittedEntry& known = committed_[entry.index - 1];
    if (known.entry != entry) {
      return fail("state machine safety: " + name(member) + " applied " + describe(entry) +
                  " but member " + std::to_string(known.first_applier) + " applied " +
                  describe(known.entry));
    }
    if (known.digest != digest) {
      return fail("state machine safety: " + name(member) + "'s state after applying index " +
                  std::to_string(entry.index) + " differs from member " +
                  std::to_string(known.first_applier) + "'s");
    }
    known.committed_by_term = std::min(known.committed_by_term, term);
    return;
  }
  auto written = written_.find({entry.index, entry.term});
  if (written == written_.end() || written->second.data != entry.data ||
      written->second.type != entry.type) {
    return fail("state machine safety: " + name(member) + " applied " + describe(entry) +
                ", which no log holds");
  }
  committed_.push_back(CommittedEntry{entry, digest, term, member.id()});
}

void InvariantChecker::check_step(const std::vector<std::unique_ptr<Member>>& members) {
  for (const auto& member : members) {
    if (!member->up()) continue;
    const raft::NodeStatus status = member->node().status();
    if (status.role != raft::Role::kLeader) continue;
    auto [it, inserted] = leaders_.emplace(status.term, member->id());
    if (!inserted && it->second != member->id()) {
      return fail("election safety: members " + std::to_string(it->second) + " and " +
                  std::to_string(member->id()) + " both lead term " + std::to_string(status.term));
    }
    // Only a settled leader's log holds all it knows; entries it has not
    // yet handed over in a Ready are invisible to the checker.
    if (member->settled()) check_leader_log(*member, status.term);
  }
  check_durability(members);
}

void InvariantChecker::check_leader_log(const Member& member, Term term) {
  LeaderCursor& cursor = leader_cursors_[member.id()];
  if (cursor.incarnation != member.incarnation() || cursor.term != term) {
    cursor = LeaderCursor{member.incarnation(), term, 0};
  }
  const raft::MemoryStorage& log = member.log();
  for (Index index = cursor.checked + 1; index <= committed_.size(); ++index) {
    const CommittedEntry& known = committed_[index - 1];
    if (known.committed_by_term >= term) continue;
    Result<Term> held = log.term(index);
    const bool compacted = !held.ok() && held.status().code() == Status::Code::kCompacted;
    if (compacted || (held.ok() && *held == known.entry.term)) continue;
    return fail("leader completeness: " + name(member) + " leads term " + std::to_string(term) +
                " but its log " +
                (held.ok() ? "has term " + std::to_string(*held) : std::string("has nothing")) +
                " at index " + std::to_string(index) + ", where " + describe(known.entry) +
                " was committed by term " + std::to_string(known.committed_by_term));
  }
  cursor.checked = committed_.size();
}

void InvariantChecker::check_durability(const std::vector<std::unique_ptr<Member>>& members) {
  if (committed_.empty()) return;
  const Entry& newest = committed_.back().entry;
  size_t holders = 0;
  for (const auto& member : members) {
    const raft::MemoryStorage& durable = member->journal().durable();
    Result<Term> held = durable.term(newest.index);
    if (durable.snapshot().meta.index >= newest.index || (held.ok() && *held == newest.term)) {
      ++holders;
    }
  }
  if (holders < quorum_) {
    fail("durability: committed " + describe(newest) + " is durable on only " +
         std::to_string(holders) + " of " + std::to_string(members.size()) + " members");
  }
}

}  // namespace waggle::sim
