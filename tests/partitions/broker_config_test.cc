// Broker configuration: defaults, each source, precedence, and that every
// kind of invalid setting is refused with its name and the allowed values.
#include "partitions/config/broker_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace waggle::partitions {
namespace {

using std::chrono::milliseconds;

class BrokerConfigTest : public ::testing::Test {
 protected:
  Result<BrokerConfig> Load(std::vector<std::string> args = {}) {
    ConfigSources sources;
    sources.args = std::move(args);
    sources.environment = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return LoadBrokerConfig(sources);
  }

  std::string WriteYaml(const std::string& text) {
    const std::string path =
        (std::filesystem::temp_directory_path() /
         ("waggle-config-" + std::to_string(::getpid()) + "-" + std::to_string(files_++) + ".yaml"))
            .string();
    std::ofstream(path) << text;
    written_.push_back(path);
    return path;
  }

  void TearDown() override {
    for (const std::string& f : written_) std::filesystem::remove(f);
  }

  // The error of loading with `args`, which must fail.
  std::string ErrorOf(std::vector<std::string> args) {
    Result<BrokerConfig> c = Load(std::move(args));
    EXPECT_FALSE(c.ok());
    return c.ok() ? "" : c.status().message();
  }

  std::map<std::string, std::string> env_;
  std::vector<std::string> written_;
  int files_ = 0;
};

TEST_F(BrokerConfigTest, DefaultsAreZeebes) {
  Result<BrokerConfig> c = Load();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_id, 0);
  EXPECT_EQ(c->cluster_size, 1);
  EXPECT_EQ(c->partitions_count, 1);
  EXPECT_EQ(c->replication_factor, 1);
  EXPECT_EQ(c->command_api_port, 26501);
  EXPECT_EQ(c->internal_api_port, 26502);
  EXPECT_EQ(c->monitoring_api_port, 9600);
  EXPECT_EQ(c->heartbeat_interval, milliseconds(250));
  EXPECT_EQ(c->election_timeout, milliseconds(2500));
  EXPECT_EQ(c->snapshot_period, milliseconds(5 * 60 * 1000));
  EXPECT_EQ(c->free_space_processing_bytes, 2LL << 30);
  EXPECT_EQ(c->free_space_replication_bytes, 1LL << 30);
  EXPECT_TRUE(c->priority_election);
  EXPECT_EQ(c->CommandAddressOf(0), "0.0.0.0:26501");
}

TEST_F(BrokerConfigTest, EnvironmentNamesMirrorZeebes) {
  EXPECT_EQ(EnvironmentVariableOf("cluster.nodeId"), "WAGGLE_BROKER_CLUSTER_NODEID");
  EXPECT_EQ(EnvironmentVariableOf("cluster.raft.heartbeatInterval"),
            "WAGGLE_BROKER_CLUSTER_RAFT_HEARTBEATINTERVAL");
  EXPECT_EQ(EnvironmentVariableOf("network.commandApi.port"),
            "WAGGLE_BROKER_NETWORK_COMMANDAPI_PORT");
}

