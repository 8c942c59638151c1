// The Redis Streams exporter against a real redis-server (Debian's) started
// on a free loopback port in a temp dir, with append-only persistence fsynced
// on every write so that what Redis acknowledged survives SIGKILL.
#include "exporters/redis/redis_streams_exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/record/json.h"
#include "exporters/director.h"
#include "exporters/factory.h"
#include "exporters/redis/redis_connection.h"
#include "tests/exporters/fakes.h"
#include "tests/exporters/redis_server.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using record::ValueType;
using ::testing::ElementsAre;
using testing::FakeSource;
using testing::FakeStore;
using testing::MakeRecord;
using testing::RedisServer;
using testing::StreamEntry;
using testing::XRange;

std::vector<int64_t> Positions(const std::vector<StreamEntry>& entries) {
  std::vector<int64_t> positions;
  for (const StreamEntry& e : entries) positions.push_back(std::stoll(e.fields.at("position")));
  return positions;
}

class RedisExporterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start()); }

  void Open(json settings, std::map<std::string, ExporterPosition> positions = {}) {
    settings["port"] = redis_.port();
    Result<LoadedExporter> loaded = LoadExporter({"redis", "redis", settings}, 1);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    DirectorOptions options;
    options.max_backoff = 1s;  // keeps the outage test short; the cap itself is unit-tested
    director_ = std::make_unique<ExporterDirector>(&source_, &store_, options);
    std::vector<LoadedExporter> exporters;
    exporters.push_back(std::move(*loaded));
    Status s = director_->Open(std::move(exporters), positions, Now());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  TimePoint Now() const {
    return std::chrono::duration_cast<TimePoint>(std::chrono::steady_clock::now() - start_);
  }
  // Polls on the real clock until `done` or 30 s passed.
  template <typename Done>
  bool PollUntil(Done done) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (!director_->Poll(Now()).more) std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  std::unique_ptr<RedisConnection> Client() {
    Result<std::unique_ptr<RedisConnection>> c = redis_.Connect();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  // Positions in every stream the test records go to, all together, sorted.
  std::vector<int64_t> AllPositions(RedisConnection& redis) {
    std::vector<int64_t> all;
    for (const char* stream : {"zeebe:JOB", "zeebe:PROCESS_INSTANCE", "zeebe:MESSAGE"}) {
      std::vector<int64_t> positions = Positions(XRange(redis, stream));
      EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end())) << stream;
      all.insert(all.end(), positions.begin(), positions.end());
    }
    std::sort(all.begin(), all.end());
    return all;
  }
  static ValueType TypeOf(int64_t position) {
    constexpr ValueType kTypes[] = {ValueType::kJob, ValueType::kProcessInstance,
                                    ValueType::kMessage};
    return kTypes[position % 3];
  }
  void Append(int64_t first, int64_t last) {
    for (int64_t p = first; p <= last; ++p) source_.Append(p, MakeRecord(p, TypeOf(p)));
  }
  static std::vector<int64_t> Range(int64_t first, int64_t last) {
    std::vector<int64_t> range;
    for (int64_t p = first; p <= last; ++p) range.push_back(p);
    return range;
  }

  RedisServer redis_;
  FakeSource source_;
  FakeStore store_;
  std::unique_ptr<ExporterDirector> director_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

TEST_F(RedisExporterTest, AddsEachRecordToItsValueTypesStreamAndAcknowledgesAfterTheReply) {
  Open({{"batchSize", 4}, {"flushIntervalMs", 50}});
  Append(1, 6);
  director_->Poll(Now());
  // 1..4 were sent as one batch; its replies are read at the next flush (the
  // tick, which sends 5 and 6), and only then acknowledged.
  EXPECT_EQ(director_->LowestPosition(), -1);
  ASSERT_TRUE(PollUntil([&] { return director_->LowestPosition() == 6; }));
  EXPECT_EQ(store_.positions["redis"].position, 6);

  std::unique_ptr<RedisConnection> client = Client();
  ASSERT_TRUE(client);
  std::vector<StreamEntry> jobs = XRange(*client, "zeebe:JOB");
  EXPECT_THAT(Positions(jobs), ElementsAre(3, 6));
  EXPECT_THAT(Positions(XRange(*client, "zeebe:PROCESS_INSTANCE")), ElementsAre(1, 4));
  EXPECT_THAT(Positions(XRange(*client, "zeebe:MESSAGE")), ElementsAre(2, 5));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].fields.at("partitionId"), "1");
  EXPECT_EQ(jobs[0].fields.at("record"),
            *record::EncodedRecordToJson(MakeRecord(3, ValueType::kJob)));
  std::string_view get[] = {"GET", "zeebe:exporter:redis:partition:1"};
  EXPECT_EQ(client->Command(get)->str, "6");
}

