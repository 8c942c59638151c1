#include "replication/journal/journal.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "replication/journal/format.h"
#include "replication/journal/meta_store.h"
#include "replication/journal/snapshot_store.h"
#include "tests/journal/temp_dir.h"

namespace waggle::journal {
namespace {

using raft::Entry;
using raft::Index;
using raft::Term;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Every test entry carries 20 bytes of data naming its index and term, so a
// frame is 45 bytes and a 256-byte segment holds 6 entries.
constexpr uint64_t kSegmentBytes = 256;
constexpr Index kEntriesPerSegment = 6;

Entry MakeEntry(Index index, Term term) {
  std::string data = "e" + std::to_string(index) + "t" + std::to_string(term);
  data.resize(20, '.');
  return {term, index, raft::EntryType::kNormal, data};
}

std::vector<Entry> MakeEntries(Index lo, Index hi, Term term) {
  std::vector<Entry> entries;
  for (Index i = lo; i < hi; ++i) entries.push_back(MakeEntry(i, term));
  return entries;
}

class JournalTest : public ::testing::Test {
 protected:
  JournalOptions Options(size_t cache_bytes = 0) {
    JournalOptions options;
    options.segment_bytes = kSegmentBytes;
    options.cache_bytes = cache_bytes;
    options.log = [this](std::string_view line) { log_.emplace_back(line); };
    return options;
  }

  std::unique_ptr<Journal> Open(JournalOptions options) {
    auto journal = Journal::Open(dir_.path(), std::move(options));
    if (!journal.ok()) {
      ADD_FAILURE() << journal.status().ToString();
      return nullptr;
    }
    return std::move(journal).value();
  }
  std::unique_ptr<Journal> Open() { return Open(Options()); }

  std::vector<Entry> Read(const Journal& journal, Index lo, Index hi) {
    std::vector<Entry> out;
    Status s = journal.entries(lo, hi, SIZE_MAX, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::vector<Index> SegmentFirstIndexes() const {
    std::vector<Index> indexes;
    for (const auto& file : std::filesystem::directory_iterator(dir_.path())) {
      if (auto index = ParseSegmentFileName(file.path().filename().string())) {
        indexes.push_back(*index);
      }
    }
    std::sort(indexes.begin(), indexes.end());
    return indexes;
  }

  std::string PathOf(Index segment_first_index) const {
    return JoinPath(dir_.path(), SegmentFileName(segment_first_index));
  }

  // Offset of the frame of entry index in the segment file at path.
  static uint64_t FrameOffset(const std::string& path, Index index) {
    std::string contents;
    EXPECT_TRUE(ReadFile(path, &contents).ok());
    uint64_t offset = kSegmentHeaderSize;
    FrameView frame;
    while (DecodeFrame(std::string_view(contents).substr(offset), &frame) == FrameError::kNone) {
      if (frame.index == index) return offset;
      offset += frame.size;
    }
    ADD_FAILURE() << "no frame for entry " << index << " in " << path;
    return 0;
  }

  static void FlipByte(const std::string& path, uint64_t offset) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    char c = static_cast<char>(file.get());
    file.seekp(static_cast<std::streamoff>(offset));
    file.put(static_cast<char>(c ^ 0x40));
  }

  TempDir dir_;
  std::vector<std::string> log_;
};

TEST_F(JournalTest, EmptyJournalHoldsNothing) {
  auto journal = Open();
  EXPECT_EQ(journal->first_index(), 1u);
  EXPECT_EQ(journal->last_index(), 0u);
  EXPECT_EQ(journal->term(0).value(), 0u);
  EXPECT_EQ(journal->hard_state(), raft::HardState{});
  EXPECT_TRUE(journal->snapshot().empty());
  EXPECT_TRUE(SegmentFirstIndexes().empty());
}

TEST_F(JournalTest, AppendsAcrossSegmentsAndReadsBack) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 10, 1)).ok());
  ASSERT_TRUE(journal->Append(MakeEntries(10, 21, 2)).ok());
  ASSERT_TRUE(journal->Append({MakeEntry(21, 3)}).ok());
  ASSERT_TRUE(journal->Sync().ok());

  EXPECT_EQ(journal->first_index(), 1u);
  EXPECT_EQ(journal->last_index(), 21u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7, 13, 19}));
  std::vector<Entry> expected = MakeEntries(1, 10, 1);
  for (Entry& e : MakeEntries(10, 21, 2)) expected.push_back(e);
  expected.push_back(MakeEntry(21, 3));
  EXPECT_EQ(Read(*journal, 1, 22), expected);
  EXPECT_EQ(Read(*journal, 5, 15), std::vector<Entry>(expected.begin() + 4, expected.begin() + 14));
  EXPECT_EQ(journal->term(9).value(), 1u);
  EXPECT_EQ(journal->term(10).value(), 2u);
  EXPECT_EQ(journal->term(21).value(), 3u);
  EXPECT_TRUE(log_.empty());
}

