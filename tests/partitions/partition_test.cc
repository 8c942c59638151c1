// Partitions of a 3-member group over in-process MultiRaft drivers (real
// journals, an in-memory bus), with the deterministic FakeEngine: the leader
// processes, followers replay to the same state, failover and restart neither
// repeat nor skip a command, snapshots compact and catch followers up.
#include "partitions/partition.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "common/record/codec.h"
#include "engine/state/snapshot.h"
#include "exporters/exporter.h"
#include "exporters/filter.h"
#include "partitions/engine_adapter.h"
#include "partitions/log_batch.h"
#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"
#include "tests/partitions/fake_engine.h"

namespace waggle::partitions {
namespace {

using namespace std::chrono_literals;
using testing::JobCommand;
using Outcome = CommandAnswer::Outcome;

class LocalBus : public replication::MessageBus {
 public:
  LocalBus(raft::NodeId self, std::map<raft::NodeId, replication::MultiRaft*>* drivers,
           std::set<raft::NodeId>* isolated, std::mutex* mu)
      : self_(self), drivers_(drivers), isolated_(isolated), mu_(mu) {}
  void Send(raft::NodeId to, std::vector<transport::GroupMessage> messages) override {
    std::lock_guard lock(*mu_);
    if (isolated_->count(self_) || isolated_->count(to)) return;
    auto it = drivers_->find(to);
    if (it != drivers_->end() && it->second != nullptr)
      it->second->Deliver(self_, std::move(messages));
  }
  void Flush() override {}

 private:
  raft::NodeId self_;
  std::map<raft::NodeId, replication::MultiRaft*>* drivers_;
  std::set<raft::NodeId>* isolated_;
  std::mutex* mu_;
};

// What the recording exporters of all members saw: (member, position) in
// export order, and whether they acknowledge.
struct ExportSink {
  std::mutex mu;
  std::condition_variable unblocked;
  std::vector<std::pair<raft::NodeId, int64_t>> exported;
  std::atomic<bool> acknowledge{true};
  bool blocked = false;  // Export waits until it is false again

  void Block(bool block) {
    std::lock_guard lock(mu);
    blocked = block;
    unblocked.notify_all();
  }

  std::vector<std::pair<raft::NodeId, int64_t>> Exported() {
    std::lock_guard lock(mu);
    return exported;
  }

  // Positions exported at least once. A leader change under a slow build
  // exports again from the last acknowledged position (at least once), so
  // tests that wait for "everything" count positions, not calls.
  size_t DistinctPositions() {
    std::lock_guard lock(mu);
    std::set<int64_t> positions;
    for (const auto& [member, position] : exported) positions.insert(position);
    return positions.size();
  }
};

class RecordingExporter final : public exporters::Exporter {
 public:
  RecordingExporter(std::shared_ptr<ExportSink> sink, raft::NodeId member)
      : sink_(std::move(sink)), member_(member) {}
  Status Configure(const exporters::ExporterContext&) override { return Status::OK(); }
  Status Open(exporters::Controller* controller) override {
    controller_ = controller;
    return Status::OK();
  }
  Status Export(const record::fb::Record& record) override {
    {
      std::unique_lock lock(sink_->mu);
      sink_->unblocked.wait(lock, [&] { return !sink_->blocked; });
      sink_->exported.emplace_back(member_, record.position());
    }
    if (sink_->acknowledge) controller_->UpdateLastExportedPosition(record.position());
    return Status::OK();
  }
  void Close() override {}

 private:
  const std::shared_ptr<ExportSink> sink_;
  const raft::NodeId member_;
  exporters::Controller* controller_ = nullptr;
};

// Counts what a partition reports to its observer (the metrics' source).
struct CountingObserver final : PartitionObserver {
  void OnRoleChanged(const raft::SoftState&, raft::Term) override { role_changes++; }
  void OnCommandProcessed(int64_t latency_ms) override {
    processed++;
    if (latency_ms < 0) negative_latencies++;
  }
  void OnOutputCommitted(const engine::ProcessingResult& result) override {
    committed_records += static_cast<int>(result.records.size());
  }
  void OnBackpressureRejected() override { rejected++; }
  void OnSnapshotTaken(int64_t) override { snapshots++; }
  void OnSnapshotInstalled() override { installs++; }

  std::atomic<int> role_changes{0}, processed{0}, negative_latencies{0}, committed_records{0},
      rejected{0}, snapshots{0}, installs{0};
};

class PartitionTest : public ::testing::Test {
 protected:
  static constexpr int kMembers = 3;

  void SetUp() override {
    char tmpl[] = "/tmp/waggle-partition-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    if (sink_) sink_->Block(false);  // stopping waits for an export in progress
    for (raft::NodeId id = 1; id <= kMembers; ++id) StopMember(id);
    std::filesystem::remove_all(root_);
  }

