#include "exporters/file/jsonl_file_exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/record/json.h"
#include "exporters/director.h"
#include "exporters/factory.h"
#include "tests/exporters/fakes.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::ElementsAre;
using testing::FakeSource;
using testing::FakeStore;
using ::testing::HasSubstr;
using testing::MakeRecord;

namespace fs = std::filesystem;

// A JSON-lines exporter under a real director, writing to a fresh temp dir.
class FileExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("waggle-file-exporter-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Open(json settings, std::map<std::string, ExporterPosition> positions = {}) {
    settings["directory"] = dir_.string();
    Result<LoadedExporter> loaded = LoadExporter({"files", "file", settings}, 1);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    director_ = std::make_unique<ExporterDirector>(&source_, &store_);
    std::vector<LoadedExporter> exporters;
    exporters.push_back(std::move(*loaded));
    Status s = director_->Open(std::move(exporters), positions, 0ms);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Append(int64_t first, int64_t last) {
    for (int64_t p = first; p <= last; ++p) source_.Append(p);
  }
  fs::path File(int number) {
    char name[64];
    std::snprintf(name, sizeof(name), "partition-1-%06d.jsonl", number);
    return dir_ / name;
  }
  std::vector<std::string> Lines(const fs::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // The positions of every line of every file, oldest file first.
  std::vector<int64_t> WrittenPositions() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir_)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<int64_t> positions;
    for (const fs::path& file : files) {
      for (const std::string& line : Lines(file)) {
        positions.push_back(json::parse(line).at("position").get<int64_t>());
      }
    }
    return positions;
  }

  fs::path dir_;
  FakeSource source_;
  FakeStore store_;
  std::unique_ptr<ExporterDirector> director_;
};

TEST_F(FileExporterTest, WritesOneLineOfZeebeJsonPerRecordAndAcknowledgesIt) {
  Open({{"flushIntervalMs", 0}});
  Append(1, 3);
  director_->Poll(0ms);
  std::vector<std::string> lines = Lines(File(1));
  ASSERT_EQ(lines.size(), 3u);
  for (int64_t p = 1; p <= 3; ++p) {
    std::string bytes = MakeRecord(p);
    EXPECT_EQ(lines[p - 1], *record::EncodedRecordToJson(bytes));
  }
  EXPECT_EQ(json::parse(lines[0]).at("valueType"), "PROCESS_INSTANCE");
  EXPECT_EQ(director_->LowestPosition(), 3);
  EXPECT_EQ(store_.positions["files"].position, 3);
}

TEST_F(FileExporterTest, AcknowledgesOnlyWhatIsWritten) {
  Open({{"flushEveryRecords", 3}, {"flushIntervalMs", 0}, {"fsync", true}});
  Append(1, 4);
  director_->Poll(0ms);
  EXPECT_THAT(WrittenPositions(), ElementsAre(1, 2, 3));
  EXPECT_EQ(director_->LowestPosition(), 3);  // 4 is buffered, not written
  Append(5, 6);
  director_->Poll(1ms);
  EXPECT_THAT(WrittenPositions(), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(director_->LowestPosition(), 6);
}

TEST_F(FileExporterTest, FlushesOnTheIntervalThroughAScheduledTask) {
  Open({{"flushEveryRecords", 1000}, {"flushIntervalMs", 100}});
  Append(1, 2);
  PollResult r = director_->Poll(0ms);
  EXPECT_FALSE(fs::exists(File(1)));
  EXPECT_EQ(director_->LowestPosition(), -1);
  EXPECT_EQ(r.wake_up, 100ms);
  r = director_->Poll(100ms);
  EXPECT_THAT(WrittenPositions(), ElementsAre(1, 2));
  EXPECT_EQ(director_->LowestPosition(), 2);
  EXPECT_EQ(r.wake_up, 200ms);  // the task keeps ticking
}

TEST_F(FileExporterTest, CloseWritesWhatIsBufferedAndReportsItsPosition) {
  Open({{"flushEveryRecords", 1000}, {"flushIntervalMs", 0}});
  Append(1, 3);
  director_->Poll(0ms);
  EXPECT_FALSE(fs::exists(File(1)));
  director_->Close();
  EXPECT_THAT(WrittenPositions(), ElementsAre(1, 2, 3));
  EXPECT_EQ(store_.positions["files"].position, 3);
}

TEST_F(FileExporterTest, RotatesBySizeAndKeepsAtMostMaxFiles) {
  const int64_t line_bytes =
      static_cast<int64_t>(record::EncodedRecordToJson(MakeRecord(10))->size() + 1);
  // Two lines per file (records 1..9 render one byte shorter, so still two).
  Open({{"maxFileBytes", 2 * line_bytes}, {"maxFiles", 3}, {"flushIntervalMs", 0}});
  Append(1, 11);
  director_->Poll(0ms);
  // Files 1..6 were written (two records each, the last one record); 1..3 deleted.
  EXPECT_FALSE(fs::exists(File(3)));
  EXPECT_TRUE(fs::exists(File(4)));
  EXPECT_TRUE(fs::exists(File(6)));
  for (int n = 4; n <= 6; ++n)
    EXPECT_LE(static_cast<int64_t>(fs::file_size(File(n))), 2 * line_bytes);
  EXPECT_THAT(WrittenPositions(), ElementsAre(7, 8, 9, 10, 11));
  EXPECT_EQ(director_->LowestPosition(), 11);
}

// A restart on the same directory (here with the acknowledgement lost, so the
// director hands everything again) writes no line twice, and a line torn by
// a crash is cut off and written again whole.
TEST_F(FileExporterTest, ARestartWritesNoLineTwiceAndRepairsATornLine) {
  Open({{"flushIntervalMs", 0}});
  Append(1, 5);
  director_->Poll(0ms);
  director_.reset();
  {
    std::ofstream torn(File(1), std::ios::app);
    torn << R"({"partitionId":1,"position":6,"val)";
  }
  Open({{"flushIntervalMs", 0}});
  EXPECT_EQ(director_->LowestPosition(), -1);
  Append(6, 7);
  director_->Poll(1ms);
  EXPECT_THAT(WrittenPositions(), ElementsAre(1, 2, 3, 4, 5, 6, 7));
  EXPECT_EQ(director_->LowestPosition(), 7);
}