TEST_F(JournalTest, OneAppendLargerThanASegmentSpreadsOverSeveral) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 31, 1)).ok());
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7, 13, 19, 25}));
  EXPECT_EQ(Read(*journal, 1, 31), MakeEntries(1, 31, 1));
}

TEST_F(JournalTest, ReopenRestoresEntriesHardStateAndContinuesTheActiveSegment) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 9, 1)).ok());
    ASSERT_TRUE(journal->SetHardState({1, 3, 8}).ok());
    ASSERT_TRUE(journal->Sync().ok());
  }
  auto journal = Open();
  EXPECT_TRUE(log_.empty()) << log_.front();
  EXPECT_EQ(journal->first_index(), 1u);
  EXPECT_EQ(journal->last_index(), 8u);
  EXPECT_EQ(journal->hard_state(), (raft::HardState{1, 3, 8}));
  EXPECT_EQ(journal->term(8).value(), 1u);
  EXPECT_EQ(Read(*journal, 1, 9), MakeEntries(1, 9, 1));

  // Entries 7 and 8 sit in the second segment, which has room for four more.
  ASSERT_TRUE(journal->Append(MakeEntries(9, 13, 2)).ok());
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7}));
  ASSERT_TRUE(journal->Append({MakeEntry(13, 2)}).ok());
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7, 13}));
}

TEST_F(JournalTest, TornTailIsCutOnReopenAndReported) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
    ASSERT_TRUE(journal->Sync().ok());
  }
  const std::string path = PathOf(7);
  const uint64_t frame_10 = FrameOffset(path, 10);
  const uint64_t torn_size = frame_10 + 30;  // 15 of its 45 bytes missing
  std::filesystem::resize_file(path, torn_size);

  auto journal = Open();
  EXPECT_EQ(journal->last_index(), 9u);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0],
              AllOf(HasSubstr(path), HasSubstr("truncated frame"),
                    HasSubstr("offset " + std::to_string(frame_10)), HasSubstr("cut 30 bytes")));
  EXPECT_EQ(std::filesystem::file_size(path), frame_10);

  ASSERT_TRUE(journal->Append({MakeEntry(10, 2)}).ok());
  journal.reset();
  log_.clear();
  journal = Open();
  EXPECT_TRUE(log_.empty());
  std::vector<Entry> expected = MakeEntries(1, 10, 1);
  expected.push_back(MakeEntry(10, 2));
  EXPECT_EQ(Read(*journal, 1, 11), expected);
}

TEST_F(JournalTest, FlippedByteInTheLastFrameIsCutAndNeverServed) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
  }
  const std::string path = PathOf(7);
  const uint64_t frame_10 = FrameOffset(path, 10);
  FlipByte(path, frame_10 + kFrameHeaderSize + 3);  // inside the data

  auto journal = Open();
  EXPECT_EQ(journal->last_index(), 9u);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0],
              AllOf(HasSubstr(path), HasSubstr("checksum mismatch"),
                    HasSubstr("offset " + std::to_string(frame_10)), HasSubstr("cut 45 bytes")));
  std::vector<Entry> out;
  EXPECT_EQ(journal->entries(10, 11, SIZE_MAX, &out).code(), Status::Code::kUnavailable);
  EXPECT_EQ(journal->term(10).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(Read(*journal, 1, 10), MakeEntries(1, 10, 1));
}

