#include "exporters/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/exporters/fakes.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;

// FakeSource and FakeStore behind a lock: the test thread appends and reads
// while the runner's thread polls.
class LockedSource : public CommittedRecordSource {
 public:
  void Append(int64_t first, int64_t last) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int64_t p = first; p <= last; ++p) source_.Append(p);
  }
  Status ReadAfter(int64_t after, size_t max, std::vector<CommittedRecord>* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    return source_.ReadAfter(after, max, out);
  }
  int64_t CommitPosition() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return source_.CommitPosition();
  }

 private:
  mutable std::mutex mu_;
  testing::FakeSource source_;
};

class LockedStore : public ExporterPositionStore {
 public:
  void PositionAdvanced(std::string_view id, const ExporterPosition& position) override {
    std::lock_guard<std::mutex> lock(mu_);
    positions_[std::string(id)] = position;
  }
  int64_t PositionOf(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return positions_.contains(id) ? positions_[id].position : -1;
  }

 private:
  std::mutex mu_;
  std::map<std::string, ExporterPosition> positions_;
};

// What the exporter saw, shared with the test thread (the director owns the
// exporter). Export blocks while `blocked`, and fails while `failures` > 0.
struct Shared {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<int64_t> exported;
  bool blocked = false;
  int failures = 0;
  bool closed = false;
};

class SharedExporter : public Exporter {
 public:
  explicit SharedExporter(Shared* shared) : shared_(shared) {}
  Status Configure(const ExporterContext&) override { return Status::OK(); }
  Status Open(Controller* controller) override {
    controller_ = controller;
    return Status::OK();
  }
  Status Export(const record::fb::Record& record) override {
    {
      std::unique_lock<std::mutex> lock(shared_->mu);
      shared_->changed.wait(lock, [&] { return !shared_->blocked; });
      if (shared_->failures > 0) {
        --shared_->failures;
        return Status::IOError("down");
      }
      shared_->exported.push_back(record.position());
    }
    controller_->UpdateLastExportedPosition(record.position());
    return Status::OK();
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->closed = true;
  }

 private:
  Shared* shared_;
  Controller* controller_ = nullptr;
};

class RunnerTest : public ::testing::Test {
 protected:
  void Start(DirectorOptions options = {}) {
    auto director = std::make_unique<ExporterDirector>(&source_, &store_, options);
    std::vector<LoadedExporter> exporters;
    exporters.push_back({"a", RecordFilter(), std::make_unique<SharedExporter>(&shared_)});
    ASSERT_TRUE(director->Open(std::move(exporters), {}, 0ms).ok());
    runner_ = std::make_unique<ExporterRunner>(std::move(director));
    runner_->Start();
  }
  bool WaitForLowest(int64_t position) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (runner_->LowestPosition() != position) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  std::vector<int64_t> Exported() {
    std::lock_guard<std::mutex> lock(shared_.mu);
    return shared_.exported;
  }
  static std::vector<int64_t> Range(int64_t first, int64_t last) {
    std::vector<int64_t> range;
    for (int64_t p = first; p <= last; ++p) range.push_back(p);
    return range;
  }

  LockedSource source_;
  LockedStore store_;
  Shared shared_;
  std::unique_ptr<ExporterRunner> runner_;
};

TEST_F(RunnerTest, ExportsRecordsAsTheyCommit) {
  Start();
  for (int64_t first = 1; first <= 2000; first += 100) {
    source_.Append(first, first + 99);
    runner_->NotifyCommitted();
  }
  ASSERT_TRUE(WaitForLowest(2000));
  EXPECT_EQ(Exported(), Range(1, 2000));
  EXPECT_EQ(store_.PositionOf("a"), 2000);
  runner_->Stop();
  std::lock_guard<std::mutex> lock(shared_.mu);
  EXPECT_TRUE(shared_.closed);
}

TEST_F(RunnerTest, RetriesOnItsOwnWithoutFurtherNotifications) {
  shared_.failures = 3;
  DirectorOptions options;
  options.initial_backoff = 5ms;
  Start(options);
  source_.Append(1, 10);
  runner_->NotifyCommitted();
  ASSERT_TRUE(WaitForLowest(10));
  EXPECT_EQ(Exported(), Range(1, 10));
}

// A stuck exporter does not block the thread that reports commits.
TEST_F(RunnerTest, AStuckExporterNeverBlocksTheCaller) {
  shared_.blocked = true;
  Start();
  source_.Append(1, 5);
  auto before = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    runner_->NotifyCommitted();
    EXPECT_EQ(runner_->LowestPosition(), -1);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  {
    std::lock_guard<std::mutex> lock(shared_.mu);
    shared_.blocked = false;
  }
  shared_.changed.notify_all();
  ASSERT_TRUE(WaitForLowest(5));
  EXPECT_EQ(Exported(), Range(1, 5));
}

}  // namespace
}  // namespace waggle::exporters
