// Tests of the simulator itself: its disk model keeps exactly what it
// promises, runs are reproducible from their seed, and the invariant checker
// is not vacuous.
#include <gtest/gtest.h>

#include "tests/sim/sim_cluster.h"
#include "tests/sim/sim_member.h"

namespace waggle::sim {
namespace {

using raft::Entry;

JournalRecord entries_record(raft::Index lo, raft::Index hi, raft::Term term) {
  std::vector<Entry> entries;
  for (raft::Index i = lo; i < hi; ++i) entries.push_back(Entry{term, i, {}, "x"});
  return JournalRecord::append(std::move(entries));
}

TEST(JournalTest, CrashKeepsSyncedRecordsAndCutsATornTail) {
  // Over many seeded crashes: the synced prefix always survives, a torn
  // record never surfaces, and whatever survives is a prefix of the writes.
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    Journal journal;
    journal.write(entries_record(1, 4, 1));
    journal.write(JournalRecord::hard_state_of({.term = 1, .vote = 2, .commit = 3}));
    ASSERT_TRUE(journal.sync().ok());
    journal.write(entries_record(4, 6, 2));
    journal.write(entries_record(6, 9, 2));
    journal.crash(&rng, /*tear=*/true, /*lose_synced_entries=*/false);
    ASSERT_TRUE(journal.recover().ok());

    const raft::MemoryStorage& log = journal.durable();
    EXPECT_EQ(log.hard_state().commit, 3u);
    ASSERT_TRUE(log.last_index() == 3 || log.last_index() == 5 || log.last_index() == 8)
        << "seed " << seed << ": last index " << log.last_index();
    std::vector<Entry> entries;
    ASSERT_TRUE(log.entries(1, log.last_index() + 1, UINT64_MAX, &entries).ok());
    for (const Entry& entry : entries) EXPECT_EQ(entry.data, "x") << "seed " << seed;
  }
}

TEST(JournalTest, UnsyncedRecordsCanBeLostButSyncedOnesCannot) {
  bool lost_some = false;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Rng rng(seed);
    Journal journal;
    journal.write(entries_record(1, 3, 1));
    ASSERT_TRUE(journal.sync().ok());
    journal.write(entries_record(3, 5, 1));
    journal.crash(&rng, /*tear=*/false, /*lose_synced_entries=*/false);
    ASSERT_TRUE(journal.recover().ok());
    ASSERT_GE(journal.durable().last_index(), 2u);
    lost_some |= journal.durable().last_index() == 2;
  }
  EXPECT_TRUE(lost_some);
}

TEST(SimulationTest, SameSeedGivesTheSameTrace) {
  SimOptions options;
  options.seed = 7;
  options.steps = 400;
  const SimResult first = run_simulation(options);
  const SimResult second = run_simulation(options);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.passed, second.passed);
  EXPECT_EQ(first.step, second.step);
  EXPECT_EQ(first.summary, second.summary);

  options.seed = 8;
  EXPECT_NE(run_simulation(options).trace_hash, first.trace_hash);
}

TEST(SimulationTest, HonestDisksPassTheirSeeds) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SimOptions options;
    options.seed = seed;
    options.steps = 600;
    const SimResult result = run_simulation(options);
    EXPECT_TRUE(result.passed) << "seed " << seed << " step " << result.step << ": "
                               << result.failure;
  }
}

TEST(SimulationTest, CheckerCatchesADiskThatLosesSyncedEntries) {
  // The same runs, except that crashes also lose the last fsynced entries:
  // acknowledged data vanishes, and a safety invariant (not merely liveness)
  // must trip for some seed.
  const std::vector<std::string> safety = {"election safety", "log matching", "leader completeness",
                                           "state machine safety", "durability"};
  std::string caught;
  for (uint64_t seed = 1; seed <= 60 && caught.empty(); ++seed) {
    SimOptions options;
    options.seed = seed;
    options.steps = 600;
    options.liveness_steps = 500;
    options.broken_disks = true;
    const SimResult result = run_simulation(options);
    for (const std::string& invariant : safety) {
      if (result.failure.starts_with(invariant)) {
        caught = "seed " + std::to_string(seed) + ": " + result.failure;
      }
    }
  }
  ASSERT_FALSE(caught.empty()) << "no seed in 1..60 noticed the lost entries";
  std::printf("broken disks caught, %s\n", caught.c_str());
}

}  // namespace
}  // namespace waggle::sim
