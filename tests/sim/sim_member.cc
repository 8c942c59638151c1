#include "tests/sim/sim_member.h"

#include <cinttypes>
#include <cstdio>

namespace waggle::sim {

using raft::Entry;
using raft::Index;
using raft::MemoryStorage;
using raft::Snapshot;

namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t fold(uint64_t hash, uint64_t word) {
  hash = (hash ^ word) * kFnvPrime;
  return hash ^ (hash >> 31);
}

uint64_t fold(uint64_t hash, const std::string& bytes) {
  for (unsigned char c : bytes) hash = (hash ^ c) * kFnvPrime;
  return fold(hash, bytes.size());
}

uint64_t fold(uint64_t hash, const Entry& entry) {
  hash = fold(hash, entry.index);
  hash = fold(hash, entry.term);
  hash = fold(hash, static_cast<uint64_t>(entry.type));
  return fold(hash, entry.data);
}

// A crash in the middle of writing `record`: the bytes on disk no longer
// match the checksum written with it.
JournalRecord torn(JournalRecord record) {
  switch (record.kind) {
    case JournalRecord::Kind::kEntries: record.entries.back().data += "\xde\xad"; break;
    case JournalRecord::Kind::kHardState: record.hard_state.term += 7; break;
    case JournalRecord::Kind::kInstallSnapshot:
    case JournalRecord::Kind::kLocalSnapshot: record.snapshot.meta.term += 7; break;
  }
  return record;
}

}  // namespace

JournalRecord JournalRecord::install_snapshot(Snapshot snapshot) {
  JournalRecord record;
  record.kind = Kind::kInstallSnapshot;
  record.snapshot = std::move(snapshot);
  return record;
}

JournalRecord JournalRecord::append(std::vector<Entry> entries) {
  JournalRecord record;
  record.kind = Kind::kEntries;
  record.entries = std::move(entries);
  return record;
}

JournalRecord JournalRecord::hard_state_of(raft::HardState hard_state) {
  JournalRecord record;
  record.kind = Kind::kHardState;
  record.hard_state = hard_state;
  return record;
}

JournalRecord JournalRecord::local_snapshot(Snapshot snapshot, Index compact_to) {
  JournalRecord record;
  record.kind = Kind::kLocalSnapshot;
  record.snapshot = std::move(snapshot);
  record.compact_to = compact_to;
  return record;
}

uint64_t JournalRecord::compute_checksum() const {
  uint64_t hash = fold(0xcbf29ce484222325ULL, static_cast<uint64_t>(kind));
  hash = fold(hash, snapshot.meta.index);
  hash = fold(hash, snapshot.meta.term);
  if (snapshot.data) hash = fold(hash, *snapshot.data);
  for (const Entry& entry : entries) hash = fold(hash, entry);
  hash = fold(hash, hard_state.term);
  hash = fold(hash, hard_state.vote);
  hash = fold(hash, hard_state.commit);
  return fold(hash, compact_to);
}

Status apply_record(const JournalRecord& record, MemoryStorage* storage) {
  switch (record.kind) {
    case JournalRecord::Kind::kInstallSnapshot: return storage->apply_snapshot(record.snapshot);
    case JournalRecord::Kind::kEntries: return storage->append(record.entries);
    case JournalRecord::Kind::kHardState: return storage->set_hard_state(record.hard_state);
    case JournalRecord::Kind::kLocalSnapshot: {
      Status s = storage->create_snapshot(record.snapshot.meta.index, record.snapshot.data);
      if (!s.ok() || record.compact_to < storage->first_index()) return s;
      return storage->compact(record.compact_to);
    }
  }
  return Status::InvalidArgument("unknown journal record");
}

void Journal::write(JournalRecord record) {
  record.checksum = record.compute_checksum();
  records_.push_back(std::move(record));
}