// Exported again after a failover whose acknowledgement was lost, records
// already in Redis are not added twice.
TEST_F(RedisExporterTest, RecordsSentAgainAreNotAddedTwice) {
  Open({{"batchSize", 5}});
  Append(1, 10);
  ASSERT_TRUE(PollUntil([&] { return director_->LowestPosition() == 10; }));
  director_.reset();
  Open({{"batchSize", 5}});  // no positions: everything is handed again
  Append(11, 12);
  ASSERT_TRUE(PollUntil([&] { return director_->LowestPosition() == 12; }));
  std::unique_ptr<RedisConnection> client = Client();
  ASSERT_TRUE(client);
  EXPECT_EQ(AllPositions(*client), Range(1, 12));
}

// A stream key holding another type fails the batch's script at its first
// entry for that stream (Redis keeps what the script wrote before it) and
// the high-water position does not move: the batch is sent again until the
// key is a stream again, and then nothing is missing (entries before the
// failing one may be there more than once).
TEST_F(RedisExporterTest, AStreamKeyOfAnotherTypeHoldsTheBatchBack) {
  std::unique_ptr<RedisConnection> client = Client();
  ASSERT_TRUE(client);
  std::string_view occupy[] = {"SET", "zeebe:MESSAGE", "not a stream"};
  ASSERT_TRUE(client->Command(occupy).ok());
  Open({{"batchSize", 6}, {"flushIntervalMs", 20}});
  Append(1, 6);
  // The flush ticks read the failure and send the batch again.
  const auto until = std::chrono::steady_clock::now() + 300ms;
  PollUntil([&] { return std::chrono::steady_clock::now() > until; });
  std::string_view get[] = {"GET", "zeebe:exporter:redis:partition:1"};
  EXPECT_EQ(client->Command(get)->type, RedisReply::Type::kNil);
  EXPECT_TRUE(XRange(*client, "zeebe:JOB").empty());
  EXPECT_EQ(director_->LowestPosition(), -1);

  std::string_view free[] = {"DEL", "zeebe:MESSAGE"};
  ASSERT_TRUE(client->Command(free).ok());
  ASSERT_TRUE(PollUntil([&] { return director_->LowestPosition() == 6; }));
  EXPECT_THAT(Positions(XRange(*client, "zeebe:MESSAGE")), ElementsAre(2, 5));
  EXPECT_THAT(Positions(XRange(*client, "zeebe:JOB")), ElementsAre(3, 6));
  std::vector<int64_t> all = AllPositions(*client);
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()), std::set<int64_t>({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(client->Command(get)->str, "6");
}

TEST_F(RedisExporterTest, TrimsStreamsWithMaxLen) {
  Open({{"batchSize", 500}, {"maxLen", 10}, {"valueTypes", {"JOB"}}});
  Append(1, 6000);
  ASSERT_TRUE(PollUntil([&] { return director_->LowestPosition() == 6000; }));
  std::unique_ptr<RedisConnection> client = Client();
  ASSERT_TRUE(client);
  std::string_view xlen[] = {"XLEN", "zeebe:JOB"};
  Result<RedisReply> length = client->Command(xlen);
  ASSERT_TRUE(length.ok());
  // MAXLEN ~ trims whole stream nodes (100 entries each), never below 10.
  EXPECT_GE(length->integer, 10);
  EXPECT_LT(length->integer, 2000);
  std::vector<int64_t> kept = Positions(XRange(*client, "zeebe:JOB"));
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back(), 6000);  // the newest JOB record (positions divisible by 3)
}

// Redis is SIGKILLed while records keep committing, and restarted later:
// export stalls, lag grows, the compaction bound waits, and once Redis is
// back every record arrives, in order per stream, none lost or doubled.
TEST_F(RedisExporterTest, NoRecordIsLostWhenRedisIsKilledAndRestarted) {
  Open({{"batchSize", 50}, {"flushIntervalMs", 20}});
  int64_t committed = 0;
  auto commit_and_poll = [&](int64_t until) {
    while (committed < until) {
      Append(committed + 1, committed + 25);
      committed += 25;
      director_->Poll(Now());
      std::this_thread::sleep_for(2ms);
    }
  };
  commit_and_poll(1000);
  redis_.Kill();
  const int64_t lowest_at_kill = *director_->LowestPosition();
  commit_and_poll(2000);
  ASSERT_TRUE(PollUntil([&] { return !director_->Statuses()[0].last_error.ok(); }));
  std::this_thread::sleep_for(300ms);
  director_->Poll(Now());
  ExporterStatus stalled = director_->Statuses()[0];
  EXPECT_EQ(stalled.last_error.code(), Status::Code::kIOError) << stalled.last_error.ToString();
  EXPECT_LE(stalled.acknowledged.position, 1000);
  EXPECT_GE(stalled.lag, 1000);
  EXPECT_LE(*director_->LowestPosition(), std::max<int64_t>(lowest_at_kill, 1000));

  ASSERT_TRUE(redis_.Start());
  commit_and_poll(3000);
  ASSERT_TRUE(PollUntil([&] { return director_->LowestPosition() == 3000; }))
      << director_->Statuses()[0].last_error.ToString();
  EXPECT_EQ(director_->Statuses()[0].lag, 0);
  std::unique_ptr<RedisConnection> client = Client();
  ASSERT_TRUE(client);
  EXPECT_EQ(AllPositions(*client), Range(1, 3000));
}

}  // namespace
}  // namespace waggle::exporters
