#include "engine/state/transaction.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/state/state_store.h"
#include "tests/state/store_test_util.h"
#include "tests/state/temp_dir.h"

namespace waggle::engine::state {
namespace {

constexpr ColumnFamily kFamily = ColumnFamily::kJobs;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.Path("db"));
    ASSERT_NE(store_, nullptr);
    for (const auto& [key, value] : Entries{{"a", "1"}, {"c", "3"}, {"e", "5"}}) {
      ASSERT_TRUE(store_->Put(kFamily, key, value).ok());
    }
  }

  static Status::Code CodeOf(const Result<std::string>& result) { return result.status().code(); }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(TransactionTest, GetSeesOwnPutsOverwritesAndDeletes) {
  Transaction transaction = store_->BeginTransaction();
  transaction.Put(kFamily, "b", "new");
  transaction.Put(kFamily, "c", "overwritten");
  transaction.Delete(kFamily, "e");
  transaction.Delete(kFamily, "a");
  transaction.Put(kFamily, "a", "again");
  EXPECT_EQ(*transaction.Get(kFamily, "b"), "new");
  EXPECT_EQ(*transaction.Get(kFamily, "c"), "overwritten");
  EXPECT_EQ(CodeOf(transaction.Get(kFamily, "e")), Status::Code::kNotFound);
  EXPECT_EQ(*transaction.Get(kFamily, "a"), "again");
  // Not visible outside before commit.
  EXPECT_EQ(CodeOf(store_->Get(kFamily, "b")), Status::Code::kNotFound);
  EXPECT_EQ(*store_->Get(kFamily, "e"), "5");
}

TEST_F(TransactionTest, IterationMergesOwnWritesWithStoredEntries) {
  Transaction transaction = store_->BeginTransaction();
  transaction.Put(kFamily, "b", "new");
  transaction.Put(kFamily, "c", "overwritten");
  transaction.Delete(kFamily, "e");
  transaction.Put(kFamily, "f", "after");
  transaction.Delete(kFamily, "a");
  transaction.Put(kFamily, "a", "again");
  transaction.Delete(kFamily, "zz");  // never existed
  transaction.Put(ColumnFamily::kMessages, "b", "other family");
  const Entries expected{{"a", "again"}, {"b", "new"}, {"c", "overwritten"}, {"f", "after"}};
  EXPECT_EQ(Collect(transaction, kFamily), expected);
  EXPECT_EQ(Collect(transaction, kFamily, KeyRange{"b", "f"}),
            (Entries{{"b", "new"}, {"c", "overwritten"}}));
  ASSERT_TRUE(transaction.Commit().ok());
  EXPECT_EQ(Collect(*store_, kFamily), expected);
  EXPECT_EQ(Collect(*store_, ColumnFamily::kMessages), (Entries{{"b", "other family"}}));
}

TEST_F(TransactionTest, RollbackLeavesNoTrace) {
  const Entries before = Collect(*store_, kFamily);
  {
    Transaction transaction = store_->BeginTransaction();
    transaction.Put(kFamily, "b", "new");
    transaction.Delete(kFamily, "a");
    transaction.SetLastProcessedPosition(10);
    transaction.Rollback();
    EXPECT_FALSE(transaction.open());
  }
  {
    Transaction abandoned = store_->BeginTransaction();  // destroyed without Commit
    abandoned.Put(kFamily, "d", "new");
    abandoned.SetLastProcessedPosition(11);
  }
  EXPECT_EQ(Collect(*store_, kFamily), before);
  EXPECT_EQ(*store_->LastProcessedPosition(), kNoPosition);
}

TEST_F(TransactionTest, LastProcessedPositionIsReadYourWritesAndCommittedWithTheChanges) {
  Transaction transaction = store_->BeginTransaction();
  EXPECT_EQ(*transaction.LastProcessedPosition(), kNoPosition);
  transaction.SetLastProcessedPosition(99);
  transaction.Put(kFamily, "g", "7");
  EXPECT_EQ(*transaction.LastProcessedPosition(), 99);
  EXPECT_EQ(*store_->LastProcessedPosition(), kNoPosition);
  ASSERT_TRUE(transaction.Commit().ok());
  EXPECT_EQ(*store_->LastProcessedPosition(), 99);
  EXPECT_EQ(*store_->Get(kFamily, "g"), "7");
}

TEST_F(TransactionTest, VisitorMayWriteWhileIterating) {
  // As a timer trigger would: delete each due entry while visiting it, and
  // add one further ahead, which the iteration then reaches.
  Transaction transaction = store_->BeginTransaction();
  Entries visited;
  ASSERT_TRUE(transaction
                  .Iterate(kFamily, KeyRange::All(),
                           [&](std::string_view key, std::string_view value) {
                             visited.emplace_back(key, value);
                             transaction.Delete(kFamily, key);
                             if (key == "a") transaction.Put(kFamily, "d", "added");
                             if (key == "c") transaction.Delete(kFamily, "e");
                             return true;
                           })
                  .ok());
  EXPECT_EQ(visited, (Entries{{"a", "1"}, {"c", "3"}, {"d", "added"}}));
  EXPECT_TRUE(Collect(transaction, kFamily).empty());
}

// Random operations against a std::map model: the transaction must read like
// the model at every step, and the store must match it after commit.
TEST_F(TransactionTest, ReadsMatchAModelUnderRandomOperations) {
  std::mt19937 random(1122);
  for (int round = 0; round < 20; ++round) {
    std::map<std::string, std::string> model;
    for (const auto& [key, value] : Collect(*store_, kFamily)) model[key] = value;
    Transaction transaction = store_->BeginTransaction();
    const bool commit = round % 3 != 2;
    const std::map<std::string, std::string> before = model;
    for (int op = 0; op < 200; ++op) {
      const std::string key(1, static_cast<char>('a' + random() % 12));
      switch (random() % 4) {
        case 0:
        case 1: {
          const std::string value = std::to_string(random() % 1000);
          transaction.Put(kFamily, key, value);
          model[key] = value;
          break;
        }
        case 2:
          transaction.Delete(kFamily, key);
          model.erase(key);
          break;
        default: {
          const Result<std::string> got = transaction.Get(kFamily, key);
          const auto expected = model.find(key);
          if (expected == model.end()) {
            ASSERT_EQ(got.status().code(), Status::Code::kNotFound) << key;
          } else {
            ASSERT_TRUE(got.ok()) << key;
            ASSERT_EQ(*got, expected->second) << key;
          }
        }
      }
      const std::string start(1, static_cast<char>('a' + random() % 12));
      const std::string limit(1, static_cast<char>('a' + random() % 13));
      Entries expected_range;
      for (auto it = model.lower_bound(start); it != model.end() && it->first < limit; ++it) {
        expected_range.emplace_back(it->first, it->second);
      }
      ASSERT_EQ(Collect(transaction, kFamily, KeyRange{start, limit}), expected_range);
    }
    if (commit) {
      ASSERT_TRUE(transaction.Commit().ok());
    } else {
      transaction.Rollback();
      model = before;
    }
    ASSERT_EQ(Collect(*store_, kFamily), Entries(model.begin(), model.end()));
  }
}

}  // namespace
}  // namespace waggle::engine::state
