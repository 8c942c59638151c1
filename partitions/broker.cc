#include "partitions/broker.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "exporters/factory.h"
#include "partitions/command_api.h"
#include "partitions/command_client.h"
#include "partitions/metrics/broker_monitoring.h"
#include "partitions/placement.h"
#include "replication/driver/multi_raft.h"
#include "replication/driver/transport_bus.h"
#include "replication/transport/transport.h"

namespace waggle::partitions {

using std::chrono::milliseconds;

namespace {

// The configured exporters in the exporters module's terms, each validated
// (its type exists and its settings are right) so that a bad one stops the
// broker at start.
Result<std::vector<exporters::ExporterConfig>> ExporterConfigsOf(const BrokerConfig& c) {
  std::vector<exporters::ExporterConfig> configs;
  for (const ExporterConfig& e : c.exporters) {
    nlohmann::json args = nlohmann::json::parse(e.args, nullptr, false);
    if (args.is_discarded()) {
      return Status::InvalidArgument("exporters." + e.id + ".args: not a mapping");
    }
    configs.push_back({e.id, e.type, std::move(args)});
  }
  if (Status s = exporters::ValidateExporterConfigs(configs); !s.ok()) return s;
  return configs;
}

}  // namespace

class Broker::Impl {
 public:
  Impl(BrokerConfig config, EngineFactory factory)
      : config(std::move(config)), engine_factory(std::move(factory)) {}

  BrokerConfig config;
  EngineFactory engine_factory;
  std::vector<PartitionPlacement> placement;
  std::atomic<replication::MultiRaft*> driver_ptr{nullptr};
  std::unique_ptr<transport::Transport> transport;
  std::unique_ptr<replication::TransportBus> bus;
  std::unique_ptr<replication::MultiRaft> driver;
  std::unique_ptr<CommandApiServer> server;
  std::unique_ptr<CommandClient> client;
  std::unique_ptr<BrokerMonitoring> monitoring;
  bool started = false;
  bool stopped = false;

  // One line per event: UTC time, broker, what happened (log.format).
  void Log(const std::string& line) const {
    const std::string formatted = FormatLogLine(config.log_format, std::chrono::system_clock::now(),
                                                "broker " + std::to_string(config.node_id), line);
    std::printf("%s\n", formatted.c_str());
    std::fflush(stdout);
  }
};

Broker::Broker(BrokerConfig config, EngineFactory engine_factory)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(engine_factory))) {}

Broker::~Broker() {
  Stop(milliseconds(0));
}

int Broker::command_port() const {
  return impl_->server ? impl_->server->port() : 0;
}

int Broker::monitoring_port() const {
  return impl_->monitoring ? impl_->monitoring->port() : 0;
}

