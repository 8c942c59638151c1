// Histogram: a Prometheus histogram whose Observe takes no lock: one relaxed
// atomic increment of the bucket hit plus an atomic add to the sum, where
// prometheus::Histogram locks a mutex per observation. Meant for per-record
// and per-request latencies on hot paths.
//
// HistogramFamily: the histograms of one metric name, one per label set, as
// a Collectable. Adding a label set locks (set-up time); observing does not.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace waggle::monitoring {

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);

  // Thread-safe and lock-free.
  void Observe(double value);

  // Cumulative buckets whose +Inf bucket equals the sample count, even while
  // other threads observe (the count is derived from the buckets read). The
  // sum may lag the buckets by observations in progress.
  prometheus::ClientMetric Collect() const;
  uint64_t count() const;

 private:
  const std::vector<double> bounds_;
  // counts_[i]: observations in (bounds_[i-1], bounds_[i]]; the last one
  // counts those above every bound.
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 100 us to 10 s, for journal, processing and
// request latencies alike, so dashboards can compare them.
std::vector<double> LatencyBuckets();

class HistogramFamily final : public prometheus::Collectable {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<double> bounds);

  // The histogram of `labels`, created on first use; the reference stays
  // valid as long as the family.
  Histogram& Add(const prometheus::Labels& labels);

  // Histograms without observations are left out, so that label sets added
  // ahead of use do not show as empty series.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<prometheus::Labels, std::unique_ptr<Histogram>> histograms_;
};

}  // namespace waggle::monitoring
