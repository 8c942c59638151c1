#include "partitions/config/broker_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace waggle::partitions {

namespace {

using std::chrono::milliseconds;

// Parses one value into the config, or says what is allowed (the caller
// adds the setting's name and source).
using Setter = std::function<Status(BrokerConfig&, const std::string&)>;

struct Setting {
  const char* path;
  Setter set;
};

Status Invalid(const std::string& allowed, const std::string& value) {
  return Status::InvalidArgument("allowed: " + allowed + "; got '" + value + "'");
}

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A number followed by a unit from `units` (suffix -> multiplier); a bare
// number takes `bare_unit`.
std::optional<int64_t> ParseWithUnit(std::string text, const std::map<std::string, int64_t>& units,
                                     int64_t bare_unit) {
  text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return c == ' '; }),
             text.end());
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) digits++;
  if (digits == 0) return std::nullopt;
  std::optional<int64_t> number = ParseInt(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string unit = text.substr(digits);
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (unit.empty()) return *number * bare_unit;
  auto it = units.find(unit);
  if (it == units.end()) return std::nullopt;
  return *number * it->second;
}

Setter IntSetting(int32_t BrokerConfig::*field, int64_t min, int64_t max) {
  return [=](BrokerConfig& c, const std::string& v) {
    std::optional<int64_t> n = ParseInt(v);
    if (!n || *n < min || *n > max) {
      return Invalid("a whole number from " + std::to_string(min) + " to " + std::to_string(max),
                     v);
    }
    c.*field = static_cast<int32_t>(*n);
    return Status::OK();
  };
}

Setter PortSetting(int BrokerConfig::*field) {
  return [=](BrokerConfig& c, const std::string& v) {
    std::optional<int64_t> n = ParseInt(v);
    if (!n || *n < 0 || *n > 65535) return Invalid("a port from 0 to 65535", v);
    c.*field = static_cast<int>(*n);
    return Status::OK();
  };
}

Setter DurationSetting(milliseconds BrokerConfig::*field) {
  return [=](BrokerConfig& c, const std::string& v) {
    static const std::map<std::string, int64_t> kUnits = {
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
    std::optional<int64_t> ms = ParseWithUnit(v, kUnits, 1);
    if (!ms || *ms <= 0) {
      return Invalid("a positive duration such as 250ms, 5s, 5m or 1h (a bare number is ms)", v);
    }
    c.*field = milliseconds(*ms);
    return Status::OK();
  };
}

Setter SizeSetting(int64_t BrokerConfig::*field) {
  return [=](BrokerConfig& c, const std::string& v) {
    static const std::map<std::string, int64_t> kUnits = {
        {"b", 1}, {"kb", 1LL << 10}, {"mb", 1LL << 20}, {"gb", 1LL << 30}};
    std::optional<int64_t> bytes = ParseWithUnit(v, kUnits, 1);
    if (!bytes) return Invalid("a size such as 512MB or 2GB (a bare number is bytes)", v);
    c.*field = *bytes;
    return Status::OK();
  };
}

Setter BoolSetting(bool BrokerConfig::*field) {
  return [=](BrokerConfig& c, const std::string& v) {
    if (v == "true") {
      c.*field = true;
    } else if (v == "false") {
      c.*field = false;
    } else {
      return Invalid("true, false", v);
    }
    return Status::OK();
  };
}

Setter StringSetting(std::string BrokerConfig::*field, bool allow_empty) {
  return [=](BrokerConfig& c, const std::string& v) {
    if (!allow_empty && v.empty()) return Invalid("a non-empty string", v);
    c.*field = v;
    return Status::OK();
  };
}

// host:port with a non-empty host and a port from 1 to 65535.
bool IsAddress(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::optional<int64_t> port = ParseInt(text.substr(colon + 1));
  return port && *port >= 1 && *port <= 65535;
}

Status SetContactPoints(BrokerConfig& c, const std::string& v) {
  c.contact_points.clear();
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    if (!IsAddress(item)) return Invalid("a comma-separated list of host:port", v);
    c.contact_points.push_back(item);
  }
  return Status::OK();
}

Status SetAlgorithm(BrokerConfig&, const std::string& v) {
  if (v != "aimd") return Invalid("aimd (the only limit algorithm waggle implements)", v);
  return Status::OK();
}