  void StartMember(raft::NodeId id) {
    auto bus = std::make_unique<LocalBus>(id, &drivers_, &isolated_, &bus_mu_);
    replication::DriverOptions driver_options;
    driver_options.self = id;
    driver_options.tick_interval = 10ms;
    driver_options.on_journal_io = [this](const replication::JournalIo& io) {
      if (io.entries > 0) journal_writes_++;
    };
    auto driver = std::make_unique<replication::MultiRaft>(driver_options, bus.get());
    PartitionOptions options;
    options.partition_id = 1;
    options.dir = root_ + "/m" + std::to_string(id) + "/partition-1";
    options.engine_factory = engine_factory_;
    options.clock = [this] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             clock_offset_.load();
    };
    options.send_command = [this](int32_t partition, std::string command,
                                  std::function<void(Status)> done) {
      std::lock_guard lock(sent_mu_);
      // The first attempt fails, so that the partition must retry.
      const bool first = sent_attempts_++ == 0;
      if (!first) sent_.push_back({partition, command});
      done(first ? Status::Unavailable("no leader yet") : Status::OK());
    };
    options.on_jobs_available = [this](int32_t, const std::vector<std::string>& types) {
      jobs_available_ += static_cast<int>(types.size());
    };
    options.log = [this](const std::string& line) {
      {
        std::lock_guard lock(log_mu_);
        log_.push_back(line);
      }
      if (getenv("WAGGLE_TEST_LOG")) std::printf("%s\n", line.c_str());
    };
    options.snapshot_period = snapshot_period_;
    options.aimd = aimd_;
    options.min_free_disk_bytes = 1000;
    options.min_free_replication_bytes = 500;
    if (id == fresh_campaigner_) options.campaign_when_fresh_after = 20ms;
    options.free_disk_bytes = [this, id] { return free_disk_bytes_[id].load(); };
    if (sink_) {
      options.exporters = {{"recording", "recording", nlohmann::json::object()}};
      options.load_exporter = [this, id](const exporters::ExporterConfig& c, int32_t) {
        return Result<exporters::LoadedExporter>(exporters::LoadedExporter{
            c.id, exporters::RecordFilter(), std::make_unique<RecordingExporter>(sink_, id)});
      };
      options.exporter_positions_interval = 20ms;
      options.exporter_report_interval = 50ms;
    }
    auto observer = std::make_shared<CountingObserver>();
    options.observer = observer;
    auto partition = std::make_unique<Partition>(options, driver.get());
    replication::GroupOptions group;
    group.id = 1;
    group.raft.id = id;
    group.raft.members = {1, 2, 3};
    group.raft.election_ticks = election_ticks_;
    group.raft.random_seed = id * 1000 + restarts_++;
    group.raft.max_snapshot_chunk_bytes = 4096;
    group.dir = root_ + "/m" + std::to_string(id) + "/raft-1";
    group.journal.flush = journal::FlushPolicy::kNever;
    group.journal.segment_bytes = 16 * 1024;
    Status opened = partition->Open(group);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    ASSERT_TRUE(driver->Start().ok());
    std::lock_guard lock(bus_mu_);
    buses_[id] = std::move(bus);
    partitions_[id] = std::move(partition);
    observers_[id] = std::move(observer);
    owned_[id] = std::move(driver);
    drivers_[id] = owned_[id].get();
  }

  void StopMember(raft::NodeId id) {
    std::unique_ptr<replication::MultiRaft> driver;
    std::unique_ptr<Partition> partition;
    {
      std::lock_guard lock(bus_mu_);
      drivers_[id] = nullptr;
      driver = std::move(owned_[id]);
      partition = std::move(partitions_[id]);
    }
    if (driver) driver->Stop();
    if (partition) partition->Stop();
  }

  Partition* Member(raft::NodeId id) {
    std::lock_guard lock(bus_mu_);
    return partitions_[id].get();
  }

  // What member `id` reported since it last started.
  CountingObserver& Observed(raft::NodeId id) {
    std::lock_guard lock(bus_mu_);
    return *observers_.at(id);
  }

  void Isolate(raft::NodeId id, bool isolated) {
    std::lock_guard lock(bus_mu_);
    if (isolated) {
      isolated_.insert(id);
    } else {
      isolated_.erase(id);
    }
  }

  bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return done();
  }

  // The member whose partition processes, among the running, connected ones.
  raft::NodeId WaitForProcessingLeader() {
    raft::NodeId leader = raft::kNoNode;
    WaitUntil([&] {
      for (raft::NodeId id = 1; id <= kMembers; ++id) {
        Partition* p = Member(id);
        std::lock_guard lock(bus_mu_);
        if (p != nullptr && !isolated_.count(id) && p->status().processing) {
          leader = id;
          return true;
        }
      }
      return false;
    });
    return leader;
  }

  static CommandAnswer ExecuteOn(Partition* p, const record::fb::RecordT& command,
                                 bool await_result = true) {
    std::promise<CommandAnswer> answer;
    p->Execute(record::EncodeRecord(command), await_result, 5s,
               [&](CommandAnswer a) { answer.set_value(std::move(a)); });
    return answer.get_future().get();
  }

