#include "partitions/log_batch.h"

#include <gtest/gtest.h>

namespace waggle::partitions {
namespace {

TEST(LogBatchTest, RoundTrip) {
  std::string data = EncodeLogBatch(42, {"a", "", "ccc"});
  Result<LogBatch> batch = DecodeLogBatch(data);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->first_position, 42);
  EXPECT_EQ(batch->last_position(), 44);
  EXPECT_EQ(batch->records, (std::vector<std::string_view>{"a", "", "ccc"}));
}

TEST(LogBatchTest, DamageIsCorruption) {
  std::string data = EncodeLogBatch(1, {"abc", "de"});
  for (size_t cut = 0; cut < data.size(); ++cut) {
    EXPECT_EQ(DecodeLogBatch(data.substr(0, cut)).status().code(), Status::Code::kCorruption)
        << "cut at " << cut;
  }
  EXPECT_EQ(DecodeLogBatch(data + "x").status().code(), Status::Code::kCorruption);
  std::string empty(12, '\0');  // first position 0, no records
  EXPECT_EQ(DecodeLogBatch(empty).status().code(), Status::Code::kCorruption);
}

TEST(LogBatchTest, ExporterPositionsRoundTripAndAreNoBatch) {
  ExporterPositions positions;
  positions["file"] = {42, std::nullopt};
  positions["redis"] = {7, std::string("meta\0data", 9)};
  positions["empty-metadata"] = {-1, std::string()};
  const std::string data = EncodeExporterPositions(positions);
  EXPECT_TRUE(IsExporterPositions(data));
  EXPECT_FALSE(IsExporterPositions(EncodeLogBatch(1, {"r"})));
  Result<ExporterPositions> decoded = DecodeExporterPositions(data);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, positions);
  for (size_t cut = 0; cut < data.size(); ++cut) {
    EXPECT_EQ(DecodeExporterPositions(data.substr(0, cut)).status().code(),
              Status::Code::kCorruption)
        << "cut at " << cut;
  }
  EXPECT_EQ(DecodeExporterPositions(data + "x").status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waggle::partitions
