// BrokerConfig: everything one broker is told at start, with Zeebe's names
// and defaults where waggle has the same concept.
//
// Sources, later ones winning (as Zeebe's Spring configuration):
//   1. the defaults below;
//   2. a YAML file (--config FILE), shaped like Zeebe's application.yaml but
//      rooted at `waggle.broker` instead of `zeebe.broker`;
//   3. environment variables: WAGGLE_BROKER_ + the setting's path upper-cased
//      with dots as underscores (cluster.nodeId -> WAGGLE_BROKER_CLUSTER_NODEID),
//      mirroring Zeebe's ZEEBE_BROKER_* names;
//   4. command-line flags: --cluster.nodeId=1 or --cluster.nodeId 1.
// Every setting is named by its path (see kSettings in broker_config.cc).
// An unknown setting or an invalid value is an error that names the setting,
// where it came from and the allowed values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/log_line.h"
#include "common/status.h"

namespace waggle::partitions {

// An exporter as configured; the exporters module interprets it. `args` is
// the YAML mapping under the exporter's `args`, as JSON text ("{}" if none).
struct ExporterConfig {
  std::string id;
  std::string type;  // Zeebe's className
  std::string args = "{}";
  bool operator==(const ExporterConfig&) const = default;
};

struct BrokerConfig {
  // cluster.*
  int32_t node_id = 0;  // 0-based, as in Zeebe; Raft member id is node_id + 1
  int32_t cluster_size = 1;
  int32_t partitions_count = 1;
  int32_t replication_factor = 1;
  // Internal (Raft) addresses host:port of every broker, in node-id order.
  // Empty: a single broker. See command_address_of for how the command API
  // address of a peer is derived from it.
  std::vector<std::string> contact_points;
  std::string cluster_name = "waggle";
  std::chrono::milliseconds heartbeat_interval{250};
  std::chrono::milliseconds election_timeout{2500};
  bool priority_election = true;

  // network.*
  std::string host = "0.0.0.0";  // where servers bind
  std::string advertised_host;   // how others reach this broker; empty: host
  int command_api_port = 26501;
  int internal_api_port = 26502;
  int monitoring_api_port = 9600;

  // data.*
  std::string data_directory = "data";
  std::chrono::milliseconds snapshot_period{std::chrono::minutes(5)};
  int64_t free_space_processing_bytes = 2LL << 30;
  int64_t free_space_replication_bytes = 1LL << 30;
  bool fsync = true;  // waggle only: off for tests and benchmarks

  // backpressure.* (algorithm: aimd only; Zeebe's vegas is not implemented)
  bool backpressure_enabled = true;

  // log.format: text (default) or json (one JSON object per line)
  LogFormat log_format = LogFormat::kText;

  // exporters.<id>.{type,args}
  std::vector<ExporterConfig> exporters;

  // The advertised host, or host when none was set.
  std::string AdvertisedHost() const { return advertised_host.empty() ? host : advertised_host; }

  // The command API address of broker `node`. Brokers learn each other from
  // the contact points (internal addresses) only, so a peer's command API is
  // taken to be on the same host, as far below its internal port as this
  // broker's command port is below its own (Zeebe's defaults: 26501/26502).
  // REQUIRES: 0 <= node < cluster_size, contact points given or node == node_id.
  std::string CommandAddressOf(int32_t node) const;
};

// Where settings come from. `environment` looks a variable up (nullopt when
// unset); the default reads the process environment.
struct ConfigSources {
  std::vector<std::string> args;  // command-line flags, without the program
  std::function<std::optional<std::string>(const std::string&)> environment;
};

// Builds the configuration from all sources and validates it.
// InvalidArgument names the setting, its source and the allowed values.
Result<BrokerConfig> LoadBrokerConfig(const ConfigSources& sources);

// The environment variable of a setting path: cluster.nodeId ->
// WAGGLE_BROKER_CLUSTER_NODEID.
std::string EnvironmentVariableOf(const std::string& path);

// One line per setting with its value, for the broker's start-up log.
std::string Describe(const BrokerConfig& config);

}  // namespace waggle::partitions