  // Executes through whichever member leads until answered with a record.
  CommandAnswer Execute(const record::fb::RecordT& command) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      raft::NodeId leader = WaitForProcessingLeader();
      if (leader == raft::kNoNode) continue;
      CommandAnswer a = ExecuteOn(Member(leader), command);
      if (a.outcome == Outcome::kRecord) return a;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "command never answered";
    return {};
  }

  uint64_t DigestOf(raft::NodeId id) {
    uint64_t digest = 0;
    Status s = Member(id)->WithStateStore([&](engine::state::StateStore& store) {
      Result<uint64_t> d = engine::state::Digest(store);
      if (!d.ok()) return d.status();
      digest = *d;
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return digest;
  }

  std::string DuplicatesOf(raft::NodeId id) {
    std::string dups;
    Status s = Member(id)->WithStateStore([&](engine::state::StateStore& store) {
      Result<std::string> d = store.Get(engine::state::ColumnFamily::kDefault, "duplicates");
      if (d.ok()) dups = *d;
      return Status::OK();
    });
    EXPECT_TRUE(s.ok());
    return dups;
  }

  // Waits until every running member has applied as far as the first and
  // processed as far, then expects the same state digests.
  void ExpectConverged(const std::vector<raft::NodeId>& members) {
    ASSERT_FALSE(members.empty());
    const raft::NodeId first = members.front();
    EXPECT_TRUE(WaitUntil([&] {
      const PartitionStatus s = Member(first)->status();
      for (raft::NodeId id : members) {
        const PartitionStatus o = Member(id)->status();
        if (o.last_position != s.last_position ||
            o.last_processed_position != s.last_processed_position) {
          return false;
        }
      }
      return true;
    }));
    const uint64_t digest = DigestOf(first);
    for (raft::NodeId id : members) {
      EXPECT_EQ(DigestOf(id), digest) << "member " << id << " differs from member " << first;
      EXPECT_EQ(DuplicatesOf(id), "") << "member " << id << " processed a command twice";
    }
  }

  // Every record of the committed log as read from member `id`'s journal,
  // from its first entry (after the snapshot).
  std::vector<record::fb::RecordT> CommittedLog(raft::NodeId id) {
    std::vector<record::fb::RecordT> out;
    replication::MultiRaft* driver;
    {
      std::lock_guard lock(bus_mu_);
      driver = drivers_[id];
    }
    Result<replication::GroupState> state = driver->State(1);
    EXPECT_TRUE(state.ok());
    raft::Index next = std::max<raft::Index>(state.ok() ? state->first_index : 1, 1);
    while (true) {
      std::vector<raft::Entry> entries;
      Status s = driver->ReadCommitted(1, next, 1 << 20, &entries);
      if (!s.ok()) break;
      for (const raft::Entry& e : entries) {
        next = e.index + 1;
        if (e.type == raft::EntryType::kNoOp || IsExporterPositions(e.data)) continue;
        Result<LogBatch> batch = DecodeLogBatch(e.data);
        EXPECT_TRUE(batch.ok());
        if (!batch.ok()) return out;
        for (size_t i = 0; i < batch->records.size(); ++i) {
          Result<record::fb::RecordT> r = record::DecodeRecord(batch->records[i]);
          EXPECT_TRUE(r.ok());
          EXPECT_EQ(r->position, batch->first_position + static_cast<int64_t>(i));
          out.push_back(std::move(*r));
        }
      }
    }
    return out;
  }

  raft::Index LastLogIndex(raft::NodeId id) {
    std::lock_guard lock(bus_mu_);
    Result<replication::GroupState> state = drivers_[id]->State(1);
    EXPECT_TRUE(state.ok());
    return state.ok() ? state->last_index : 0;
  }

  // The position of the first record in member `id`'s log, -1 if none.
  int64_t FirstPositionInLog(raft::NodeId id) {
    std::vector<record::fb::RecordT> log = CommittedLog(id);
    return log.empty() ? -1 : log.front().position;
  }

  // Checks the log: positions strictly increase, and every command that is
  // not marked processed has exactly one event whose source it is.
  void ExpectEachCommandProcessedOnce(const std::vector<record::fb::RecordT>& log) {
    std::map<int64_t, int> events_by_source;
    std::vector<int64_t> commands;
    int64_t last = 0;
    for (const record::fb::RecordT& r : log) {
      EXPECT_GT(r.position, last);
      last = r.position;
      if (r.record_type == static_cast<uint8_t>(record::RecordType::kEvent)) {
        events_by_source[r.source_record_position]++;
      } else if (!r.processed) {
        commands.push_back(r.position);
      }
    }
    for (int64_t c : commands) {
      EXPECT_EQ(events_by_source[c], 1) << "command at position " << c;
    }
    EXPECT_EQ(events_by_source.size(), commands.size());
  }

  std::string root_;
  std::mutex bus_mu_;
  std::map<raft::NodeId, replication::MultiRaft*> drivers_;
  std::map<raft::NodeId, std::unique_ptr<replication::MultiRaft>> owned_;
  std::map<raft::NodeId, std::unique_ptr<LocalBus>> buses_;
  std::map<raft::NodeId, std::unique_ptr<Partition>> partitions_;
  std::map<raft::NodeId, std::shared_ptr<CountingObserver>> observers_;
  std::atomic<int> journal_writes_{0};
  std::set<raft::NodeId> isolated_;
  std::atomic<int64_t> clock_offset_{0};
  std::mutex sent_mu_;
  int sent_attempts_ = 0;
  std::vector<std::pair<int32_t, std::string>> sent_;
  std::atomic<int> jobs_available_{0};
  std::chrono::milliseconds snapshot_period_ = std::chrono::hours(1);
  AimdOptions aimd_;
  EngineFactory engine_factory_ = testing::FakeEngineFactory();
  // By member id.
  std::array<std::atomic<int64_t>, kMembers + 1> free_disk_bytes_{1 << 30, 1 << 30, 1 << 30,
                                                                  1 << 30};
  int restarts_ = 0;
  std::shared_ptr<ExportSink> sink_;  // set: every member runs a RecordingExporter
  int election_ticks_ = 10;
  std::mutex log_mu_;
  std::vector<std::string> log_;  // every member's log lines

  bool Logged(const std::string& part) {
    std::lock_guard lock(log_mu_);
    for (const std::string& line : log_) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }
  raft::NodeId fresh_campaigner_ = raft::kNoNode;
};

TEST_F(PartitionTest, LeaderProcessesAndFollowersReplayToTheSameState) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 50; ++i) {
    CommandAnswer a = Execute(JobCommand("plain"));
    ASSERT_EQ(a.outcome, Outcome::kRecord) << a.message;
    Result<record::fb::RecordT> event = record::DecodeRecord(a.record);
    ASSERT_TRUE(event.ok());
    EXPECT_EQ(event->record_type, static_cast<uint8_t>(record::RecordType::kEvent));
    EXPECT_EQ(event->intent, record::IntentCode(record::JobIntent::kCompleted));
    EXPECT_EQ(event->partition_id, 1);
  }
  ExpectConverged({1, 2, 3});
  const raft::NodeId leader = WaitForProcessingLeader();
  std::vector<record::fb::RecordT> log = CommittedLog(leader);
  ExpectEachCommandProcessedOnce(log);
  EXPECT_EQ(log.size(), 100u);  // 50 commands, 50 events

  // The observer saw it: each command processed (by some leader) with its
  // output committed, every member's role changes, the journals written.
  int processed = 0, committed = 0;
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    processed += Observed(id).processed;
    committed += Observed(id).committed_records;
    EXPECT_GE(Observed(id).role_changes, 1) << id;
    EXPECT_EQ(Observed(id).negative_latencies, 0) << id;
  }
  EXPECT_GE(processed, 50);
  EXPECT_GE(committed, 50);
  EXPECT_GT(journal_writes_, 0);
}