TEST_F(FileExporterTest, ContinuesInTheNewestFileAfterARestart) {
  Open({{"flushIntervalMs", 0}});
  Append(1, 2);
  director_->Poll(0ms);
  director_.reset();
  Open({{"flushIntervalMs", 0}}, store_.positions);
  Append(3, 3);
  director_->Poll(1ms);
  EXPECT_EQ(Lines(File(1)).size(), 3u);
  EXPECT_FALSE(fs::exists(File(2)));
}

TEST_F(FileExporterTest, WritesOnlyWhatItsFilterAccepts) {
  Open({{"flushIntervalMs", 0}, {"valueTypes", {"JOB"}}});
  source_.Append(1);
  source_.Append(2, MakeRecord(2, record::ValueType::kJob));
  source_.Append(3);
  director_->Poll(0ms);
  EXPECT_THAT(WrittenPositions(), ElementsAre(2));
  EXPECT_EQ(director_->LowestPosition(), 3);
}

TEST(FileExporterConfigTest, InvalidSettingsNameTheExporterAndTheSetting) {
  auto load = [](json settings) { return LoadExporter({"files", "file", settings}, 0).status(); };
  EXPECT_EQ(load(json::object()).message(), "exporter 'files': setting 'directory': is required");
  EXPECT_EQ(load({{"directory", "/tmp"}, {"maxFiles", 0}}).message(),
            "exporter 'files': setting 'maxFiles': must be an integer in [1, 1000000]");
  EXPECT_THAT(load({{"directory", "/tmp"}, {"flushEvery", 1}}).message(),
              HasSubstr("setting 'flushEvery': is not a setting"));
  EXPECT_THAT(load({{"directory", "/tmp"}, {"valueTypes", {"JOBZ"}}}).message(),
              HasSubstr("setting 'valueTypes': unknown name 'JOBZ'"));
  EXPECT_TRUE(load({{"directory", "/tmp"}, {"valueTypes", {"JOB"}}}).ok());
}

TEST(FileExporterOpenTest, FailsWhenTheDirectoryCannotBeCreated) {
  fs::path file = fs::temp_directory_path() / ("waggle-not-a-dir-" + std::to_string(::getpid()));
  std::ofstream(file) << "x";
  Result<LoadedExporter> loaded =
      LoadExporter({"files", "file", {{"directory", (file / "sub").string()}}}, 1);
  ASSERT_TRUE(loaded.ok());
  FakeSource source;
  FakeStore store;
  ExporterDirector director(&source, &store);
  std::vector<LoadedExporter> exporters;
  exporters.push_back(std::move(*loaded));
  Status s = director.Open(std::move(exporters), {}, 0ms);
  fs::remove(file);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("'files'"));
}

}  // namespace
}  // namespace waggle::exporters
