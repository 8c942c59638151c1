#include "replication/driver/multi_raft.h"

#include "replication/driver/parallel_runner.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

namespace waggle::replication {

namespace {

using Clock = std::chrono::steady_clock;

// Journal syncs issued at once in a round (the driver thread included).
constexpr size_t kMaxParallelSyncs = 8;

struct PendingProposal {
  raft::Index first = 0;
  raft::Index last = 0;
  raft::Term term = 0;
  MultiRaft::ProposeCallback done;
};

// One group hosted here. Owned and touched by the driver thread only, except
// `published`, which is guarded by Loop::state_mu_.
struct HostedGroup {
  GroupId id = 0;
  GroupListener* listener = nullptr;
  std::function<bool()> accepts_entries;  // GroupOptions::accepts_entries
  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<raft::RawNode> node;
  std::deque<PendingProposal> pending;
  // Term and vote as last written to the journal. The commit index is written
  // only along with them: it is a lower bound that Raft can rebuild, and
  // writing it every round would cost an atomic file replace per round.
  raft::HardState persisted;
  GroupState published;
};

// A journal that cannot write has lost the ability to keep promises already
// made to peers (votes, acknowledged entries). Going on would risk safety, so
// the broker stops, as etcd does; a restart repairs the journal.
[[noreturn]] void FatalJournalError(GroupId group, const Status& status) {
  std::fprintf(stderr, "waggle: fatal: journal of group %u: %s\n", group,
               status.ToString().c_str());
  std::abort();
}

}  // namespace

class MultiRaft::Loop {
 public:
  Loop(DriverOptions options, MessageBus* bus) : options_(options), bus_(bus) {}

  ~Loop() { Stop(); }

  Status AddGroup(GroupOptions options) {
    if (thread_.joinable()) return Status::InvalidArgument("AddGroup after Start");
    if (groups_.count(options.id)) {
      return Status::InvalidArgument("group " + std::to_string(options.id) + " added twice");
    }
    if (options.listener == nullptr) return Status::InvalidArgument("group without listener");
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return Status::IOError("cannot create " + options.dir + ": " + ec.message());
    auto journal = journal::Journal::Open(options.dir, options.journal);
    if (!journal.ok()) return journal.status();

    auto group = std::make_unique<HostedGroup>();
    group->id = options.id;
    group->listener = options.listener;
    group->accepts_entries = std::move(options.accepts_entries);
    group->journal = std::move(journal.value());
    group->persisted = group->journal->hard_state();
    options.raft.id = options_.self;
    group->node = std::make_unique<raft::RawNode>(options.raft, group->journal.get());
    Publish(*group);
    groups_.emplace(options.id, std::move(group));
    return Status::OK();
  }