TEST_F(PartitionTest, FollowerAnswersNotLeaderAndBadCommandsAreRefused) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const raft::NodeId leader = WaitForProcessingLeader();
  ASSERT_NE(leader, raft::kNoNode);
  const raft::NodeId follower = leader % kMembers + 1;
  ASSERT_TRUE(WaitUntil([&] { return Member(follower)->status().leader == leader; }));
  CommandAnswer a = ExecuteOn(Member(follower), JobCommand("plain"));
  EXPECT_EQ(a.outcome, Outcome::kNotLeader);
  EXPECT_EQ(a.leader, leader);

  std::promise<CommandAnswer> garbage;
  Member(leader)->Execute("not a record", true, 1s,
                          [&](CommandAnswer x) { garbage.set_value(std::move(x)); });
  EXPECT_EQ(garbage.get_future().get().outcome, Outcome::kInvalidCommand);

  record::fb::RecordT event = JobCommand("plain", record::JobIntent::kCompleted);
  event.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
  EXPECT_EQ(ExecuteOn(Member(leader), event).outcome, Outcome::kInvalidCommand);

  // Without awaiting the result: answered once committed.
  EXPECT_EQ(ExecuteOn(Member(leader), JobCommand("plain"), false).outcome, Outcome::kAccepted);
}

TEST_F(PartitionTest, UnprocessedFollowUpCommandsAreProcessedWhenReadBack) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Execute(JobCommand("chain")).outcome, Outcome::kRecord);
  ExpectConverged({1, 2, 3});
  const raft::NodeId leader = WaitForProcessingLeader();
  ASSERT_TRUE(WaitUntil([&] { return CommittedLog(leader).size() == 20u; }));
  std::vector<record::fb::RecordT> log = CommittedLog(leader);
  ExpectEachCommandProcessedOnce(log);  // 5 requests + 5 follow-ups, each with one event
}

TEST_F(PartitionTest, OutgoingCommandsAreRetriedUntilAccepted) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  ASSERT_EQ(Execute(JobCommand("send:2")).outcome, Outcome::kRecord);
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard lock(sent_mu_);
    return !sent_.empty();
  }));
  std::lock_guard lock(sent_mu_);
  EXPECT_EQ(sent_attempts_, 2);  // refused once, then retried
  EXPECT_EQ(sent_[0].first, 2);
  Result<record::fb::RecordT> command = record::DecodeRecord(sent_[0].second);
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->typed_value.AsJobRecord()->type, "plain");
}