Status SetLogFormat(BrokerConfig& c, const std::string& v) {
  std::optional<LogFormat> format = ParseLogFormat(v);
  if (!format) return Invalid("text, json", v);
  c.log_format = *format;
  return Status::OK();
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kSettings = {
      {"cluster.nodeId", IntSetting(&BrokerConfig::node_id, 0, 8191)},
      {"cluster.clusterSize", IntSetting(&BrokerConfig::cluster_size, 1, 8192)},
      {"cluster.partitionsCount", IntSetting(&BrokerConfig::partitions_count, 1, 8191)},
      {"cluster.replicationFactor", IntSetting(&BrokerConfig::replication_factor, 1, 8192)},
      {"cluster.initialContactPoints", SetContactPoints},
      {"cluster.clusterName", StringSetting(&BrokerConfig::cluster_name, false)},
      {"cluster.raft.heartbeatInterval", DurationSetting(&BrokerConfig::heartbeat_interval)},
      {"cluster.raft.electionTimeout", DurationSetting(&BrokerConfig::election_timeout)},
      {"cluster.raft.enablePriorityElection", BoolSetting(&BrokerConfig::priority_election)},
      {"network.host", StringSetting(&BrokerConfig::host, false)},
      {"network.advertisedHost", StringSetting(&BrokerConfig::advertised_host, true)},
      {"network.commandApi.port", PortSetting(&BrokerConfig::command_api_port)},
      {"network.internalApi.port", PortSetting(&BrokerConfig::internal_api_port)},
      {"network.monitoringApi.port", PortSetting(&BrokerConfig::monitoring_api_port)},
      {"data.directory", StringSetting(&BrokerConfig::data_directory, false)},
      {"data.snapshotPeriod", DurationSetting(&BrokerConfig::snapshot_period)},
      {"data.disk.freeSpace.processing", SizeSetting(&BrokerConfig::free_space_processing_bytes)},
      {"data.disk.freeSpace.replication", SizeSetting(&BrokerConfig::free_space_replication_bytes)},
      {"data.fsync", BoolSetting(&BrokerConfig::fsync)},
      {"backpressure.enabled", BoolSetting(&BrokerConfig::backpressure_enabled)},
      {"backpressure.algorithm", SetAlgorithm},
      {"log.format", SetLogFormat},
  };
  return kSettings;
}

const Setting* FindSetting(const std::string& path) {
  for (const Setting& s : Settings()) {
    if (path == s.path) return &s;
  }
  return nullptr;
}

Status Apply(BrokerConfig& config, const std::string& path, const std::string& value,
             const std::string& source) {
  const Setting* setting = FindSetting(path);
  if (setting == nullptr) {
    return Status::InvalidArgument("unknown setting '" + path + "' (" + source + ")");
  }
  Status s = setting->set(config, value);
  if (!s.ok()) return Status::InvalidArgument(path + " (" + source + "): " + s.message());
  return Status::OK();
}

// An unquoted YAML scalar as YAML's core schema reads it: an integer or a
// boolean when it spells one (exporter settings such as `port: 6379` are
// integers to the exporters), else a string. Quoted scalars stay strings.
nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return text;
  if (text == "true" || text == "false") return text == "true";
  int64_t value = 0;
  const char* begin = text.data() + (text.starts_with('+') ? 1 : 0);
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (!text.empty() && error == std::errc() && end == text.data() + text.size()) return value;
  return text;
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: return ScalarToJson(node);
    default: return nullptr;
  }
}

Status ApplyExporters(BrokerConfig& config, const YAML::Node& node, const std::string& source) {
  if (!node.IsMap()) {
    return Status::InvalidArgument("exporters (" + source +
                                   "): allowed: a mapping of exporter id to {type, args}");
  }
  for (const auto& kv : node) {
    ExporterConfig exporter;
    exporter.id = kv.first.as<std::string>();
    const std::string where = "exporters." + exporter.id;
    for (const auto& field : kv.second) {
      const std::string name = field.first.as<std::string>();
      if ((name == "type" || name == "className") && field.second.IsScalar()) {
        exporter.type = field.second.Scalar();
      } else if (name == "args" && (field.second.IsMap() || field.second.IsNull())) {
        exporter.args = field.second.IsNull() ? "{}" : YamlToJson(field.second).dump();
      } else {
        return Status::InvalidArgument(where + "." + name + " (" + source +
                                       "): allowed fields: type (or className), args (a mapping)");
      }
    }
    if (exporter.type.empty()) {
      return Status::InvalidArgument(where + ".type (" + source + "): allowed: a non-empty type");
    }
    config.exporters.push_back(std::move(exporter));
  }
  return Status::OK();
}

// Applies every leaf under `node` (below waggle.broker) at `prefix`.
Status ApplyYaml(BrokerConfig& config, const YAML::Node& node, const std::string& prefix,
                 const std::string& source) {
  if (prefix == "exporters") return ApplyExporters(config, node, source);
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      Status s = ApplyYaml(config, kv.second, prefix.empty() ? key : prefix + "." + key, source);
      if (!s.ok()) return s;
    }
    return Status::OK();
  }
  if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) {
      if (!item.IsScalar()) return Apply(config, prefix, "<nested list>", source);
      joined += (joined.empty() ? "" : ",") + item.Scalar();
    }
    return Apply(config, prefix, joined, source);
  }
  return Apply(config, prefix, node.IsNull() ? "" : node.Scalar(), source);
}

Status LoadYamlFile(BrokerConfig& config, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("config file " + file + ": " + e.what());
  }
  const std::string source = "file " + file;
  if (root.IsNull()) return Status::OK();
  YAML::Node broker = root["waggle"] ? root["waggle"]["broker"] : YAML::Node();
  if (!root.IsMap() || root.size() != 1 || !broker || !broker.IsMap()) {
    return Status::InvalidArgument("config file " + file +
                                   ": allowed: a mapping with settings under waggle.broker");
  }
  return ApplyYaml(config, broker, "", source);
}

