#include "common/monitoring/process_metrics.h"

#include <prometheus/metric_family.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace waggle::monitoring {

std::optional<ProcStat> ParseProcStat(std::string_view stat, long ticks_per_second,
                                      long page_bytes) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // fields are counted from the last ')'. Field 3 (state) follows it; utime
  // and stime are fields 14 and 15, rss (pages) field 24.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream fields{std::string(stat.substr(close + 1))};
  std::string field;
  double utime = 0, stime = 0, rss = 0;
  int read = 0;
  for (int n = 3; n <= 24 && fields >> field; ++n, ++read) {
    try {
      if (n == 14) utime = std::stod(field);
      if (n == 15) stime = std::stod(field);
      if (n == 24) rss = std::stod(field);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (read < 22) return std::nullopt;
  return ProcStat{(utime + stime) / static_cast<double>(ticks_per_second),
                  rss * static_cast<double>(page_bytes)};
}

namespace {

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family{name, help, type, {}};
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto stat = ParseProcStat(text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE))) {
    families.push_back(Family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds.",
                              prometheus::MetricType::Counter, stat->cpu_seconds));
    families.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                              prometheus::MetricType::Gauge, stat->resident_bytes));
  }
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    // The listing includes the descriptor the iterator itself holds open.
    families.push_back(Family("process_open_fds", "Number of open file descriptors.",
                              prometheus::MetricType::Gauge, fds - 1));
  }
  return families;
}

}  // namespace waggle::monitoring
