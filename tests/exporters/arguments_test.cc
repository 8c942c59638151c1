#include "exporters/arguments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exporters/filter.h"
#include "tests/exporters/fakes.h"

namespace waggle::exporters {
namespace {

using nlohmann::json;
using record::RecordType;
using record::ValueType;
using ::testing::HasSubstr;
using testing::MakeRecord;

TEST(ArgumentReaderTest, ReadsTypedSettingsWithDefaults) {
  json args = {{"directory", "/tmp/x"}, {"maxFiles", 3}, {"fsync", true}};
  ArgumentReader reader("files", args);
  EXPECT_EQ(*reader.String("directory", std::nullopt), "/tmp/x");
  EXPECT_EQ(*reader.String("prefix", "records"), "records");
  EXPECT_EQ(*reader.Int("maxFiles", 10, 1, 100), 3);
  EXPECT_EQ(*reader.Int("maxFileBytes", 1024, 1, 1 << 30), 1024);
  EXPECT_TRUE(*reader.Bool("fsync", false));
  EXPECT_TRUE(reader.RejectUnread().ok());
}

TEST(ArgumentReaderTest, ErrorsNameTheExporterAndTheSetting) {
  json args = {{"maxFiles", 0}, {"fsync", "yes"}, {"maxFileBytes", 1.5}, {"big", 1ull << 63}};
  ArgumentReader reader("files", args);
  Status s = reader.Int("maxFiles", 10, 1, 100).status();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "exporter 'files': setting 'maxFiles': must be an integer in [1, 100]");
  EXPECT_THAT(reader.Bool("fsync", false).status().message(), HasSubstr("'fsync'"));
  EXPECT_THAT(reader.Int("maxFileBytes", 1, 1, 10).status().message(), HasSubstr("'maxFileBytes'"));
  EXPECT_FALSE(reader.Int("big", 1, 0, INT64_MAX).ok());
  EXPECT_EQ(reader.String("directory", std::nullopt).status().message(),
            "exporter 'files': setting 'directory': is required");
}

TEST(ArgumentReaderTest, RejectsSettingsNobodyRead) {
  json args = {{"directory", "/tmp/x"}, {"maxFile", 3}};
  ArgumentReader reader("files", args);
  ASSERT_TRUE(reader.String("directory", std::nullopt).ok());
  EXPECT_EQ(reader.RejectUnread().message(),
            "exporter 'files': setting 'maxFile': is not a setting of this exporter");

  json not_object = json::array();
  EXPECT_FALSE(ArgumentReader("files", not_object).RejectUnread().ok());
}

const record::fb::Record& View(const std::string& bytes) {
  Result<const record::fb::Record*> record = record::VerifyRecord(bytes);
  if (!record.ok()) throw std::runtime_error(record.status().ToString());
  return **record;
}

TEST(RecordFilterTest, AcceptsEverythingByDefault) {
  json args = json::object();
  ArgumentReader reader("x", args);
  Result<RecordFilter> filter = RecordFilter::Parse(reader);
  ASSERT_TRUE(filter.ok());
  std::string command = MakeRecord(1, ValueType::kJob, RecordType::kCommand);
  EXPECT_TRUE(filter->Accepts(View(command)));
  EXPECT_TRUE(RecordFilter().Accepts(View(command)));
}

TEST(RecordFilterTest, FiltersByRecordTypeAndValueTypeWithZeebeNames) {
  json args = {{"recordTypes", {"EVENT"}}, {"valueTypes", {"JOB", "PROCESS_INSTANCE"}}};
  ArgumentReader reader("x", args);
  Result<RecordFilter> filter = RecordFilter::Parse(reader);
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_TRUE(reader.RejectUnread().ok());
  EXPECT_TRUE(filter->Accepts(View(MakeRecord(1, ValueType::kJob))));
  EXPECT_TRUE(filter->Accepts(View(MakeRecord(1, ValueType::kProcessInstance))));
  EXPECT_FALSE(filter->Accepts(View(MakeRecord(1, ValueType::kMessage))));
  EXPECT_FALSE(filter->Accepts(View(MakeRecord(1, ValueType::kJob, RecordType::kCommand))));
  EXPECT_FALSE(
      filter->Accepts(View(MakeRecord(1, ValueType::kJob, RecordType::kCommandRejection))));
}

TEST(RecordFilterTest, AnUnknownNameIsAnErrorNamingIt) {
  json args = {{"valueTypes", {"JOB", "JOBS"}}};
  ArgumentReader reader("redis", args);
  Result<RecordFilter> filter = RecordFilter::Parse(reader);
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().message(),
            "exporter 'redis': setting 'valueTypes': unknown name 'JOBS'");

  json not_list = {{"recordTypes", "EVENT"}};
  ArgumentReader reader2("redis", not_list);
  EXPECT_THAT(RecordFilter::Parse(reader2).status().message(), HasSubstr("'recordTypes'"));
}

}  // namespace
}  // namespace waggle::exporters
