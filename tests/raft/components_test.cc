// The building blocks on their own: MemoryStorage, RaftLog, Progress and
// Inflights, quorum arithmetic.
#include <gtest/gtest.h>

#include "replication/raft/memory_storage.h"
#include "replication/raft/progress.h"
#include "replication/raft/quorum.h"
#include "replication/raft/raft_log.h"
#include "tests/raft/entries.h"

namespace waggle::raft {
namespace {

using testing::make_entry;

// Entries first..first+terms.size()-1 with the given terms.
std::vector<Entry> entries_with_terms(Index first, const std::vector<Term>& terms) {
  std::vector<Entry> out;
  for (size_t i = 0; i < terms.size(); ++i) out.push_back(make_entry(first + i, terms[i]));
  return out;
}

TEST(MemoryStorageTest, AppendReplacesConflictingSuffix) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 1, 1})).ok());
  ASSERT_TRUE(storage.append(entries_with_terms(2, {2})).ok());
  EXPECT_EQ(storage.last_index(), 2u);
  EXPECT_EQ(*storage.term(2), 2u);
  EXPECT_EQ(storage.append(entries_with_terms(4, {2})).code(), Status::Code::kInvalidArgument);
}

TEST(MemoryStorageTest, EntriesStopAtMaxBytesButReturnAtLeastOne) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 1, 1})).ok());
  std::vector<Entry> out;
  ASSERT_TRUE(storage.entries(1, 4, 0, &out).ok());
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  ASSERT_TRUE(storage.entries(1, 4, 48, &out).ok());
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(storage.entries(1, 5, 1000, &out).code(), Status::Code::kUnavailable);
}

TEST(MemoryStorageTest, CompactNeedsASnapshotCoveringIt) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 1, 2, 2})).ok());
  EXPECT_EQ(storage.compact(2).code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(storage.create_snapshot(3, std::make_shared<const std::string>("image")).ok());
  EXPECT_EQ(storage.first_index(), 1u) << "entries stay until compacted";
  ASSERT_TRUE(storage.compact(3).ok());
  EXPECT_EQ(storage.first_index(), 4u);
  EXPECT_EQ(*storage.term(3), 2u);
  EXPECT_EQ(storage.term(2).status().code(), Status::Code::kCompacted);
  std::vector<Entry> out;
  EXPECT_EQ(storage.entries(3, 5, 1000, &out).code(), Status::Code::kCompacted);
  EXPECT_EQ(storage.create_snapshot(2, nullptr).code(), Status::Code::kAborted);
}

TEST(MemoryStorageTest, ApplySnapshotReplacesTheLog) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 1})).ok());
  Snapshot snapshot{.meta = {.index = 10, .term = 3},
                    .data = std::make_shared<const std::string>("x")};
  ASSERT_TRUE(storage.apply_snapshot(snapshot).ok());
  EXPECT_EQ(storage.first_index(), 11u);
  EXPECT_EQ(storage.last_index(), 10u);
  EXPECT_EQ(*storage.term(10), 3u);
  EXPECT_EQ(storage.apply_snapshot(snapshot).code(), Status::Code::kAborted);
}

TEST(RaftLogTest, FindConflictReturnsFirstDifferingEntry) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 2, 3})).ok());
  RaftLog log(&storage, 0);
  EXPECT_EQ(log.find_conflict(entries_with_terms(1, {1, 2, 3})), 0u);
  EXPECT_EQ(log.find_conflict(entries_with_terms(2, {2, 3, 4, 4})), 4u) << "new entries";
  EXPECT_EQ(log.find_conflict(entries_with_terms(2, {2, 4})), 3u) << "conflicting entry";
}

TEST(RaftLogTest, MaybeAppendTruncatesOnlyFromTheConflict) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 2, 3})).ok());
  RaftLog log(&storage, 0);
  EXPECT_FALSE(log.maybe_append(3, 2, 0, {}).has_value()) << "prev term mismatch";
  EXPECT_EQ(log.maybe_append(1, 1, 10, entries_with_terms(2, {2, 4})), 3u);
  EXPECT_EQ(log.term_or_zero(3), 4u);
  EXPECT_EQ(log.committed(), 3u) << "commit = min(leader commit, last new entry)";
  EXPECT_EQ(log.entries_to_persist(), entries_with_terms(3, {4}));
  EXPECT_EQ(log.persisted(), 2u) << "the replaced entry no longer counts as durable";
}