TEST_F(PartitionTest, LeaderWritesDueCommandsWhenTheirTimeComes) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const int64_t due = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      60'000;
  ASSERT_EQ(Execute(JobCommand("timer:" + std::to_string(due))).outcome, Outcome::kRecord);
  EXPECT_TRUE(WaitUntil([&] { return jobs_available_ == 1; }));
  const raft::NodeId leader = WaitForProcessingLeader();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(CommittedLog(leader).size(), 2u);  // not due yet: nothing written
  clock_offset_ = 61'000;
  ASSERT_TRUE(WaitUntil([&] { return CommittedLog(leader).size() == 4u; }));
  std::vector<record::fb::RecordT> log = CommittedLog(leader);
  EXPECT_EQ(log[2].intent, record::IntentCode(record::JobIntent::kTimeOut));
  EXPECT_EQ(log[3].intent, record::IntentCode(record::JobIntent::kTimedOut));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(CommittedLog(leader).size(), 4u);  // written once
  ExpectEachCommandProcessedOnce(log);
  ExpectConverged({1, 2, 3});
}

TEST_F(PartitionTest, DueDatesAreAskedAgainOnlyAfterTheStateChanged) {
  std::atomic<int> queries{0};
  engine_factory_ = testing::FakeEngineFactory(&queries);
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ASSERT_EQ(Execute(JobCommand("timer:" + std::to_string(now + 60'000))).outcome, Outcome::kRecord);
  const raft::NodeId leader = WaitForProcessingLeader();
  ASSERT_TRUE(WaitUntil([&] { return queries > 0; }));
  std::this_thread::sleep_for(300ms);  // the answer for the state after the command
  const int settled = queries;
  std::this_thread::sleep_for(500ms);  // 25 ticks of an unchanged state
  EXPECT_EQ(queries.load(), settled);
  // An earlier due date set meanwhile still fires.
  ASSERT_EQ(Execute(JobCommand("timer:" + std::to_string(now))).outcome, Outcome::kRecord);
  ASSERT_TRUE(WaitUntil([&] { return CommittedLog(leader).size() == 6u; }));
  EXPECT_EQ(CommittedLog(leader)[4].intent, record::IntentCode(record::JobIntent::kTimeOut));
  EXPECT_GT(queries.load(), settled);
}

TEST_F(PartitionTest, FailoverMidStreamNeitherRepeatsNorSkips) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::mutex acked_mu;
  std::set<std::string> acked;  // workers of the commands answered with a record
  int next_tag = 0;
  std::thread client([&] {
    while (!stop) {
      raft::NodeId leader = WaitForProcessingLeader();
      Partition* p = leader == raft::kNoNode ? nullptr : Member(leader);
      if (p == nullptr) continue;
      record::fb::RecordT command = JobCommand("chain");
      command.typed_value.AsJobRecord()->worker = "c" + std::to_string(next_tag++);
      CommandAnswer a = ExecuteOn(p, command);
      if (a.outcome == Outcome::kRecord) {
        std::lock_guard lock(acked_mu);
        acked.insert(record::DecodeRecord(a.record)->typed_value.AsJobRecord()->worker);
        acknowledged++;
      }
    }
  });
  ASSERT_TRUE(WaitUntil([&] { return acknowledged >= 30; }));
  const raft::NodeId old_leader = WaitForProcessingLeader();
  Isolate(old_leader, true);
  ASSERT_TRUE(WaitUntil([&] {
    raft::NodeId l = WaitForProcessingLeader();
    return l != raft::kNoNode && l != old_leader;
  }));
  const int before = acknowledged;
  ASSERT_TRUE(WaitUntil([&] { return acknowledged >= before + 30; }));
  Isolate(old_leader, false);  // the old leader rejoins as a follower
  ASSERT_TRUE(WaitUntil([&] { return acknowledged >= before + 60; }));
  stop = true;
  client.join();

  ExpectConverged({1, 2, 3});
  const raft::NodeId leader = WaitForProcessingLeader();
  std::vector<record::fb::RecordT> log = CommittedLog(leader);
  ExpectEachCommandProcessedOnce(log);
  std::map<std::string, int> events_by_worker;
  for (const record::fb::RecordT& r : log) {
    if (r.record_type == static_cast<uint8_t>(record::RecordType::kEvent)) {
      events_by_worker[r.typed_value.AsJobRecord()->worker]++;
    }
  }
  for (const std::string& worker : acked) {
    EXPECT_EQ(events_by_worker[worker], 1) << "acknowledged command " << worker;
  }
}

TEST_F(PartitionTest, RestartRecoversFromSnapshotAndLog) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  ExpectConverged({1, 2, 3});
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    std::promise<Status> taken;
    Member(id)->TakeSnapshot([&](Status s) { taken.set_value(s); });
    Status s = taken.get_future().get();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_GT(Member(id)->status().snapshot_index, 0u);
    EXPECT_EQ(Observed(id).snapshots, 1) << id;
  }
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  ExpectConverged({1, 2, 3});

  // Every member restarts, the leader included: the state is rebuilt from the
  // snapshot and the log after it.
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    const PartitionStatus before = Member(id)->status();
    StopMember(id);
    StartMember(id);
    EXPECT_EQ(Member(id)->status().snapshot_index, before.snapshot_index);
    ASSERT_TRUE(WaitUntil([&] {
      return Member(id)->status().last_processed_position == before.last_processed_position;
    }));
  }
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  ExpectConverged({1, 2, 3});
  const raft::NodeId leader = WaitForProcessingLeader();
  EXPECT_EQ(Member(leader)->status().last_position, 90);  // 45 commands, 45 events
}

