// ProcessMetrics: the standard process_* metrics of Prometheus client
// libraries, read from /proc/self at every scrape: process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds. Linux only.
#pragma once

#include <prometheus/collectable.h>

#include <optional>
#include <string_view>

namespace waggle::monitoring {

class ProcessMetrics final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// User + system CPU seconds and resident bytes from the text of
// /proc/<pid>/stat; nullopt when it cannot be parsed.
struct ProcStat {
  double cpu_seconds = 0;
  double resident_bytes = 0;
};
std::optional<ProcStat> ParseProcStat(std::string_view stat, long ticks_per_second,
                                      long page_bytes);

}  // namespace waggle::monitoring