Status Validate(const BrokerConfig& c) {
  auto fail = [](const std::string& path, const std::string& why) {
    return Status::InvalidArgument(path + ": " + why);
  };
  if (c.node_id >= c.cluster_size) {
    return fail("cluster.nodeId",
                "allowed: 0 to clusterSize - 1 = " + std::to_string(c.cluster_size - 1) + "; got " +
                    std::to_string(c.node_id));
  }
  if (c.replication_factor > c.cluster_size) {
    return fail("cluster.replicationFactor",
                "allowed: 1 to clusterSize = " + std::to_string(c.cluster_size) + "; got " +
                    std::to_string(c.replication_factor));
  }
  if (c.cluster_size > 1 && static_cast<int32_t>(c.contact_points.size()) != c.cluster_size) {
    return fail("cluster.initialContactPoints",
                "allowed: one host:port per broker in node-id order (" +
                    std::to_string(c.cluster_size) + "); got " +
                    std::to_string(c.contact_points.size()));
  }
  if (c.election_timeout <= c.heartbeat_interval) {
    return fail("cluster.raft.electionTimeout",
                "allowed: longer than cluster.raft.heartbeatInterval (" +
                    std::to_string(c.heartbeat_interval.count()) + "ms); got " +
                    std::to_string(c.election_timeout.count()) + "ms");
  }
  if (c.free_space_replication_bytes > c.free_space_processing_bytes) {
    return fail("data.disk.freeSpace.replication",
                "allowed: at most data.disk.freeSpace.processing (" +
                    std::to_string(c.free_space_processing_bytes) + " bytes); got " +
                    std::to_string(c.free_space_replication_bytes));
  }
  if (c.command_api_port != 0 && c.command_api_port == c.internal_api_port) {
    return fail("network.internalApi.port", "allowed: a port other than network.commandApi.port");
  }
  return Status::OK();
}

std::optional<std::string> ProcessEnvironment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

}  // namespace

std::string BrokerConfig::CommandAddressOf(int32_t node) const {
  if (node == node_id && contact_points.empty()) {
    return AdvertisedHost() + ":" + std::to_string(command_api_port);
  }
  const std::string& internal = contact_points.at(node);
  const size_t colon = internal.rfind(':');
  const int port = std::stoi(internal.substr(colon + 1)) - (internal_api_port - command_api_port);
  return internal.substr(0, colon) + ":" + std::to_string(port);
}

std::string EnvironmentVariableOf(const std::string& path) {
  std::string name = "WAGGLE_BROKER_";
  for (char c : path) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

Result<BrokerConfig> LoadBrokerConfig(const ConfigSources& sources) {
  BrokerConfig config;
  auto environment = sources.environment ? sources.environment : ProcessEnvironment;

  // Flags are parsed first (to find --config) but applied last.
  std::vector<std::pair<std::string, std::string>> flags;
  std::optional<std::string> config_file = environment("WAGGLE_BROKER_CONFIG");
  for (size_t i = 0; i < sources.args.size(); ++i) {
    const std::string& arg = sources.args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return Status::InvalidArgument("unexpected argument '" + arg +
                                     "' (flags look like --cluster.nodeId=1)");
    }
    std::string name = arg.substr(2);
    std::string value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < sources.args.size()) {
      value = sources.args[++i];
    } else {
      return Status::InvalidArgument("flag --" + name + " needs a value");
    }
    if (name == "config") {
      config_file = value;
    } else {
      flags.emplace_back(name, value);
    }
  }

  if (config_file) {
    if (Status s = LoadYamlFile(config, *config_file); !s.ok()) return s;
  }
  for (const Setting& setting : Settings()) {
    const std::string variable = EnvironmentVariableOf(setting.path);
    if (std::optional<std::string> value = environment(variable)) {
      if (Status s = Apply(config, setting.path, *value, "environment " + variable); !s.ok()) {
        return s;
      }
    }
  }
  for (const auto& [name, value] : flags) {
    if (Status s = Apply(config, name, value, "flag --" + name); !s.ok()) return s;
  }
  if (Status s = Validate(config); !s.ok()) return s;
  return config;
}

std::string Describe(const BrokerConfig& c) {
  std::ostringstream out;
  std::string contact_points;
  for (const std::string& p : c.contact_points) {
    contact_points += (contact_points.empty() ? "" : ",") + p;
  }
  out << "cluster.nodeId=" << c.node_id << " cluster.clusterSize=" << c.cluster_size
      << " cluster.partitionsCount=" << c.partitions_count
      << " cluster.replicationFactor=" << c.replication_factor
      << " cluster.initialContactPoints=" << contact_points
      << " network.advertisedHost=" << c.AdvertisedHost()
      << " network.commandApi.port=" << c.command_api_port
      << " network.internalApi.port=" << c.internal_api_port
      << " data.directory=" << c.data_directory << " exporters=" << c.exporters.size();
  return out.str();
}

}  // namespace waggle::partitions