TEST_F(PartitionTest, FarBehindFollowerInstallsTheLeadersSnapshot) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const raft::NodeId leader = WaitForProcessingLeader();
  const raft::NodeId lagging = leader % kMembers + 1;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  StopMember(lagging);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  std::promise<Status> taken;
  Member(leader)->TakeSnapshot([&](Status s) { taken.set_value(s); });
  ASSERT_TRUE(taken.get_future().get().ok());
  const raft::Index snapshot = Member(leader)->status().snapshot_index;
  ASSERT_GT(snapshot, 100u);
  StartMember(lagging);
  std::vector<raft::NodeId> all = {1, 2, 3};
  ExpectConverged(all);
  EXPECT_GE(Member(lagging)->status().snapshot_index, snapshot);  // installed, not replayed
  EXPECT_GE(Observed(lagging).installs, 1);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  ExpectConverged(all);
}

TEST_F(PartitionTest, CommandsAreRefusedBelowTheDiskWatermarkUntilSpaceReturns) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const raft::NodeId leader = WaitForProcessingLeader();
  ASSERT_EQ(ExecuteOn(Member(leader), JobCommand("plain")).outcome, Outcome::kRecord);
  free_disk_bytes_[leader] = 999;
  CommandAnswer refused;
  EXPECT_TRUE(WaitUntil([&] {
    refused = ExecuteOn(Member(leader), JobCommand("plain"));
    return refused.outcome == Outcome::kResourceExhausted;
  }));
  EXPECT_NE(refused.message.find("out of disk space"), std::string::npos);
  free_disk_bytes_[leader] = 1000;
  EXPECT_TRUE(WaitUntil(
      [&] { return ExecuteOn(Member(leader), JobCommand("plain")).outcome == Outcome::kRecord; }));
}

// A follower with less free space than the replication watermark takes no
// entries from its leader (the other two members still commit) until space
// returns; then it catches up to the same state.
TEST_F(PartitionTest, FollowerTakesNoEntriesBelowTheReplicationWatermarkUntilSpaceReturns) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const raft::NodeId leader = WaitForProcessingLeader();
  const raft::NodeId low = leader % kMembers + 1;
  ASSERT_EQ(ExecuteOn(Member(leader), JobCommand("plain")).outcome, Outcome::kRecord);
  free_disk_bytes_[low] = 499;
  ASSERT_TRUE(WaitUntil([&] { return Logged("out of disk space: not taking entries"); }));
  // Every entry of the commands below comes after `before`, so after the
  // follower started refusing.
  const raft::Index before = LastLogIndex(leader);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(ExecuteOn(Member(leader), JobCommand("plain")).outcome, Outcome::kRecord);
  }
  EXPECT_GE(LastLogIndex(leader), before + 40);  // 20 commands, 20 outputs
  EXPECT_LE(LastLogIndex(low), before);
  EXPECT_EQ(Member(low)->status().role, raft::Role::kFollower);

  free_disk_bytes_[low] = 500;
  EXPECT_TRUE(WaitUntil([&] { return Logged("taking entries from the leader again"); }));
  ExpectConverged({1, 2, 3});
  EXPECT_GE(LastLogIndex(low), before + 40);
}

TEST_F(PartitionTest, WorkflowEngineRunsAProcessThroughTheReplicatedLog) {
  using engine::testing::Command;
  engine_factory_ = WorkflowEngineFactory(1);
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  auto decode = [](const CommandAnswer& a) {
    Result<record::fb::RecordT> r = record::DecodeRecord(a.record);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->record_type, static_cast<uint8_t>(record::RecordType::kEvent))
        << r->rejection_reason;
    return std::move(*r);
  };

  record::fb::DeploymentRecordT deployment;
  auto resource = std::make_unique<record::fb::DeploymentResourceT>();
  resource->resource_name = "one-task.bpmn";
  const std::string xml = engine::testing::OneTaskProcess("one-task", "work");
  resource->resource.assign(xml.begin(), xml.end());
  deployment.resources.push_back(std::move(resource));
  decode(Execute(Command(record::DeploymentIntent::kCreate, std::move(deployment))));

  record::fb::ProcessInstanceCreationRecordT creation;
  creation.bpmn_process_id = "one-task";
  creation.variables = "{}";
  record::fb::RecordT created =
      decode(Execute(Command(record::ProcessInstanceCreationIntent::kCreate, std::move(creation))));
  const int64_t instance =
      created.typed_value.AsProcessInstanceCreationRecord()->process_instance_key;

  std::vector<int64_t> jobs;
  ASSERT_TRUE(WaitUntil([&] {
    record::fb::JobBatchRecordT batch;
    batch.type = "work";
    batch.worker = "partition-test";
    batch.timeout = 60000;
    batch.max_jobs_to_activate = 10;
    jobs = decode(Execute(Command(record::JobBatchIntent::kActivate, std::move(batch))))
               .typed_value.AsJobBatchRecord()
               ->job_keys;
    return !jobs.empty();
  }));
  ASSERT_EQ(jobs.size(), 1u);
  record::fb::JobRecordT complete;
  complete.variables = "{}";
  decode(Execute(Command(record::JobIntent::kComplete, std::move(complete), jobs[0])));

  // The instance completes, and every member holds the same state.
  const raft::NodeId leader = WaitForProcessingLeader();
  EXPECT_TRUE(WaitUntil([&] {
    for (const record::fb::RecordT& r : CommittedLog(leader)) {
      const auto* pi = r.typed_value.AsProcessInstanceRecord();
      if (pi != nullptr && pi->process_instance_key == instance &&
          pi->bpmn_element_type == record::fb::BpmnElementType::PROCESS &&
          r.intent == record::IntentCode(record::ProcessInstanceIntent::kElementCompleted)) {
        return true;
      }
    }
    return false;
  }));
  // The same state everywhere, digest for digest.
  ExpectConverged({1, 2, 3});
}