TEST_F(JournalTest, FlippedByteMidLogCutsEverythingAfterAndDeletesLaterSegments) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 25, 1)).ok());
  }
  ASSERT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7, 13, 19}));
  const std::string path = PathOf(7);
  const uint64_t frame_9 = FrameOffset(path, 9);
  FlipByte(path, frame_9 + 9);  // inside the index field

  auto journal = Open();
  EXPECT_EQ(journal->last_index(), 8u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7}));
  ASSERT_EQ(log_.size(), 3u);
  EXPECT_THAT(log_[0], AllOf(HasSubstr(path), HasSubstr("checksum mismatch"),
                             HasSubstr("offset " + std::to_string(frame_9)),
                             HasSubstr("cut " + std::to_string(4 * 45) + " bytes")));
  EXPECT_THAT(log_[1], AllOf(HasSubstr("deleted"), HasSubstr(PathOf(13))));
  EXPECT_THAT(log_[2], AllOf(HasSubstr("deleted"), HasSubstr(PathOf(19))));
  EXPECT_EQ(Read(*journal, 1, 9), MakeEntries(1, 9, 1));

  ASSERT_TRUE(journal->Append(MakeEntries(9, 15, 2)).ok());
  EXPECT_EQ(journal->term(14).value(), 2u);
  EXPECT_EQ(Read(*journal, 9, 15), MakeEntries(9, 15, 2));
}

TEST_F(JournalTest, DamagedSegmentHeaderDeletesTheSegmentAndAllAfterIt) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 20, 1)).ok());
  }
  FlipByte(PathOf(13), 2);  // inside the magic

  auto journal = Open();
  EXPECT_EQ(journal->last_index(), 12u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7}));
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_THAT(log_[0], AllOf(HasSubstr(PathOf(13)), HasSubstr("bad segment magic")));
  EXPECT_THAT(log_[1], HasSubstr(PathOf(19)));
}

TEST_F(JournalTest, SegmentWithATornHeaderFromACrashedRollIsDeleted) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 7, 1)).ok());
  }
  std::ofstream(PathOf(7), std::ios::binary) << std::string(10, 'W');

  auto journal = Open();
  EXPECT_EQ(journal->last_index(), 6u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1}));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], AllOf(HasSubstr(PathOf(7)), HasSubstr("short segment header"),
                             HasSubstr("10 bytes")));
  ASSERT_TRUE(journal->Append({MakeEntry(7, 1)}).ok());
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7}));
  EXPECT_EQ(Read(*journal, 7, 8), std::vector<Entry>{MakeEntry(7, 1)});
}

TEST_F(JournalTest, CorruptionAfterWritingIsReportedByReadsNotServed) {
  auto journal = Open();  // no cache: reads go to the files
  ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
  FlipByte(PathOf(7), FrameOffset(PathOf(7), 8) + kFrameHeaderSize);

  std::vector<Entry> out;
  Status s = journal->entries(7, 11, SIZE_MAX, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(PathOf(7)), HasSubstr("entry 8")));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(Read(*journal, 1, 8), MakeEntries(1, 8, 1));
}

TEST_F(JournalTest, ConflictingAppendTruncatesAcrossSegmentBoundaries) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 25, 1)).ok());
  ASSERT_TRUE(journal->Sync().ok());

  // Entry 6 is the last of the first segment: the three later ones must go.
  ASSERT_TRUE(journal->Append(MakeEntries(6, 8, 2)).ok());
  EXPECT_EQ(journal->last_index(), 7u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7}));
  EXPECT_EQ(journal->term(5).value(), 1u);
  EXPECT_EQ(journal->term(6).value(), 2u);
  EXPECT_EQ(journal->term(8).status().code(), Status::Code::kUnavailable);

  ASSERT_TRUE(journal->Append(MakeEntries(8, 16, 2)).ok());
  ASSERT_TRUE(journal->Sync().ok());
  std::vector<Entry> expected = MakeEntries(1, 6, 1);
  for (Entry& e : MakeEntries(6, 16, 2)) expected.push_back(e);
  EXPECT_EQ(Read(*journal, 1, 16), expected);

  journal.reset();
  journal = Open();
  EXPECT_TRUE(log_.empty());
  EXPECT_EQ(journal->last_index(), 15u);
  EXPECT_EQ(Read(*journal, 1, 16), expected);
}