TEST(RaftLogTest, FindConflictByTermSkipsWholeTerms) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 1, 3, 3, 3, 5, 5})).ok());
  RaftLog log(&storage, 0);
  EXPECT_EQ(log.find_conflict_by_term(7, 4), std::make_pair(Index{5}, Term{3}));
  EXPECT_EQ(log.find_conflict_by_term(7, 2), std::make_pair(Index{2}, Term{1}));
  EXPECT_EQ(log.find_conflict_by_term(7, 5), std::make_pair(Index{7}, Term{5}));
  EXPECT_EQ(log.find_conflict_by_term(7, 0), std::make_pair(Index{0}, Term{0}));
}

TEST(RaftLogTest, SliceSpansStorageAndUnstableWithinMaxBytes) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(entries_with_terms(1, {1, 1})).ok());
  RaftLog log(&storage, 0);
  log.append(entries_with_terms(3, {2, 2}));
  std::vector<Entry> out;
  ASSERT_TRUE(log.slice(1, 5, 1000, &out).ok());
  EXPECT_EQ(out, (entries_with_terms(1, {1, 1, 2, 2})));
  out.clear();
  ASSERT_TRUE(log.slice(2, 5, 3 * 24, &out).ok());
  EXPECT_EQ(out, (entries_with_terms(2, {1, 2, 2})));
  out.clear();
  ASSERT_TRUE(log.slice(2, 5, 2 * 24, &out).ok());
  EXPECT_EQ(out, (entries_with_terms(2, {1, 2})));
}

TEST(QuorumTest, CommittedIndexIsTheQuorumthLargestMatch) {
  EXPECT_EQ(quorum_committed_index({5}), 5u);
  EXPECT_EQ(quorum_committed_index({5, 3, 9}), 5u);
  EXPECT_EQ(quorum_committed_index({1, 2, 3, 4}), 2u);
  EXPECT_EQ(quorum_committed_index({7, 7, 1, 1, 9}), 7u);
}

TEST(QuorumTest, TallyWinsLosesOrWaits) {
  EXPECT_EQ(tally_votes(3, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(tally_votes(3, {{1, true}, {2, false}}), VoteResult::kPending);
  EXPECT_EQ(tally_votes(3, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  EXPECT_EQ(tally_votes(4, {{1, true}, {2, true}, {3, false}}), VoteResult::kPending);
  EXPECT_EQ(tally_votes(4, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
}

TEST(ProgressTest, InflightsBlockWhenFullAndFreeOnAck) {
  Inflights inflights(3);
  inflights.add(2);
  inflights.add(4);
  inflights.add(6);
  EXPECT_TRUE(inflights.full());
  inflights.free_le(4);
  EXPECT_EQ(inflights.count(), 1u);
  inflights.add(8);
  inflights.add(10);
  EXPECT_TRUE(inflights.full());
  inflights.free_le(10);
  EXPECT_EQ(inflights.count(), 0u);
}

TEST(ProgressTest, ProbeIgnoresStaleRejections) {
  Progress pr(10, 4);
  pr.match = 3;
  EXPECT_FALSE(pr.maybe_decrease_to(5, 4)) << "not the append just sent";
  EXPECT_TRUE(pr.maybe_decrease_to(9, 6));
  EXPECT_EQ(pr.next, 7u);
  EXPECT_TRUE(pr.maybe_decrease_to(6, 0));
  EXPECT_EQ(pr.next, 4u) << "never below match + 1";
}

TEST(ProgressTest, ReplicateAdvancesNextOptimisticallyUntilPaused) {
  Progress pr(1, 2);
  pr.become_replicate();
  pr.sent_entries(3, 3);
  pr.sent_entries(2, 5);
  EXPECT_EQ(pr.next, 6u);
  EXPECT_TRUE(pr.paused());
  EXPECT_TRUE(pr.maybe_update(3));
  pr.inflights.free_le(3);
  EXPECT_FALSE(pr.paused());
}

}  // namespace
}  // namespace waggle::raft