TEST(BackpressureTest, AimdGrowsOnFastAnswersAndBacksOffOnSlowOnes) {
  AimdLimiter limiter({.initial_limit = 2,
                       .min_limit = 1,
                       .max_limit = 3,
                       .backoff_ratio = 0.5,
                       .expected_latency = 100ms});
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
  limiter.Release(10ms, false);
  EXPECT_EQ(limiter.limit(), 3);
  limiter.Release(10ms, false);
  EXPECT_EQ(limiter.limit(), 3);  // capped
  EXPECT_TRUE(limiter.TryAcquire());
  limiter.Release(500ms, false);
  EXPECT_EQ(limiter.limit(), 1);
  EXPECT_TRUE(limiter.TryAcquire());
  limiter.Release(1ms, true);     // dropped
  EXPECT_EQ(limiter.limit(), 1);  // floor
}

TEST(BackpressureTest, ExemptCommandsAreZeebes) {
  auto exempt = [](const record::fb::RecordT& r) {
    std::string bytes = record::EncodeRecord(r);
    record::AlignedBytes aligned(bytes);
    return IsExemptFromBackpressure(*record::fb::GetRecord(aligned.view().data()));
  };
  EXPECT_TRUE(exempt(JobCommand("t", record::JobIntent::kComplete)));
  EXPECT_TRUE(exempt(JobCommand("t", record::JobIntent::kFail)));
  EXPECT_FALSE(exempt(JobCommand("t", record::JobIntent::kUpdateRetries)));
  record::fb::RecordT cancel;
  cancel.record_type = static_cast<uint8_t>(record::RecordType::kCommand);
  cancel.value_type = static_cast<uint8_t>(record::ValueType::kProcessInstance);
  cancel.intent = record::IntentCode(record::ProcessInstanceIntent::kCancel);
  cancel.typed_value.Set(record::fb::ProcessInstanceRecordT());
  EXPECT_TRUE(exempt(cancel));
  cancel.intent = record::IntentCode(record::ProcessInstanceIntent::kActivateElement);
  EXPECT_FALSE(exempt(cancel));
}

TEST_F(PartitionTest, CommandsOverTheLimitAreRefused) {
  aimd_ = {.initial_limit = 1, .min_limit = 1, .max_limit = 1};
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  const raft::NodeId leader = WaitForProcessingLeader();
  // Isolated, the leader cannot commit: the first command stays in flight.
  Isolate(leader, true);
  std::promise<CommandAnswer> first;
  Member(leader)->Execute(
      record::EncodeRecord(JobCommand("plain", record::JobIntent::kUpdateRetries)), true, 2s,
      [&](CommandAnswer a) { first.set_value(std::move(a)); });
  CommandAnswer second =
      ExecuteOn(Member(leader), JobCommand("plain", record::JobIntent::kUpdateRetries));
  EXPECT_EQ(second.outcome, Outcome::kResourceExhausted);
  EXPECT_EQ(Observed(leader).rejected, 1);
  // Completing a job is exempt: accepted into the log (then times out here).
  std::promise<CommandAnswer> exempt;
  Member(leader)->Execute(record::EncodeRecord(JobCommand("plain")), true, 300ms,
                          [&](CommandAnswer a) { exempt.set_value(std::move(a)); });
  EXPECT_NE(exempt.get_future().get().outcome, Outcome::kResourceExhausted);
  EXPECT_NE(first.get_future().get().outcome, Outcome::kResourceExhausted);
  Isolate(leader, false);
}

// In a brand-new group the member told to campaign when fresh leads at once;
// election timeouts (here an hour) are not waited out. After a restart (no
// longer fresh) it does not campaign.
TEST_F(PartitionTest, FreshPrimaryCampaignsWithoutWaitingForAnElectionTimeout) {
  election_ticks_ = 360000;
  fresh_campaigner_ = 2;
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  EXPECT_EQ(WaitForProcessingLeader(), 2u);
  ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  StopMember(1);
  StopMember(3);
  StopMember(2);
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  std::this_thread::sleep_for(500ms);
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    EXPECT_NE(Member(id)->status().role, raft::Role::kLeader) << "member " << id;
  }
}