Status Broker::Start() {
  Impl& b = *impl_;
  const BrokerConfig& c = b.config;
  b.started = true;
  b.placement = PlacePartitions(c.cluster_size, c.partitions_count, c.replication_factor);
  b.Log("starting: " + Describe(c));
  Result<std::vector<exporters::ExporterConfig>> exporter_configs = ExporterConfigsOf(c);
  if (!exporter_configs.ok()) return exporter_configs.status();
  // First, so that probes are answered while the partitions replay.
  b.monitoring = std::make_unique<BrokerMonitoring>(c.host, c.monitoring_api_port);
  if (Status s = b.monitoring->Start(); !s.ok()) return s;

  std::map<raft::NodeId, std::string> peers;
  for (int32_t node = 0; node < static_cast<int32_t>(c.contact_points.size()); ++node) {
    if (node != c.node_id) peers[RaftIdOf(node)] = c.contact_points[node];
  }
  transport::Transport::Options transport_options;
  transport_options.on_peer_unreachable = [&b](raft::NodeId peer) {
    if (auto* d = b.driver_ptr.load()) d->ReportUnreachable(peer);
  };
  b.transport = std::make_unique<transport::Transport>(
      RaftIdOf(c.node_id), c.host + ":" + std::to_string(c.internal_api_port), peers,
      transport_options, [&b](raft::NodeId from, std::vector<transport::GroupMessage>&& m) {
        if (auto* d = b.driver_ptr.load()) d->Deliver(from, std::move(m));
      });
  b.bus = std::make_unique<replication::TransportBus>(b.transport.get());

  // Raft time is counted in ticks; a tick of at most 50 ms keeps the
  // configured intervals accurate to a tick.
  const milliseconds tick = std::min(milliseconds(50), c.heartbeat_interval / 2 + milliseconds(1));
  replication::DriverOptions driver_options;
  driver_options.self = RaftIdOf(c.node_id);
  driver_options.tick_interval = tick;
  driver_options.on_journal_io = b.monitoring->JournalIoHook();
  b.driver = std::make_unique<replication::MultiRaft>(driver_options, b.bus.get());

  b.client = std::make_unique<CommandClient>(c, [this](int32_t partition_id) {
    for (const auto& p : partitions_) {
      if (p->id() != partition_id) continue;
      const raft::NodeId leader = p->status().leader;
      return leader == raft::kNoNode ? -1 : NodeIdOf(leader);
    }
    return -1;
  });
  CommandApiServer::Hooks hooks;
  hooks.partition = [this](int32_t id) -> Partition* {
    for (const auto& p : partitions_) {
      if (p->id() == id) return p.get();
    }
    return nullptr;
  };
  hooks.partitions = [this] {
    std::vector<Partition*> out;
    for (const auto& p : partitions_) out.push_back(p.get());
    return out;
  };
  b.server = std::make_unique<CommandApiServer>(c, hooks);

  for (const PartitionPlacement& placement : b.placement) {
    const bool member =
        std::any_of(placement.members.begin(), placement.members.end(),
                    [&](const PartitionMember& m) { return m.node_id == c.node_id; });
    if (!member) continue;
    const int32_t id = placement.partition_id;
    PartitionOptions options;
    options.partition_id = id;
    options.dir = c.data_directory + "/partition-" + std::to_string(id);
    options.engine_factory = b.engine_factory;
    options.clock = [] {
      return std::chrono::duration_cast<milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    options.send_command = [&b](int32_t partition, std::string command,
                                std::function<void(Status)> done) {
      b.client->Send(partition, std::move(command), std::move(done));
    };
    options.on_committed = [&b](int32_t partition) { b.server->NotifyCommitted(partition); };
    options.on_jobs_available = [&b](int32_t partition, const std::vector<std::string>& types) {
      b.server->NotifyJobsAvailable(partition, types);
    };
    options.log = [&b](const std::string& line) { b.Log(line); };
    options.snapshot_period = c.snapshot_period;
    options.backpressure = c.backpressure_enabled;
    options.min_free_disk_bytes = c.free_space_processing_bytes;
    options.min_free_replication_bytes = c.free_space_replication_bytes;
    options.exporters = *exporter_configs;
    if (placement.members.front().node_id == c.node_id) {
      options.campaign_when_fresh_after = c.heartbeat_interval;
    }
    options.observer = b.monitoring->AddPartition(id);

    replication::GroupOptions group;
    group.id = static_cast<replication::GroupId>(id);
    group.raft.id = RaftIdOf(c.node_id);
    group.raft.members = RaftMembers(placement);
    if (c.priority_election) group.raft.priorities = RaftPriorities(placement);
    group.raft.heartbeat_ticks = std::max<int>(1, c.heartbeat_interval / tick);
    group.raft.election_ticks =
        std::max<int>(group.raft.heartbeat_ticks + 1, c.election_timeout / tick);
    group.raft.random_seed = RaftIdOf(c.node_id) * 7919 + id;
    group.dir = c.data_directory + "/raft-partition-" + std::to_string(id);
    group.journal.flush =
        c.fsync ? journal::FlushPolicy::kEveryBatch : journal::FlushPolicy::kNever;

    auto partition = std::make_unique<Partition>(options, b.driver.get());
    if (Status s = partition->Open(group); !s.ok()) {
      b.Log("partition " + std::to_string(id) + " cannot open: " + s.ToString());
      return s;
    }
    partitions_.push_back(std::move(partition));
  }
  b.driver_ptr = b.driver.get();
  if (Status s = b.server->Start(); !s.ok()) return s;
  if (Status s = b.transport->Start(); !s.ok()) return s;
  if (Status s = b.driver->Start(); !s.ok()) return s;
  std::vector<Partition*> hosted_partitions;
  for (const auto& p : partitions_) hosted_partitions.push_back(p.get());
  b.monitoring->Attach(b.driver.get(), std::move(hosted_partitions));
  b.monitoring->SetExporterProgress([this](int32_t partition_id) {
    std::vector<ExporterProgress> progress;
    for (const auto& p : partitions_) {
      if (p->id() != partition_id) continue;
      // Lag against the committed log: the runner's own figure is as of its
      // last poll, stale while an exporter is stuck in Export.
      const PartitionStatus status = p->status();
      for (const exporters::ExporterStatus& e : status.exporters) {
        const int64_t position = e.acknowledged.position;
        progress.push_back({e.id, position, status.last_position - std::max<int64_t>(position, 0)});
      }
    }
    return progress;
  });
  std::string hosted;
  for (const auto& p : partitions_) hosted += (hosted.empty() ? "" : ",") + std::to_string(p->id());
  b.Log("ready: command API on " + c.host + ":" + std::to_string(b.server->port()) +
        ", internal API on " + c.host + ":" + std::to_string(c.internal_api_port) +
        ", monitoring on " + c.host + ":" + std::to_string(b.monitoring->port()) + ", partitions " +
        (hosted.empty() ? "none" : hosted) + ", data in " + c.data_directory);
  return Status::OK();
}

void Broker::Stop(milliseconds handover) {
  Impl& b = *impl_;
  if (!b.started || b.stopped) return;
  b.stopped = true;
  if (b.driver && handover.count() > 0) {
    // Hand each partition it leads to the next member in placement order.
    for (const auto& p : partitions_) {
      if (p->status().role != raft::Role::kLeader) continue;
      const auto& members = b.placement.at(p->id() - 1).members;
      for (const PartitionMember& m : members) {
        if (m.node_id == b.config.node_id) continue;
        b.Log("handing partition " + std::to_string(p->id()) + " over to broker " +
              std::to_string(m.node_id));
        b.driver->TransferLeadership(static_cast<replication::GroupId>(p->id()),
                                     RaftIdOf(m.node_id));
        break;
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + handover;
    while (std::chrono::steady_clock::now() < deadline &&
           std::any_of(partitions_.begin(), partitions_.end(),
                       [](const auto& p) { return p->status().role == raft::Role::kLeader; })) {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  if (b.client) b.client->Stop();
  if (b.driver) b.driver->Stop();
  for (const auto& p : partitions_) p->Stop();
  if (b.server) b.server->Stop();
  if (b.transport) b.transport->Stop();
  if (b.monitoring) b.monitoring->Stop();
  b.Log("stopped");
}

}  // namespace waggle::partitions
