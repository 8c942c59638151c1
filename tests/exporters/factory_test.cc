#include "exporters/factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace waggle::exporters {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(FactoryTest, RejectsUnknownTypesAndDuplicateIds) {
  Status s = LoadExporter({"es", "elasticsearch", json::object()}, 0).status();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("exporter 'es': unknown type 'elasticsearch'"));
  EXPECT_THAT(s.message(), HasSubstr("known types: 'file', 'redis'"));

  json ok = {{"directory", "/tmp"}};
  std::vector<ExporterConfig> configs = {{"a", "file", ok}, {"a", "file", ok}};
  EXPECT_THAT(ValidateExporterConfigs(configs).message(), HasSubstr("'a' is configured twice"));
  configs.pop_back();
  EXPECT_TRUE(ValidateExporterConfigs(configs).ok());
  configs.push_back({"b", "file", json::array()});
  EXPECT_THAT(ValidateExporterConfigs(configs).message(),
              HasSubstr("exporter 'b': arguments must be an object"));
}

TEST(FactoryTest, BuildsTheRedisExporterAndChecksItsSettings) {
  auto load = [](json settings) { return LoadExporter({"redis", "redis", settings}, 1).status(); };
  EXPECT_TRUE(load(json::object()).ok());
  EXPECT_TRUE(load({{"host", "10.0.0.1"},
                    {"port", 6380},
                    {"streamPrefix", "w:"},
                    {"maxLen", 1000},
                    {"batchSize", 100},
                    {"flushIntervalMs", 10},
                    {"timeoutMs", 100},
                    {"recordTypes", {"EVENT"}}})
                  .ok());
  EXPECT_EQ(load({{"port", 70000}}).message(),
            "exporter 'redis': setting 'port': must be an integer in [1, 65535]");
  EXPECT_EQ(load({{"streamPrefix", ""}}).message(),
            "exporter 'redis': setting 'streamPrefix': must be a non-empty string");
  EXPECT_THAT(load({{"batchsize", 10}}).message(), HasSubstr("'batchsize': is not a setting"));
}

}  // namespace
}  // namespace waggle::exporters