// Exporters run on the leader only, see every committed record once in log
// order, and their acknowledged position reaches every member.
TEST_F(PartitionTest, LeaderExportsEveryCommittedRecordAndPositionsReplicate) {
  sink_ = std::make_shared<ExportSink>();
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  const raft::NodeId leader = WaitForProcessingLeader();
  const int64_t last = Member(leader)->status().last_position;
  ASSERT_EQ(last, 40);
  ASSERT_TRUE(WaitUntil([&] {
    for (raft::NodeId id = 1; id <= kMembers; ++id) {
      const ExporterPositions p = Member(id)->status().exporter_positions;
      if (!p.count("recording") || p.at("recording").position != last) return false;
    }
    return true;
  }));
  std::vector<std::pair<raft::NodeId, int64_t>> exported = sink_->Exported();
  ASSERT_EQ(exported.size(), static_cast<size_t>(last));
  for (size_t i = 0; i < exported.size(); ++i) {
    EXPECT_EQ(exported[i].first, leader);
    EXPECT_EQ(exported[i].second, static_cast<int64_t>(i) + 1);
  }
}

// A new leader resumes after the replicated position: nothing is skipped,
// and what was acknowledged and replicated is not exported again.
TEST_F(PartitionTest, NewLeaderResumesExportingAfterTheReplicatedPosition) {
  sink_ = std::make_shared<ExportSink>();
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  const raft::NodeId old_leader = WaitForProcessingLeader();
  ASSERT_TRUE(WaitUntil([&] {
    for (raft::NodeId id = 1; id <= kMembers; ++id) {
      const ExporterPositions p = Member(id)->status().exporter_positions;
      if (!p.count("recording") || p.at("recording").position != 20) return false;
    }
    return true;
  }));
  Isolate(old_leader, true);
  raft::NodeId new_leader = raft::kNoNode;
  ASSERT_TRUE(WaitUntil([&] {
    new_leader = WaitForProcessingLeader();
    return new_leader != raft::kNoNode && new_leader != old_leader;
  }));
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  const int64_t last = Member(new_leader)->status().last_position;
  ASSERT_TRUE(WaitUntil([&] {
    const ExporterPositions p = Member(new_leader)->status().exporter_positions;
    return p.count("recording") && p.at("recording").position == last;
  }));
  Isolate(old_leader, false);

  std::set<int64_t> by_new_leader;
  std::set<int64_t> all;
  for (const auto& [member, position] : sink_->Exported()) {
    all.insert(position);
    if (member == new_leader) by_new_leader.insert(position);
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(last));  // 1..last, none skipped
  EXPECT_EQ(*all.rbegin(), last);
  ASSERT_FALSE(by_new_leader.empty());
  EXPECT_EQ(*by_new_leader.begin(), 21);  // resumed, not restarted
}

// An exporter stuck in Export holds up neither processing nor commits; once
// it moves again it catches up.
TEST_F(PartitionTest, StuckExporterDoesNotStopProcessing) {
  sink_ = std::make_shared<ExportSink>();
  sink_->Block(true);
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  EXPECT_TRUE(sink_->Exported().empty());
  // The leader says so in its log.
  EXPECT_TRUE(WaitUntil([&] { return Logged("exporter recording stalled at position -1"); }));
  sink_->Block(false);
  EXPECT_TRUE(WaitUntil([&] { return sink_->DistinctPositions() == 60; }));
}

// Compaction never passes an unacknowledged record: with an exporter that
// acknowledges nothing no snapshot compacts the log; once it acknowledges,
// snapshots follow.
TEST_F(PartitionTest, SnapshotsWaitForTheLowestExporterPosition) {
  sink_ = std::make_shared<ExportSink>();
  sink_->acknowledge = false;
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  auto snapshot_all = [&] {
    for (raft::NodeId id = 1; id <= kMembers; ++id) {
      std::promise<Status> taken;
      Member(id)->TakeSnapshot([&](Status s) { taken.set_value(s); });
      Status s = taken.get_future().get();
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  };
  ASSERT_TRUE(WaitUntil([&] { return sink_->DistinctPositions() == 40; }));
  snapshot_all();
  std::map<raft::NodeId, raft::Index> unacknowledged_snapshot;
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    EXPECT_EQ(FirstPositionInLog(id), 1) << "member " << id;
    unacknowledged_snapshot[id] = Member(id)->status().snapshot_index;
  }

  sink_->acknowledge = true;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Execute(JobCommand("plain")).outcome, Outcome::kRecord);
  ASSERT_TRUE(WaitUntil([&] {
    for (raft::NodeId id = 1; id <= kMembers; ++id) {
      const ExporterPositions p = Member(id)->status().exporter_positions;
      if (!p.count("recording") || p.at("recording").position != 50) return false;
    }
    return true;
  }));
  snapshot_all();
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    EXPECT_GT(Member(id)->status().snapshot_index, unacknowledged_snapshot[id] + 20)
        << "member " << id;
  }
  // The snapshot carries the positions: a restarted member knows them before
  // it replays anything.
  StopMember(1);
  StartMember(1);
  EXPECT_EQ(Member(1)->status().exporter_positions.at("recording").position, 50);
}

}  // namespace
}  // namespace waggle::partitions
