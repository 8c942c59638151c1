#include "exporters/director.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/exporters/fakes.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;
using record::ValueType;
using ::testing::ElementsAre;
using testing::FakeSource;
using testing::FakeStore;
using testing::MakeRecord;
using testing::RecordingExporter;

// A director over a FakeSource and FakeStore with exporters the test keeps
// pointers to.
class DirectorTest : public ::testing::Test {
 protected:
  RecordingExporter* Add(std::string id, RecordFilter filter = {}) {
    auto exporter = std::make_unique<RecordingExporter>();
    RecordingExporter* raw = exporter.get();
    pending_.push_back({std::move(id), std::move(filter), std::move(exporter)});
    return raw;
  }
  void Open(const std::map<std::string, ExporterPosition>& positions = {}) {
    ASSERT_TRUE(director_->Open(std::move(pending_), positions, 0ms).ok());
    pending_.clear();
  }
  void AppendRange(int64_t first, int64_t last) {
    for (int64_t p = first; p <= last; ++p) source_.Append(p);
  }
  ExporterStatus StatusOf(const std::string& id) {
    for (ExporterStatus& s : director_->Statuses()) {
      if (s.id == id) return s;
    }
    ADD_FAILURE() << "no exporter " << id;
    return {};
  }

  FakeSource source_;
  FakeStore store_;
  DirectorOptions options_;
  std::unique_ptr<ExporterDirector> director_ =
      std::make_unique<ExporterDirector>(&source_, &store_, options_);
  std::vector<LoadedExporter> pending_;
};