TEST_F(JournalTest, TruncateSuffixDropsLaterEntriesAndSegments) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 20, 1)).ok());
  ASSERT_TRUE(journal->TruncateSuffix(25).ok());
  EXPECT_EQ(journal->last_index(), 19u);

  ASSERT_TRUE(journal->TruncateSuffix(9).ok());
  EXPECT_EQ(journal->last_index(), 9u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{1, 7}));
  EXPECT_EQ(std::filesystem::file_size(PathOf(7)), kSegmentHeaderSize + 3 * 45);
  EXPECT_EQ(Read(*journal, 1, 10), MakeEntries(1, 10, 1));

  ASSERT_TRUE(journal->TruncateSuffix(0).ok());
  EXPECT_EQ(journal->last_index(), 0u);
  EXPECT_TRUE(SegmentFirstIndexes().empty());
  ASSERT_TRUE(journal->Append(MakeEntries(1, 3, 4)).ok());
  EXPECT_EQ(Read(*journal, 1, 3), MakeEntries(1, 3, 4));
}

TEST_F(JournalTest, PrefixCompactionDeletesOldSegmentsAndMovesFirstIndex) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 21, 1)).ok());
  ASSERT_TRUE(journal->Append(MakeEntries(21, 31, 2)).ok());

  ASSERT_TRUE(journal->CompactPrefix(14).ok());
  EXPECT_EQ(journal->first_index(), 15u);
  EXPECT_EQ(journal->last_index(), 30u);
  // Segment [13, 18] still holds entry 14, whose term must survive a restart.
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{13, 19, 25}));
  EXPECT_EQ(journal->term(14).value(), 1u);
  EXPECT_EQ(journal->term(13).status().code(), Status::Code::kCompacted);
  std::vector<Entry> out;
  EXPECT_EQ(journal->entries(14, 16, SIZE_MAX, &out).code(), Status::Code::kCompacted);
  std::vector<Entry> expected = MakeEntries(15, 21, 1);
  for (Entry& e : MakeEntries(21, 31, 2)) expected.push_back(e);
  EXPECT_EQ(Read(*journal, 15, 31), expected);

  // Compacting to the end never deletes the active segment.
  ASSERT_TRUE(journal->CompactPrefix(30).ok());
  EXPECT_EQ(journal->first_index(), 31u);
  EXPECT_EQ(journal->term(30).value(), 2u);
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{25}));
  ASSERT_TRUE(journal->Append({MakeEntry(31, 2)}).ok());
  EXPECT_EQ(Read(*journal, 31, 32), std::vector<Entry>{MakeEntry(31, 2)});

  // Without a snapshot, a restart serves from the entry after the oldest one kept.
  journal.reset();
  journal = Open();
  EXPECT_EQ(journal->first_index(), 26u);
  EXPECT_EQ(journal->term(25).value(), 2u);
  EXPECT_EQ(journal->last_index(), 31u);
}

TEST_F(JournalTest, HardStateSurvivesReopenAndALeftoverTempFileIsIgnored) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->SetHardState({5, 2, 0}).ok());
    ASSERT_TRUE(journal->SetHardState({6, 3, 4}).ok());
  }
  const std::string temp = JoinPath(dir_.path(), "hard_state.tmp");
  std::ofstream(temp) << "garbage from a crash";

  auto journal = Open();
  EXPECT_EQ(journal->hard_state(), (raft::HardState{6, 3, 4}));
  EXPECT_FALSE(std::filesystem::exists(temp));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("hard_state.tmp"));
}

