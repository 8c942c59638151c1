#include "partitions/metrics/broker_monitoring.h"

#include <cstdio>

#include "common/monitoring/process_metrics.h"
#include "partitions/metrics/broker_health.h"

namespace waggle::partitions {

BrokerMonitoring::BrokerMonitoring(std::string host, int port)
    : metrics_(std::make_shared<BrokerMetrics>()),
      server_(monitoring::MonitoringServer::Options{std::move(host), port}) {
  metrics_->SetSampler([this] { return Sample(); });
  server_.AddCollectable(metrics_);
  server_.AddCollectable(std::make_shared<monitoring::ProcessMetrics>());
  server_.Handle("/health", [] { return monitoring::ProbeResponse(true, "alive"); });
  server_.Handle("/startup", [this] {
    std::lock_guard lock(mu_);
    return monitoring::ProbeResponse(driver_ != nullptr,
                                     driver_ != nullptr ? "started" : "starting");
  });
  server_.Handle("/ready", [this] {
    {
      std::lock_guard lock(mu_);
      if (driver_ == nullptr) return monitoring::ProbeResponse(false, "starting");
    }
    const Readiness r = BrokerReadiness(Sample());
    return monitoring::ProbeResponse(r.ready, r.reason);
  });
  server_.Handle("/partitions", [this] {
    monitoring::HttpResponse r;
    r.content_type = "application/json";
    r.body = PartitionsDocument(Sample()).dump(2) + "\n";
    return r;
  });
  server_.Handle("/partitions/digest", [this] {
    monitoring::HttpResponse r;
    r.content_type = "application/json";
    r.body = Digests().dump(2) + "\n";
    return r;
  });
}

BrokerMonitoring::~BrokerMonitoring() {
  Stop();
}

Status BrokerMonitoring::Start() {
  return server_.Start();
}

std::shared_ptr<PartitionObserver> BrokerMonitoring::AddPartition(int32_t partition_id) {
  return metrics_->AddPartition(partition_id);
}

std::function<void(const replication::JournalIo&)> BrokerMonitoring::JournalIoHook() {
  return [metrics = metrics_](const replication::JournalIo& io) { metrics->OnJournalIo(io); };
}

void BrokerMonitoring::Attach(const replication::MultiRaft* driver,
                              std::vector<Partition*> partitions) {
  std::lock_guard lock(mu_);
  driver_ = driver;
  partitions_ = std::move(partitions);
}

void BrokerMonitoring::SetExporterProgress(
    std::function<std::vector<ExporterProgress>(int32_t)> progress) {
  std::lock_guard lock(mu_);
  exporter_progress_ = std::move(progress);
}

void BrokerMonitoring::Stop() {
  server_.Stop();
  // The server's threads are gone: nothing samples any more.
  std::lock_guard lock(mu_);
  driver_ = nullptr;
  partitions_.clear();
}

std::map<int32_t, PartitionSample> BrokerMonitoring::Sample() const {
  std::lock_guard lock(mu_);
  std::map<int32_t, PartitionSample> samples;
  if (driver_ == nullptr) return samples;
  for (const Partition* p : partitions_) {
    PartitionSample& s = samples[p->id()];
    s.status = p->status();
    const auto group = static_cast<replication::GroupId>(p->id());
    if (Result<replication::GroupState> state = driver_->State(group); state.ok()) s.raft = *state;
    if (Result<journal::JournalUsage> usage = driver_->JournalUsage(group); usage.ok()) {
      s.journal = *usage;
    }
    if (exporter_progress_) s.exporters = exporter_progress_(p->id());
  }
  return samples;
}

nlohmann::json BrokerMonitoring::Digests() const {
  // Read without mu_, so that probes and scrapes do not wait while the
  // states are read; the partitions outlive Stop, which ends this thread.
  std::vector<Partition*> partitions;
  {
    std::lock_guard lock(mu_);
    partitions = partitions_;
  }
  nlohmann::json doc = nlohmann::json::array();
  for (Partition* p : partitions) {
    Result<Partition::StateDigest> d = p->ReadStateDigest();
    if (!d.ok()) {
      doc.push_back({{"partition", p->id()}, {"error", d.status().ToString()}});
      continue;
    }
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(d->digest));
    doc.push_back({{"partition", p->id()},
                   {"appliedIndex", d->applied_index},
                   {"position", d->position},
                   {"processedPosition", d->processed_position},
                   {"digest", digest}});
  }
  return doc;
}

}  // namespace waggle::partitions