  Status Start() {
    if (thread_.joinable()) return Status::InvalidArgument("started twice");
    // More than a few syncs at once gain nothing: the device merges them.
    syncs_ = std::make_unique<ParallelRunner>(
        std::min<size_t>(groups_.empty() ? 0 : groups_.size() - 1, kMaxParallelSyncs - 1));
    thread_ = std::thread([this] { Run(); });
    return Status::OK();
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  void Deliver(raft::NodeId from, std::vector<transport::GroupMessage>&& messages) {
    {
      std::lock_guard lock(mu_);
      incoming_.emplace_back(from, std::move(messages));
    }
    cv_.notify_one();
  }

  // Queues work that runs on the driver thread at the start of next round.
  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  // Runs fn on the driver thread with the group, or calls missing() there if
  // the group is not hosted here.
  void WithGroup(
      GroupId id, std::function<void(HostedGroup&)> fn, std::function<void()> missing = [] {}) {
    Post([this, id, fn = std::move(fn), missing = std::move(missing)] {
      auto it = groups_.find(id);
      if (it == groups_.end()) {
        missing();
      } else {
        fn(*it->second);
      }
    });
  }

  void Propose(HostedGroup& g, std::vector<std::string> data, ProposeCallback done) {
    const size_t count = data.size();
    if (count == 0) {
      done(Status::InvalidArgument("empty proposal"), 0);
      return;
    }
    Result<raft::Index> first = g.node->propose(std::move(data));
    if (!first.ok()) {
      done(first.status(), 0);
      return;
    }
    g.pending.push_back({*first, *first + count - 1, g.node->term(), std::move(done)});
  }

  Status TakeSnapshot(HostedGroup& g, raft::Index index, std::shared_ptr<const std::string> data) {
    if (index > g.published.applied) {
      return Status::InvalidArgument("snapshot index " + std::to_string(index) +
                                     " is beyond the applied index " +
                                     std::to_string(g.published.applied));
    }
    if (index < g.journal->first_index()) return Status::OK();  // already covered
    Result<raft::Term> term = g.journal->term(index);
    if (!term.ok()) return term.status();
    raft::Snapshot snapshot;
    snapshot.meta = {index, *term};
    snapshot.data = std::move(data);
    Status s = g.journal->InstallSnapshot(snapshot);
    if (s.ok()) {
      std::lock_guard lock(state_mu_);
      g.published.first_index = g.journal->first_index();
    }
    return s;
  }

  Status ReadCommitted(GroupId id, raft::Index lo, size_t max_bytes,
                       std::vector<raft::Entry>* out) const {
    auto it = groups_.find(id);
    if (it == groups_.end()) return Status::NotFound("group " + std::to_string(id));
    raft::Index commit;
    {
      std::lock_guard lock(state_mu_);
      commit = std::min(it->second->published.commit, it->second->published.last_index);
    }
    if (lo > commit) return Status::Unavailable("index " + std::to_string(lo) + " not committed");
    return it->second->journal->entries(lo, commit + 1, max_bytes, out);
  }

  Result<raft::Snapshot> LatestSnapshot(GroupId id) const {
    auto it = groups_.find(id);
    if (it == groups_.end()) return Status::NotFound("group " + std::to_string(id));
    return it->second->journal->snapshot();
  }

  Result<GroupState> State(GroupId id) const {
    auto it = groups_.find(id);
    if (it == groups_.end()) return Status::NotFound("group " + std::to_string(id));
    std::lock_guard lock(state_mu_);
    return it->second->published;
  }

  Result<journal::JournalUsage> JournalUsage(GroupId id) const {
    auto it = groups_.find(id);
    if (it == groups_.end()) return Status::NotFound("group " + std::to_string(id));
    return it->second->journal->usage();
  }

  std::vector<GroupId> Groups() const {
    std::vector<GroupId> ids;
    for (const auto& [id, g] : groups_) ids.push_back(id);
    return ids;
  }

  MultiRaft::Stats stats() const {
    std::lock_guard lock(state_mu_);
    return stats_;
  }

  void ReportUnreachable(raft::NodeId peer) {
    Post([this, peer] {
      for (auto& [id, g] : groups_) g->node->report_unreachable(peer);
    });
  }

 private:
  struct Work {
    HostedGroup* group;
    raft::Ready ready;
    JournalIo io;
  };

  // Entries and snapshot chunks the group does not take now. Heartbeats
  // still pass, so a refusing follower neither times out nor campaigns, and
  // the leader keeps retrying (raft/handle_heartbeat.cc).
  static bool Refused(const HostedGroup& g, const raft::Message& m) {
    const bool carries_entries = (m.type == raft::MessageType::kAppend && !m.entries.empty()) ||
                                 m.type == raft::MessageType::kSnapshot;
    return carries_entries && g.accepts_entries && !g.accepts_entries();
  }

  static bool Wrote(const Work& w) { return !w.ready.entries.empty() || !w.ready.snapshot.empty(); }

  void Run() {
    auto next_tick = Clock::now() + options_.tick_interval;
    std::vector<std::function<void()>> tasks;
    std::vector<std::pair<raft::NodeId, std::vector<transport::GroupMessage>>> incoming;
    bool more_ready = false;
    while (true) {
      {
        std::unique_lock lock(mu_);
        if (!more_ready) {
          cv_.wait_until(lock, next_tick,
                         [&] { return stopping_ || !tasks_.empty() || !incoming_.empty(); });
        }
        if (stopping_) break;
        tasks.swap(tasks_);
        incoming.swap(incoming_);
      }
      for (auto& [from, messages] : incoming) {
        for (auto& gm : messages) {
          auto it = groups_.find(gm.group);
          if (it != groups_.end() && !Refused(*it->second, gm.message)) {
            (void)it->second->node->step(gm.message);
          }
        }
      }
      incoming.clear();
      for (auto& task : tasks) task();
      tasks.clear();

      const auto now = Clock::now();
      if (now >= next_tick) {
        for (auto& [id, g] : groups_) g->node->tick();
        next_tick += options_.tick_interval;
        // After a stall, do not tick in a burst to catch up: that would fire
        // election timeouts that real elapsed time does not justify.
        if (next_tick < now) next_tick = now + options_.tick_interval;
      }
      more_ready = Round();
    }
    FailAllPending(Status::Aborted("driver stopped"));
  }

  // One round of I/O over every group with something to do. Returns whether
  // some group already has more.
  bool Round() {
    work_.clear();
    for (auto& [id, g] : groups_) {
      if (g->node->has_ready()) work_.push_back({g.get(), g->node->ready(), {}});
    }
    if (work_.empty()) return false;

    // A leader's appends go out before its own write: it persists in parallel
    // with its followers (the core counts it only once advance() says so).
    uint64_t sent = 0;
    for (Work& w : work_) sent += Route(w.group->id, w.ready.messages);
    if (sent != 0) bus_->Flush();

    uint64_t persisted = 0;
    for (Work& w : work_) {
      const auto start = Clock::now();
      persisted += Persist(*w.group, w.ready);
      w.io.append = Clock::now() - start;
    }
    // Group commit: the journals written this round are synced in parallel,
    // so a round costs about one device flush, not one per group.
    std::vector<Work*> to_sync;
    for (Work& w : work_) {
      if (Wrote(w)) to_sync.push_back(&w);
    }
    std::vector<Status> synced(to_sync.size());
    syncs_->Run(to_sync.size(), [&](size_t i) {
      const auto start = Clock::now();
      synced[i] = to_sync[i]->group->journal->Sync();
      to_sync[i]->io.sync = Clock::now() - start;
    });
    for (size_t i = 0; i < to_sync.size(); ++i) {
      if (!synced[i].ok()) FatalJournalError(to_sync[i]->group->id, synced[i]);
    }
    const uint64_t syncs = to_sync.size();
    if (options_.on_journal_io) {
      for (Work* w : to_sync) {
        w->io.group = w->group->id;
        w->io.entries = w->ready.entries.size();
        options_.on_journal_io(w->io);
      }
    }

    uint64_t sent_after = 0;
    for (Work& w : work_) sent_after += Route(w.group->id, w.ready.messages_after_persist);
    if (sent_after != 0) bus_->Flush();

    uint64_t committed = 0;
    for (Work& w : work_) committed += Apply(*w.group, w.ready);

    bool more = false;
    for (Work& w : work_) {
      w.group->node->advance();
      Publish(*w.group);
      more = more || w.group->node->has_ready();
    }
    std::lock_guard lock(state_mu_);
    stats_.rounds++;
    stats_.syncs += syncs;
    stats_.entries_persisted += persisted;
    stats_.entries_committed += committed;
    stats_.messages_sent += sent + sent_after;
    return more;
  }

  uint64_t Route(GroupId group, std::vector<raft::Message>& messages) {
    for (raft::Message& m : messages) {
      outbound_[m.to].push_back({group, std::move(m)});
    }
    uint64_t count = messages.size();
    for (auto& [to, batch] : outbound_) {
      if (!batch.empty()) bus_->Send(to, std::move(batch));
      batch.clear();
    }
    return count;
  }

  uint64_t Persist(HostedGroup& g, const raft::Ready& rd) {
    Status s;
    if (!rd.snapshot.empty()) s = g.journal->InstallSnapshot(rd.snapshot);
    if (s.ok() && !rd.entries.empty()) s = g.journal->Append(rd.entries);
    if (s.ok() && rd.hard_state &&
        (rd.hard_state->term != g.persisted.term || rd.hard_state->vote != g.persisted.vote)) {
      s = g.journal->SetHardState(*rd.hard_state);
      if (s.ok()) g.persisted = *rd.hard_state;
    }
    if (!s.ok()) FatalJournalError(g.id, s);
    return rd.entries.size();
  }

  uint64_t Apply(HostedGroup& g, const raft::Ready& rd) {
    if (rd.soft_state) {
      if (rd.soft_state->role != raft::Role::kLeader) {
        FailPending(g, Status::NotLeader(rd.soft_state->leader));
      }
      g.listener->OnRoleChanged(g.id, *rd.soft_state, g.node->term());
    }
    if (!rd.snapshot.empty()) g.listener->OnSnapshotInstalled(g.id, rd.snapshot);
    if (rd.committed_entries.empty()) return 0;
    {
      // Readers told by OnCommitted may read these entries at once
      // (ReadCommitted), before this round publishes the rest.
      std::lock_guard lock(state_mu_);
      g.published.commit = std::max(g.published.commit, rd.committed_entries.back().index);
      g.published.last_index = std::max(g.published.last_index, g.journal->last_index());
    }
    g.listener->OnCommitted(g.id, rd.committed_entries);
    CompleteProposals(g, rd.committed_entries);
    return rd.committed_entries.size();
  }

  // Completes the proposals whose last entry is in `entries`. An entry at
  // that index with another term means the proposal was overwritten by a
  // later leader and never committed.
  void CompleteProposals(HostedGroup& g, const std::vector<raft::Entry>& entries) {
    const raft::Index lo = entries.front().index;
    const raft::Index hi = entries.back().index;
    while (!g.pending.empty() && g.pending.front().last <= hi) {
      PendingProposal p = std::move(g.pending.front());
      g.pending.pop_front();
      if (p.last < lo) {
        p.done(Status::Aborted("outcome unknown: covered by an installed snapshot"), 0);
      } else if (entries[p.last - lo].term == p.term) {
        p.done(Status::OK(), p.first);
      } else {
        p.done(Status::NotLeader(raft::kNoNode), 0);
      }
    }
  }

  void FailPending(HostedGroup& g, const Status& status) {
    while (!g.pending.empty()) {
      PendingProposal p = std::move(g.pending.front());
      g.pending.pop_front();
      p.done(status, 0);
    }
  }

  void FailAllPending(const Status& status) {
    for (auto& [id, g] : groups_) FailPending(*g, status);
  }

  void Publish(HostedGroup& g) {
    const raft::NodeStatus st = g.node->status();
    std::lock_guard lock(state_mu_);
    g.published.role = st.role;
    g.published.leader = st.leader;
    g.published.term = st.term;
    g.published.commit = st.commit;
    g.published.applied = st.applied;
    g.published.last_index = st.last_index;
    g.published.first_index = g.journal->first_index();
  }

  const DriverOptions options_;
  MessageBus* const bus_;

  // Fixed once started, so lookups need no lock.
  std::map<GroupId, std::unique_ptr<HostedGroup>> groups_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                     // guarded by mu_
  std::vector<std::function<void()>> tasks_;  // guarded by mu_
  std::vector<std::pair<raft::NodeId, std::vector<transport::GroupMessage>>> incoming_;  // mu_

  mutable std::mutex state_mu_;
  MultiRaft::Stats stats_;  // guarded by state_mu_

  // Driver-thread scratch space, kept to reuse allocations.
  std::vector<Work> work_;
  std::map<raft::NodeId, std::vector<transport::GroupMessage>> outbound_;

  std::unique_ptr<ParallelRunner> syncs_;  // set by Start
  std::thread thread_;
};

MultiRaft::MultiRaft(DriverOptions options, MessageBus* bus)
    : loop_(std::make_unique<Loop>(options, bus)) {}

MultiRaft::~MultiRaft() = default;

Status MultiRaft::AddGroup(GroupOptions options) {
  return loop_->AddGroup(std::move(options));
}

Status MultiRaft::Start() {
  return loop_->Start();
}

void MultiRaft::Stop() {
  loop_->Stop();
}

void MultiRaft::Deliver(raft::NodeId from, std::vector<transport::GroupMessage>&& messages) {
  loop_->Deliver(from, std::move(messages));
}

void MultiRaft::ReportUnreachable(raft::NodeId peer) {
  loop_->ReportUnreachable(peer);
}

void MultiRaft::Propose(GroupId group, std::vector<std::string> data, ProposeCallback done) {
  auto shared_done = std::make_shared<ProposeCallback>(std::move(done));
  loop_->WithGroup(
      group,
      [this, data = std::move(data), shared_done](HostedGroup& g) mutable {
        loop_->Propose(g, std::move(data), std::move(*shared_done));
      },
      [group, shared_done] {
        (*shared_done)(Status::NotFound("group " + std::to_string(group)), 0);
      });
}

void MultiRaft::Campaign(GroupId group) {
  loop_->WithGroup(group, [](HostedGroup& g) { g.node->campaign(); });
}

void MultiRaft::TransferLeadership(GroupId group, raft::NodeId target) {
  loop_->WithGroup(group, [target](HostedGroup& g) { (void)g.node->transfer_leadership(target); });
}

void MultiRaft::Snapshot(GroupId group, raft::Index index, std::shared_ptr<const std::string> data,
                         std::function<void(const Status&)> done) {
  auto shared_done = std::make_shared<std::function<void(const Status&)>>(std::move(done));
  loop_->WithGroup(
      group,
      [this, index, data = std::move(data), shared_done](HostedGroup& g) mutable {
        (*shared_done)(loop_->TakeSnapshot(g, index, std::move(data)));
      },
      [group, shared_done] { (*shared_done)(Status::NotFound("group " + std::to_string(group))); });
}

Status MultiRaft::ReadCommitted(GroupId group, raft::Index lo, size_t max_bytes,
                                std::vector<raft::Entry>* out) const {
  return loop_->ReadCommitted(group, lo, max_bytes, out);
}

Result<raft::Snapshot> MultiRaft::LatestSnapshot(GroupId group) const {
  return loop_->LatestSnapshot(group);
}

Result<GroupState> MultiRaft::State(GroupId group) const {
  return loop_->State(group);
}

Result<journal::JournalUsage> MultiRaft::JournalUsage(GroupId group) const {
  return loop_->JournalUsage(group);
}

std::vector<GroupId> MultiRaft::Groups() const {
  return loop_->Groups();
}

MultiRaft::Stats MultiRaft::stats() const {
  return loop_->stats();
}

}  // namespace waggle::replication