TEST_F(JournalTest, SnapshotWithAMatchingEntryKeepsTheLogAfterIt) {
  raft::Snapshot snapshot{{16, 2}, std::make_shared<const std::string>("image at 16")};
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
    ASSERT_TRUE(journal->Append(MakeEntries(11, 25, 2)).ok());
    ASSERT_TRUE(journal->InstallSnapshot(snapshot).ok());
    EXPECT_EQ(journal->first_index(), 17u);
    EXPECT_EQ(journal->last_index(), 24u);
    EXPECT_EQ(journal->term(16).value(), 2u);
    EXPECT_EQ(journal->term(15).status().code(), Status::Code::kCompacted);
    EXPECT_EQ(Read(*journal, 17, 25), MakeEntries(17, 25, 2));
    ASSERT_TRUE(journal->Sync().ok());
  }
  // Segments wholly covered by the snapshot are gone.
  EXPECT_EQ(SegmentFirstIndexes(), (std::vector<Index>{13, 19}));

  auto journal = Open();
  EXPECT_TRUE(log_.empty());
  EXPECT_EQ(journal->first_index(), 17u);
  EXPECT_EQ(journal->last_index(), 24u);
  EXPECT_EQ(journal->snapshot().meta, snapshot.meta);
  EXPECT_EQ(*journal->snapshot().data, "image at 16");
  EXPECT_EQ(journal->term(16).value(), 2u);
  EXPECT_EQ(Read(*journal, 17, 25), MakeEntries(17, 25, 2));
}

TEST_F(JournalTest, SnapshotBeyondTheLogResetsIt) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
  ASSERT_TRUE(journal->InstallSnapshot({{40, 3}, std::make_shared<const std::string>("s")}).ok());
  EXPECT_EQ(journal->first_index(), 41u);
  EXPECT_EQ(journal->last_index(), 40u);
  EXPECT_EQ(journal->term(40).value(), 3u);
  EXPECT_EQ(journal->term(39).status().code(), Status::Code::kCompacted);
  EXPECT_TRUE(SegmentFirstIndexes().empty());

  ASSERT_TRUE(journal->Append(MakeEntries(41, 44, 3)).ok());
  journal.reset();
  journal = Open();
  EXPECT_EQ(journal->first_index(), 41u);
  EXPECT_EQ(journal->last_index(), 43u);
  EXPECT_EQ(Read(*journal, 41, 44), MakeEntries(41, 44, 3));
}

TEST_F(JournalTest, SnapshotWhoseTermDiffersFromTheLogResetsIt) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 21, 1)).ok());
  ASSERT_TRUE(journal->InstallSnapshot({{10, 2}, std::make_shared<const std::string>("s")}).ok());
  EXPECT_EQ(journal->first_index(), 11u);
  EXPECT_EQ(journal->last_index(), 10u);
  EXPECT_EQ(journal->term(10).value(), 2u);
  EXPECT_EQ(journal->term(11).status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(SegmentFirstIndexes().empty());
}

TEST_F(JournalTest, CrashBetweenSavingASnapshotAndDroppingTheLogIsRepaired) {
  {
    auto journal = Open();
    ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
  }
  ASSERT_TRUE(
      SaveSnapshot(dir_.path(), {{30, 2}, std::make_shared<const std::string>("s")}, true).ok());
  auto journal = Open();
  EXPECT_EQ(journal->first_index(), 31u);
  EXPECT_EQ(journal->last_index(), 30u);
  EXPECT_TRUE(SegmentFirstIndexes().empty());
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("does not contain snapshot 30@2"));
}

TEST_F(JournalTest, EntriesRespectsMaxBytesButReturnsAtLeastOne) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 11, 1)).ok());
  const size_t entry_bytes = MakeEntry(1, 1).size();

  std::vector<Entry> out;
  ASSERT_TRUE(journal->entries(2, 11, 3 * entry_bytes, &out).ok());
  EXPECT_EQ(out, MakeEntries(2, 5, 1));
  out.clear();
  ASSERT_TRUE(journal->entries(2, 11, 3 * entry_bytes - 1, &out).ok());
  EXPECT_EQ(out, MakeEntries(2, 4, 1));
  out.clear();
  ASSERT_TRUE(journal->entries(5, 11, 0, &out).ok());
  EXPECT_EQ(out, MakeEntries(5, 6, 1));
  out.clear();
  ASSERT_TRUE(journal->entries(4, 4, 0, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(JournalTest, ReadsOutsideTheLogAreCompactedOrUnavailable) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 21, 1)).ok());
  ASSERT_TRUE(journal->CompactPrefix(8).ok());
  std::vector<Entry> out;
  EXPECT_EQ(journal->entries(8, 10, SIZE_MAX, &out).code(), Status::Code::kCompacted);
  EXPECT_EQ(journal->entries(9, 22, SIZE_MAX, &out).code(), Status::Code::kUnavailable);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(journal->entries(9, 21, SIZE_MAX, &out).ok());
  EXPECT_EQ(journal->term(7).status().code(), Status::Code::kCompacted);
  EXPECT_EQ(journal->term(8).value(), 1u);
  EXPECT_EQ(journal->term(20).value(), 1u);
  EXPECT_EQ(journal->term(21).status().code(), Status::Code::kUnavailable);
}