Status Journal::sync() {
  for (; synced_ < records_.size(); ++synced_) {
    Status s = apply_record(records_[synced_], &durable_);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

void Journal::crash(Rng* rng, bool tear, bool lose_synced_entries) {
  size_t kept = synced_ + rng->below(records_.size() - synced_ + 1);
  if (tear && kept < records_.size()) {
    records_[kept] = torn(std::move(records_[kept]));
    ++kept;
  }
  records_.resize(kept);
  if (lose_synced_entries) {
    for (size_t i = synced_; i-- > 0;) {
      if (records_[i].kind == JournalRecord::Kind::kEntries) {
        records_.resize(i);
        break;
      }
    }
  }
}

Status Journal::recover() {
  MemoryStorage recovered;
  size_t intact = 0;
  for (; intact < records_.size(); ++intact) {
    if (records_[intact].compute_checksum() != records_[intact].checksum) break;
    Status s = apply_record(records_[intact], &recovered);
    if (!s.ok()) return s;
  }
  records_.resize(intact);
  synced_ = intact;
  durable_ = std::move(recovered);
  return Status::OK();
}

uint64_t StateMachine::next_digest(uint64_t digest, const Entry& entry) {
  return fold(digest, entry);
}

void StateMachine::apply(const Entry& entry) {
  digest_ = next_digest(digest_, entry);
  applied_ = entry.index;
}

std::shared_ptr<const std::string> StateMachine::image() const {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%" PRIu64 ":%016" PRIx64, applied_, digest_);
  return std::make_shared<const std::string>(buffer);
}

Status StateMachine::restore(const Snapshot& snapshot) {
  uint64_t applied = 0;
  uint64_t digest = 0;
  if (!snapshot.data ||
      std::sscanf(snapshot.data->c_str(), "%" SCNu64 ":%" SCNx64, &applied, &digest) != 2 ||
      applied != snapshot.meta.index) {
    return Status::Corruption("snapshot at " + std::to_string(snapshot.meta.index) +
                              " carries image '" + (snapshot.data ? *snapshot.data : "") + "'");
  }
  applied_ = applied;
  digest_ = digest;
  return Status::OK();
}

Member::Member(raft::NodeId id, raft::Config config, MemberListener* listener, Trace* trace)
    : id_(id), config_(std::move(config)), listener_(listener), trace_(trace) {
  config_.id = id;
}

void Member::start(uint64_t random_seed) {
  ++incarnation_;
  Status s = journal_.recover();
  if (!s.ok())
    return listener_->fail("member " + std::to_string(id_) +
                           ": journal recovery failed: " + s.ToString());
  log_ = std::make_unique<MemoryStorage>(journal_.durable());
  trace_->event("member {} starts (incarnation {}): log [{}, {}], term {}, vote {}, commit {}", id_,
                incarnation_, log_->first_index(), log_->last_index(), log_->hard_state().term,
                log_->hard_state().vote, log_->hard_state().commit);
  listener_->on_recovered(*this);
  rebuild_state_machine();
  config_.applied = state_machine_.applied();
  config_.random_seed = random_seed;
  node_ = std::make_unique<raft::RawNode>(config_, log_.get());
}

void Member::rebuild_state_machine() {
  state_machine_ = StateMachine();
  const Snapshot snapshot = log_->snapshot();
  if (!snapshot.empty()) {
    Status s = state_machine_.restore(snapshot);
    if (!s.ok()) return listener_->fail("member " + std::to_string(id_) + ": " + s.ToString());
  }
  listener_->on_state_machine_reset(*this, /*installed=*/false);
  const raft::HardState hard_state = log_->hard_state();
  if (hard_state.commit > log_->last_index()) {
    return listener_->fail(
        "member " + std::to_string(id_) + ": durable commit " + std::to_string(hard_state.commit) +
        " lies beyond the durable log (last " + std::to_string(log_->last_index()) + ")");
  }
  if (hard_state.commit <= state_machine_.applied()) return;
  std::vector<Entry> committed;
  Status s =
      log_->entries(state_machine_.applied() + 1, hard_state.commit + 1, UINT64_MAX, &committed);
  if (!s.ok()) return listener_->fail("member " + std::to_string(id_) + ": " + s.ToString());
  for (const Entry& entry : committed) {
    state_machine_.apply(entry);
    listener_->on_applied(*this, entry, hard_state.term);
  }
}

void Member::crash(Rng* rng, const DiskFaults& faults) {
  node_.reset();
  log_.reset();
  pending_.reset();
  journal_.crash(rng, faults.tear, faults.lose_synced_entries);
  trace_->event("member {} crashes", id_);
}

void Member::drive(Rng* rng, uint64_t now, const DiskFaults& faults) {
  if (pending_) {
    if (pending_->due > now) return;
    sync();
    raft::Ready ready = std::move(pending_->ready);
    pending_.reset();
    trace_->event("member {}: delayed fsync done", id_);
    complete(std::move(ready));
  }
  // A node that keeps producing Readys without new input is broken; the
  // bound is far above anything a healthy step needs.
  constexpr int kMaxReadysPerStep = 1000;
  for (int readys = 0; up() && node_->has_ready(); ++readys) {
    if (readys == kMaxReadysPerStep) {
      return listener_->fail("member " + std::to_string(id_) + ": has_ready() still true after " +
                             std::to_string(readys) + " Readys in one step");
    }
    raft::Ready ready = node_->ready();
    persist(&ready);
    if (ready.must_sync && rng->chance(faults.sync_delay)) {
      const uint64_t due = now + rng->between(1, faults.max_sync_delay);
      trace_->event("member {}: fsync delayed until step {}", id_, due);
      pending_ = PendingSync{std::move(ready), due};
      return;
    }
    if (ready.must_sync) sync();
    complete(std::move(ready));
  }
}

void Member::persist(raft::Ready* ready) {
  if (ready->soft_state) {
    trace_->event("member {}: {} (leader {})", id_, raft::to_string(ready->soft_state->role),
                  ready->soft_state->leader);
  }
  for (raft::Message& message : ready->messages) listener_->send(std::move(message));
  if (!ready->snapshot.empty()) {
    trace_->event("member {}: persist snapshot at {} term {}", id_, ready->snapshot.meta.index,
                  ready->snapshot.meta.term);
    write(JournalRecord::install_snapshot(ready->snapshot));
  }
  if (!ready->entries.empty()) {
    const Index lo = ready->entries.front().index;
    const Index hi = ready->entries.back().index + 1;
    trace_->event("member {}: persist entries [{}, {}) term {}..{}", id_, lo, hi,
                  ready->entries.front().term, ready->entries.back().term);
    write(JournalRecord::append(ready->entries));
    listener_->on_written(*this, lo, hi);
  }
  if (ready->hard_state) {
    trace_->event("member {}: persist hard state term {} vote {} commit {}", id_,
                  ready->hard_state->term, ready->hard_state->vote, ready->hard_state->commit);
    write(JournalRecord::hard_state_of(*ready->hard_state));
  }
}

void Member::write(JournalRecord record) {
  Status s = apply_record(record, log_.get());
  if (!s.ok()) {
    return listener_->fail("member " + std::to_string(id_) +
                           ": storage refused a write: " + s.ToString());
  }
  journal_.write(std::move(record));
}

void Member::sync() {
  Status s = journal_.sync();
  if (!s.ok()) listener_->fail("member " + std::to_string(id_) + ": sync failed: " + s.ToString());
}

void Member::complete(raft::Ready ready) {
  for (raft::Message& message : ready.messages_after_persist) listener_->send(std::move(message));
  if (!ready.snapshot.empty()) {
    Status s = state_machine_.restore(ready.snapshot);
    if (!s.ok()) return listener_->fail("member " + std::to_string(id_) + ": " + s.ToString());
    trace_->event("member {}: state machine installs snapshot at {}", id_,
                  ready.snapshot.meta.index);
    listener_->on_state_machine_reset(*this, /*installed=*/true);
  }
  if (!ready.committed_entries.empty()) {
    const raft::Term term = node_->status().term;
    trace_->event("member {}: apply [{}, {}]", id_, ready.committed_entries.front().index,
                  ready.committed_entries.back().index);
    for (const Entry& entry : ready.committed_entries) {
      if (entry.index != state_machine_.applied() + 1) {
        return listener_->fail("member " + std::to_string(id_) + ": applies index " +
                               std::to_string(entry.index) + " after " +
                               std::to_string(state_machine_.applied()));
      }
      state_machine_.apply(entry);
      listener_->on_applied(*this, entry, term);
    }
  }
  node_->advance();
}

bool Member::take_snapshot(uint64_t keep) {
  const Index applied = state_machine_.applied();
  if (pending_ || applied <= log_->snapshot().meta.index) return false;
  JournalRecord record = JournalRecord::local_snapshot(
      Snapshot{.meta = {.index = applied, .term = 0}, .data = state_machine_.image()},
      applied - std::min(keep, applied));
  trace_->event("member {}: snapshot at {}, compact to {}", id_, applied, record.compact_to);
  write(std::move(record));
  // Snapshots are written synchronously: the driver fsyncs them.
  sync();
  return true;
}

}  // namespace waggle::sim
