#include "engine/state/state_store.h"

#include <gtest/gtest.h>

#include "engine/state/key_codec.h"
#include "tests/state/store_test_util.h"
#include "tests/state/temp_dir.h"

namespace waggle::engine::state {
namespace {

TEST(StateStoreTest, PutGetDelete) {
  TempDir dir;
  auto store = OpenStore(dir.Path("db"));
  ASSERT_TRUE(store->Put(ColumnFamily::kJobs, "job-1", "created").ok());
  Result<std::string> value = store->Get(ColumnFamily::kJobs, "job-1");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "created");
  ASSERT_TRUE(store->Delete(ColumnFamily::kJobs, "job-1").ok());
  EXPECT_EQ(store->Get(ColumnFamily::kJobs, "job-1").status().code(), Status::Code::kNotFound);
}

TEST(StateStoreTest, ColumnFamiliesDoNotSeeEachOthersKeys) {
  TempDir dir;
  auto store = OpenStore(dir.Path("db"));
  ASSERT_TRUE(store->Put(ColumnFamily::kJobs, "k", "job").ok());
  ASSERT_TRUE(store->Put(ColumnFamily::kMessages, "k", "message").ok());
  ASSERT_TRUE(store->Put(ColumnFamily::kIncidents, "other", "incident").ok());
  EXPECT_EQ(*store->Get(ColumnFamily::kJobs, "k"), "job");
  EXPECT_EQ(*store->Get(ColumnFamily::kMessages, "k"), "message");
  EXPECT_EQ(store->Get(ColumnFamily::kVariables, "k").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(Collect(*store, ColumnFamily::kJobs), (Entries{{"k", "job"}}));
  EXPECT_EQ(Collect(*store, ColumnFamily::kMessages), (Entries{{"k", "message"}}));
  EXPECT_TRUE(Collect(*store, ColumnFamily::kJobActivatable).empty());
  ASSERT_TRUE(store->Delete(ColumnFamily::kJobs, "k").ok());
  EXPECT_EQ(*store->Get(ColumnFamily::kMessages, "k"), "message");
}

TEST(StateStoreTest, IteratesCompositeKeysInLogicalOrderWithinAPrefixOrRange) {
  TempDir dir;
  auto store = OpenStore(dir.Path("db"));
  // (due date, timer key), inserted out of order.
  const std::pair<int64_t, uint64_t> timers[] = {{300, 1}, {100, 9}, {200, 2}, {100, 3}, {-5, 4}};
  for (const auto& [due, timer] : timers) {
    std::string key;
    AppendInt64(&key, due);
    AppendUint64(&key, timer);
    ASSERT_TRUE(store->Put(ColumnFamily::kTimerDueDates, key, std::to_string(timer)).ok());
  }
  Entries all = Collect(*store, ColumnFamily::kTimerDueDates);
  std::vector<std::string> order;
  for (const auto& [key, value] : all) order.push_back(value);
  EXPECT_EQ(order, (std::vector<std::string>{"4", "3", "9", "2", "1"}));

  std::string due_100;
  AppendInt64(&due_100, 100);
  Entries at_100 = Collect(*store, ColumnFamily::kTimerDueDates, KeyRange::Prefix(due_100));
  ASSERT_EQ(at_100.size(), 2u);
  EXPECT_EQ(at_100[0].second, "3");
  EXPECT_EQ(at_100[1].second, "9");

  std::string due_250;
  AppendInt64(&due_250, 250);
  Entries due_by_250 = Collect(*store, ColumnFamily::kTimerDueDates, KeyRange{"", due_250});
  EXPECT_EQ(due_by_250.size(), 4u);
}

TEST(StateStoreTest, StopsIteratingWhenTheVisitorSaysSo) {
  TempDir dir;
  auto store = OpenStore(dir.Path("db"));
  for (const char* key : {"a", "b", "c"})
    ASSERT_TRUE(store->Put(ColumnFamily::kJobs, key, "").ok());
  int visited = 0;
  ASSERT_TRUE(store
                  ->Iterate(ColumnFamily::kJobs, KeyRange::All(),
                            [&](std::string_view, std::string_view) { return ++visited < 2; })
                  .ok());
  EXPECT_EQ(visited, 2);
}

TEST(StateStoreTest, CommittedTransactionIsFullyVisibleAfterReopen) {
  TempDir dir;
  {
    auto store = OpenStore(dir.Path("db"));
    Transaction transaction = store->BeginTransaction();
    for (int i = 0; i < 100; ++i) {
      transaction.Put(ColumnFamily::kElementInstance, "instance-" + std::to_string(i), "active");
    }
    transaction.Put(ColumnFamily::kVariables, "x", "1");
    transaction.SetLastProcessedPosition(42);
    ASSERT_TRUE(transaction.Commit().ok());
  }
  auto store = OpenStore(dir.Path("db"));
  EXPECT_EQ(Collect(*store, ColumnFamily::kElementInstance).size(), 100u);
  EXPECT_EQ(*store->Get(ColumnFamily::kVariables, "x"), "1");
  Result<int64_t> position = store->LastProcessedPosition();
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*position, 42);
}

TEST(StateStoreTest, LastProcessedPositionStartsAtNoPositionAndSurvivesReopen) {
  TempDir dir;
  {
    auto store = OpenStore(dir.Path("db"));
    EXPECT_EQ(*store->LastProcessedPosition(), kNoPosition);
    for (int64_t position : {int64_t{7}, int64_t{8}, int64_t{1234567890123}}) {
      Transaction transaction = store->BeginTransaction();
      transaction.SetLastProcessedPosition(position);
      ASSERT_TRUE(transaction.Commit().ok());
    }
  }
  auto store = OpenStore(dir.Path("db"));
  EXPECT_EQ(*store->LastProcessedPosition(), 1234567890123);
}

TEST(StateStoreTest, CorruptLastProcessedPositionIsReported) {
  TempDir dir;
  auto store = OpenStore(dir.Path("db"));
  ASSERT_TRUE(store->Put(ColumnFamily::kLastProcessedPosition, "", "short").ok());
  EXPECT_EQ(store->LastProcessedPosition().status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waggle::engine::state