TEST_F(BrokerConfigTest, YamlThenEnvironmentThenFlagsWin) {
  const std::string file = WriteYaml(R"(
waggle:
  broker:
    cluster:
      nodeId: 1
      clusterSize: 3
      partitionsCount: 3
      replicationFactor: 3
      initialContactPoints: [ "a:26502", "b:26502", "c:26502" ]
      raft:
        heartbeatInterval: 100ms
        electionTimeout: 1s
    network:
      advertisedHost: b
    data:
      directory: /var/lib/waggle
      snapshotPeriod: 1m
      disk:
        freeSpace:
          processing: 3GB
    exporters:
      es:
        className: io.camunda.zeebe.exporter.ElasticsearchExporter
        args:
          url: http://es:9200
          bulk: { size: 100, delay: "5", enabled: true }
)");
  env_["WAGGLE_BROKER_CLUSTER_PARTITIONSCOUNT"] = "5";
  env_["WAGGLE_BROKER_CLUSTER_NODEID"] = "2";
  Result<BrokerConfig> c = Load({"--config", file, "--cluster.nodeId=0"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_id, 0);           // flag beats environment beats file
  EXPECT_EQ(c->partitions_count, 5);  // environment beats file
  EXPECT_EQ(c->replication_factor, 3);
  EXPECT_EQ(c->contact_points, (std::vector<std::string>{"a:26502", "b:26502", "c:26502"}));
  EXPECT_EQ(c->heartbeat_interval, milliseconds(100));
  EXPECT_EQ(c->election_timeout, milliseconds(1000));
  EXPECT_EQ(c->data_directory, "/var/lib/waggle");
  EXPECT_EQ(c->snapshot_period, milliseconds(60'000));
  EXPECT_EQ(c->free_space_processing_bytes, 3LL << 30);
  ASSERT_EQ(c->exporters.size(), 1u);
  EXPECT_EQ(c->exporters[0].id, "es");
  EXPECT_EQ(c->exporters[0].type, "io.camunda.zeebe.exporter.ElasticsearchExporter");
  EXPECT_EQ(c->exporters[0].args,
            R"({"bulk":{"delay":"5","enabled":true,"size":100},"url":"http://es:9200"})");
  EXPECT_EQ(c->AdvertisedHost(), "b");
  // A peer's command API: its contact point host, one below its internal port.
  EXPECT_EQ(c->CommandAddressOf(2), "c:26501");
}

TEST_F(BrokerConfigTest, ConfigFileFromEnvironment) {
  env_["WAGGLE_BROKER_CONFIG"] = WriteYaml("waggle:\n  broker:\n    cluster:\n      nodeId: 0\n");
  EXPECT_TRUE(Load().ok());
  env_["WAGGLE_BROKER_CONFIG"] = "/nonexistent/waggle.yaml";
  EXPECT_FALSE(Load().ok());
}

TEST_F(BrokerConfigTest, BadNumberNamesSettingSourceAndRange) {
  env_["WAGGLE_BROKER_CLUSTER_PARTITIONSCOUNT"] = "zero";
  Result<BrokerConfig> c = Load();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "cluster.partitionsCount (environment WAGGLE_BROKER_CLUSTER_PARTITIONSCOUNT): "
            "allowed: a whole number from 1 to 8191; got 'zero'");
}

TEST_F(BrokerConfigTest, EachKindOfBadValueIsRefused) {
  EXPECT_EQ(ErrorOf({"--network.commandApi.port", "70000"}),
            "network.commandApi.port (flag --network.commandApi.port): allowed: a port from 0 to "
            "65535; got '70000'");
  EXPECT_NE(ErrorOf({"--cluster.raft.heartbeatInterval=soon"}).find("allowed: a positive duration"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--data.disk.freeSpace.processing=lots"}).find("allowed: a size"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--cluster.raft.enablePriorityElection=yes"}).find("allowed: true, false"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--backpressure.algorithm=vegas"}).find("allowed: aimd"), std::string::npos);
  EXPECT_TRUE(Load({"--backpressure.algorithm=aimd"}).ok());
  EXPECT_NE(ErrorOf({"--cluster.initialContactPoints=a:1,b"}).find("host:port"), std::string::npos);
  EXPECT_NE(ErrorOf({"--data.directory="}).find("data.directory"), std::string::npos);
  EXPECT_EQ(ErrorOf({"--cluster.nodeid=1"}),
            "unknown setting 'cluster.nodeid' (flag --cluster.nodeid)");
  EXPECT_NE(ErrorOf({"stray"}).find("unexpected argument 'stray'"), std::string::npos);
  EXPECT_NE(ErrorOf({"--cluster.nodeId"}).find("needs a value"), std::string::npos);
}

TEST_F(BrokerConfigTest, LogFormatIsTextOrJson) {
  EXPECT_EQ(Load()->log_format, LogFormat::kText);
  env_["WAGGLE_BROKER_LOG_FORMAT"] = "json";
  EXPECT_EQ(Load()->log_format, LogFormat::kJson);
  EXPECT_EQ(ErrorOf({"--log.format=xml"}),
            "log.format (flag --log.format): allowed: text, json; got 'xml'");
}

TEST(LogLineTest, TextOrOneJsonObject) {
  // 2026-11-22T08:15:02.123Z
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1795335302123)};
  EXPECT_EQ(FormatLogLine(LogFormat::kText, t, "broker 1", "partition 2: ready"),
            "08:15:02.123 broker 1: partition 2: ready");
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, t, "broker 1", "say \"hi\"\n"),
            R"({"level":"INFO","logger":"broker 1","message":"say \"hi\"\n",)"
            R"("timestamp":"2026-11-22T08:15:02.123Z"})");
  // Bytes that are not UTF-8 do not make the line invalid JSON.
  EXPECT_NE(FormatLogLine(LogFormat::kJson, t, "b", "\xff").find("\"message\":\""),
            std::string::npos);
}

TEST_F(BrokerConfigTest, InconsistentSettingsAreRefused) {
  EXPECT_EQ(ErrorOf({"--cluster.nodeId=3", "--cluster.clusterSize=3",
                     "--cluster.initialContactPoints=a:1,b:1,c:1"}),
            "cluster.nodeId: allowed: 0 to clusterSize - 1 = 2; got 3");
  EXPECT_EQ(ErrorOf({"--cluster.replicationFactor=2"}),
            "cluster.replicationFactor: allowed: 1 to clusterSize = 1; got 2");
  EXPECT_NE(ErrorOf({"--cluster.clusterSize=3"})
                .find("cluster.initialContactPoints: allowed: one "
                      "host:port per broker"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--cluster.raft.electionTimeout=100ms"}).find("cluster.raft.electionTimeout"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--data.disk.freeSpace.replication=5GB"}).find("data.disk.freeSpace"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--network.internalApi.port=26501"}).find("network.internalApi.port"),
            std::string::npos);
}

TEST_F(BrokerConfigTest, BadYamlIsRefused) {
  EXPECT_NE(ErrorOf({"--config", WriteYaml("waggle: [unclosed")}).find("config file"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--config", WriteYaml("zeebe:\n  broker: {}\n")}).find("waggle.broker"),
            std::string::npos);
  EXPECT_EQ(ErrorOf({"--config", WriteYaml("waggle:\n  broker:\n    cluster:\n      nodeid: 1\n")})
                .rfind("unknown setting 'cluster.nodeid' (file ", 0),
            0u);
  EXPECT_NE(ErrorOf({"--config", WriteYaml("waggle:\n  broker:\n    exporters:\n      x: {}\n")})
                .find("exporters.x.type"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--config",
                     WriteYaml("waggle:\n  broker:\n    exporters:\n      x: {type: t, jar: j}\n")})
                .find("exporters.x.jar"),
            std::string::npos);
}

}  // namespace
}  // namespace waggle::partitions