TEST_F(JournalTest, AppendRejectsBatchesThatBreakTheLog) {
  auto journal = Open();
  ASSERT_TRUE(journal->Append(MakeEntries(1, 6, 2)).ok());
  EXPECT_EQ(journal->Append({MakeEntry(7, 2)}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(journal->Append({MakeEntry(6, 2), MakeEntry(8, 2)}).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(journal->Append({MakeEntry(6, 1)}).code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(journal->CompactPrefix(3).ok());
  EXPECT_EQ(journal->Append({MakeEntry(3, 2)}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(journal->last_index(), 5u);
  EXPECT_EQ(Read(*journal, 4, 6), MakeEntries(4, 6, 2));
}

TEST_F(JournalTest, ReadersSeeConsistentEntriesWhileTheWriterAppendsAndTruncates) {
  auto journal = Open(Options(8 * MakeEntry(1, 1).size()));
  ASSERT_TRUE(journal->Append(MakeEntries(1, 3, 1)).ok());
  std::thread writer([&] {
    for (Index next = 3; next < 300; next += 3) {
      ASSERT_TRUE(journal->Append(MakeEntries(next, next + 4, 1)).ok());
      ASSERT_TRUE(journal->TruncateSuffix(next + 2).ok());
    }
  });
  for (int round = 0; round < 300; ++round) {
    const Index last = journal->last_index();
    std::vector<Entry> out;
    Status s = journal->entries(1, last + 1, SIZE_MAX, &out);
    if (s.code() == Status::Code::kUnavailable) continue;  // the writer truncated below last
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(out.size(), last);
    for (Index i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], MakeEntry(i + 1, 1));
  }
  writer.join();
  EXPECT_EQ(journal->last_index(), 299u);
}

// The tail cache must give the same answers as the files, whatever part of a
// read it covers.
class JournalCacheTest : public JournalTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(JournalCacheTest, ReadsAgreeWithTheFilesAcrossTruncationAndCompaction) {
  auto journal = Open(Options(GetParam()));
  ASSERT_TRUE(journal->Append(MakeEntries(1, 21, 1)).ok());
  ASSERT_TRUE(journal->Append(MakeEntries(15, 26, 2)).ok());
  ASSERT_TRUE(journal->CompactPrefix(4).ok());
  ASSERT_TRUE(journal->TruncateSuffix(23).ok());
  std::vector<Entry> expected = MakeEntries(5, 15, 1);
  for (Entry& e : MakeEntries(15, 24, 2)) expected.push_back(e);
  EXPECT_EQ(Read(*journal, 5, 24), expected);
  for (Index lo = 5; lo < 24; ++lo) {
    ASSERT_EQ(Read(*journal, lo, lo + 1), std::vector<Entry>{expected[lo - 5]}) << lo;
  }
}

INSTANTIATE_TEST_SUITE_P(CacheSizes, JournalCacheTest,
                         ::testing::Values(0, 4 * MakeEntry(1, 1).size(), 1 << 20));

TEST(JournalOptionsTest, SegmentSizeMustHoldAHeaderAndFitIn32Bits) {
  TempDir dir;
  JournalOptions options;
  options.segment_bytes = kSegmentHeaderSize;
  EXPECT_EQ(Journal::Open(dir.path(), options).status().code(), Status::Code::kInvalidArgument);
  options.segment_bytes = uint64_t{1} << 32;
  EXPECT_EQ(Journal::Open(dir.path(), options).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace waggle::journal