TEST_F(DirectorTest, DeliversCommittedRecordsInOrderAndStoresAcknowledgements) {
  RecordingExporter* a = Add("a");
  Open();
  AppendRange(1, 5);
  PollResult r = director_->Poll(0ms);
  EXPECT_FALSE(r.more);
  EXPECT_FALSE(r.wake_up);
  EXPECT_THAT(a->exported, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(store_.positions["a"].position, 5);
  EXPECT_EQ(store_.calls, 1);  // once per Poll, not once per record
  EXPECT_EQ(director_->LowestPosition(), 5);

  // Only records committed later are handed on the next Poll.
  AppendRange(6, 7);
  director_->Poll(1ms);
  EXPECT_THAT(a->exported, ElementsAre(1, 2, 3, 4, 5, 6, 7));
  EXPECT_EQ(StatusOf("a").lag, 0);
}

TEST_F(DirectorTest, RetriesAFailedRecordWithCappedBackoffAndNeverSkipsIt) {
  RecordingExporter* a = Add("a");
  Open();
  AppendRange(1, 3);
  a->fail_next = 10;
  PollResult r = director_->Poll(0ms);
  EXPECT_THAT(a->exported, ::testing::IsEmpty());
  EXPECT_EQ(r.wake_up, 100ms);
  EXPECT_EQ(StatusOf("a").last_error.code(), Status::Code::kIOError);

  // Not retried before the back-off has passed.
  director_->Poll(99ms);
  EXPECT_EQ(a->attempts, 1);

  // Back-off doubles from 100 ms and is capped at 10 s.
  std::vector<int64_t> waits;
  TimePoint now = 100ms;
  while (a->fail_next > 0) {
    r = director_->Poll(now);
    ASSERT_TRUE(r.wake_up);
    waits.push_back((*r.wake_up - now).count());
    now = *r.wake_up;
  }
  EXPECT_THAT(waits, ElementsAre(200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000));
  EXPECT_EQ(StatusOf("a").failed_attempts, 10);
  EXPECT_EQ(StatusOf("a").lag, 4);  // nothing acknowledged: 3 - (-1)

  director_->Poll(now);
  EXPECT_THAT(a->exported, ElementsAre(1, 2, 3));
  EXPECT_EQ(StatusOf("a").failed_attempts, 0);
  EXPECT_TRUE(StatusOf("a").last_error.ok());
}

TEST_F(DirectorTest, AFailingExporterDoesNotHoldBackTheOthers) {
  RecordingExporter* bad = Add("bad");
  RecordingExporter* good = Add("good");
  Open();
  bad->fail_next = 1000;
  AppendRange(1, 4);
  director_->Poll(0ms);
  EXPECT_THAT(good->exported, ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(bad->exported, ::testing::IsEmpty());
  // Compaction waits for the stuck exporter, which pins it at its start.
  EXPECT_EQ(director_->LowestPosition(), -1);
  EXPECT_EQ(StatusOf("bad").lag, 5);
}

TEST_F(DirectorTest, ResumesAfterFailoverFromTheAcknowledgedPositions) {
  RecordingExporter* a = Add("a");
  a->auto_ack = false;
  Open();
  AppendRange(1, 5);
  director_->Poll(0ms);
  ASSERT_THAT(a->exported, ElementsAre(1, 2, 3, 4, 5));
  a->controller()->UpdateLastExportedPosition(3, "cursor-3");
  director_->Poll(1ms);
  ASSERT_EQ(store_.positions["a"], (ExporterPosition{3, "cursor-3"}));

  // The leader dies; a new leader's director opens with the replicated positions.
  director_.reset();
  director_ = std::make_unique<ExporterDirector>(&source_, &store_, options_);
  RecordingExporter* b = Add("a");
  b->auto_ack = false;
  Open(store_.positions);
  EXPECT_EQ(b->controller()->ReadMetadata(), "cursor-3");
  EXPECT_EQ(director_->LowestPosition(), 3);
  AppendRange(6, 6);
  director_->Poll(2ms);
  // At least once: 4 and 5 again (never acknowledged), then the new record.
  EXPECT_THAT(b->exported, ElementsAre(4, 5, 6));
}

TEST_F(DirectorTest, CloseClosesExportersAndCancelsTheirTasks) {
  RecordingExporter* a = Add("a");
  bool closed = false;
  a->closed_out = &closed;
  Open();
  EXPECT_TRUE(a->opened);
  bool ran = false;
  a->controller()->ScheduleTask(1ms, [&] { ran = true; });
  director_->Close();
  EXPECT_TRUE(closed);
  director_->Poll(2ms);
  EXPECT_FALSE(ran);
  EXPECT_FALSE(director_->LowestPosition());  // no exporters any more
}

TEST_F(DirectorTest, AFailedOpenClosesTheExportersAlreadyOpenedAndNamesTheExporter) {
  bool first_closed = false;
  Add("first")->closed_out = &first_closed;
  RecordingExporter* second = Add("second");
  second->open_status = Status::IOError("no such directory");
  Status s = director_->Open(std::move(pending_), {}, 0ms);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("'second'"));
  EXPECT_THAT(s.message(), ::testing::HasSubstr("no such directory"));
  EXPECT_TRUE(first_closed);
  EXPECT_FALSE(director_->LowestPosition());
}

TEST_F(DirectorTest, IgnoresAcknowledgementsThatGoBackOrBeyondWhatWasExported) {
  RecordingExporter* a = Add("a");
  a->auto_ack = false;
  Open();
  AppendRange(1, 3);
  director_->Poll(0ms);
  a->controller()->UpdateLastExportedPosition(9);  // never exported
  EXPECT_EQ(director_->LowestPosition(), -1);
  a->controller()->UpdateLastExportedPosition(2);
  a->controller()->UpdateLastExportedPosition(1);  // goes back
  EXPECT_EQ(director_->LowestPosition(), 2);
}

// Zeebe acknowledges filtered-out records on the exporter's behalf when
// nothing it exported awaits acknowledgement; otherwise with its next
// acknowledgement of everything exported.
TEST_F(DirectorTest, FilteredRecordsAdvanceTheAcknowledgedPosition) {
  nlohmann::json settings = {{"valueTypes", {"JOB"}}};
  ArgumentReader args("jobs", settings);
  Result<RecordFilter> jobs = RecordFilter::Parse(args);
  ASSERT_TRUE(jobs.ok());
  RecordingExporter* a = Add("jobs", *jobs);
  a->auto_ack = false;
  Open();
  source_.Append(1);
  source_.Append(2);
  source_.Append(3, MakeRecord(3, ValueType::kJob));
  source_.Append(4);
  source_.Append(5);
  director_->Poll(0ms);
  EXPECT_THAT(a->exported, ElementsAre(3));
  EXPECT_EQ(director_->LowestPosition(), 2);  // 1 and 2 skipped with nothing pending
  EXPECT_EQ(StatusOf("jobs").handled, 5);
  a->controller()->UpdateLastExportedPosition(3);
  EXPECT_EQ(director_->LowestPosition(), 5);  // 4 and 5 came along with 3
  director_->Poll(1ms);
  EXPECT_EQ(store_.positions["jobs"].position, 5);

  // A filtering exporter that sees nothing it wants does not pin compaction.
  AppendRange(6, 100);
  director_->Poll(2ms);
  EXPECT_EQ(director_->LowestPosition(), 100);
  EXPECT_EQ(StatusOf("jobs").lag, 0);
}

TEST_F(DirectorTest, RunsScheduledTasksWhenDueUnlessCancelled) {
  RecordingExporter* a = Add("a");
  Open();
  std::vector<std::string> ran;
  a->controller()->ScheduleTask(50ms, [&] { ran.push_back("late"); });
  ScheduledTask cancelled = a->controller()->ScheduleTask(10ms, [&] { ran.push_back("x"); });
  a->controller()->ScheduleTask(20ms, [&] { ran.push_back("early"); });
  cancelled.Cancel();
  EXPECT_EQ(director_->Poll(0ms).wake_up, 20ms);  // the cancelled one is not waited for
  director_->Poll(19ms);
  EXPECT_THAT(ran, ::testing::IsEmpty());
  EXPECT_EQ(director_->Poll(60ms).wake_up, std::nullopt);
  EXPECT_THAT(ran, ElementsAre("early", "late"));
  cancelled.Cancel();  // after the fact: harmless
}

TEST_F(DirectorTest, ATaskReschedulingItselfRunsOncePerPoll) {
  RecordingExporter* a = Add("a");
  Open();
  int runs = 0;
  std::function<void()> tick = [&] {
    ++runs;
    a->controller()->ScheduleTask(0ms, tick);
  };
  a->controller()->ScheduleTask(0ms, tick);
  director_->Poll(0ms);
  director_->Poll(0ms);
  EXPECT_EQ(runs, 2);
}

TEST_F(DirectorTest, HandsAtMostABatchPerPollAndSaysMoreIsWaiting) {
  options_.max_records_per_poll = 2;
  director_ = std::make_unique<ExporterDirector>(&source_, &store_, options_);
  RecordingExporter* a = Add("a");
  Open();
  AppendRange(1, 5);
  EXPECT_TRUE(director_->Poll(0ms).more);
  EXPECT_THAT(a->exported, ElementsAre(1, 2));
  EXPECT_TRUE(director_->Poll(0ms).more);
  EXPECT_FALSE(director_->Poll(0ms).more);
  EXPECT_THAT(a->exported, ElementsAre(1, 2, 3, 4, 5));
}

TEST_F(DirectorTest, ACorruptRecordStallsTheExporterInsteadOfBeingSkipped) {
  RecordingExporter* a = Add("a");
  Open();
  source_.Append(1);
  source_.Append(2, "not a record");
  source_.Append(3);
  PollResult r = director_->Poll(0ms);
  EXPECT_THAT(a->exported, ElementsAre(1));
  EXPECT_EQ(StatusOf("a").last_error.code(), Status::Code::kCorruption);
  EXPECT_THAT(StatusOf("a").last_error.message(), ::testing::HasSubstr("position 2"));
  director_->Poll(*r.wake_up);
  EXPECT_THAT(a->exported, ElementsAre(1));
}

TEST_F(DirectorTest, CompactedRecordsAreReportedNotSkipped) {
  RecordingExporter* a = Add("a");
  AppendRange(1, 10);
  source_.CompactTo(5);
  Open({{"a", {2, std::nullopt}}});  // acknowledged 2, but 3..5 are gone
  director_->Poll(0ms);
  EXPECT_THAT(a->exported, ::testing::IsEmpty());
  EXPECT_EQ(StatusOf("a").last_error.code(), Status::Code::kCompacted);
}

TEST_F(DirectorTest, ANewExporterStartsAtTheFirstRecordTheLogHolds) {
  RecordingExporter* a = Add("a");
  AppendRange(1, 10);
  source_.CompactTo(7);
  Open({{"removed-exporter", {3, std::nullopt}}});
  director_->Poll(0ms);
  EXPECT_THAT(a->exported, ElementsAre(8, 9, 10));
}

}  // namespace
}  // namespace waggle::exporters
