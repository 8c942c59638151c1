// The monitoring library: the lock-free histogram under concurrent
// observers, /proc/self/stat parsing, and the HTTP server (metrics text,
// handlers, exact paths, a port taken).
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <cmath>
#include <thread>

#include "common/monitoring/histogram.h"
#include "common/monitoring/http_server.h"
#include "common/monitoring/process_metrics.h"
#include "tests/monitoring/http_get.h"

namespace waggle::monitoring {
namespace {

using test_http::HttpGet;

TEST(HistogramTest, BucketsAreCumulativeAndEndInTheCount) {
  Histogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.Observe(v);
  const prometheus::ClientMetric m = h.Collect();
  ASSERT_EQ(m.histogram.bucket.size(), 4u);
  EXPECT_EQ(m.histogram.bucket[0].cumulative_count, 2u);  // le=0.1 holds 0.1 itself
  EXPECT_EQ(m.histogram.bucket[1].cumulative_count, 3u);
  EXPECT_EQ(m.histogram.bucket[2].cumulative_count, 4u);
  EXPECT_EQ(m.histogram.bucket[3].cumulative_count, 5u);
  EXPECT_TRUE(std::isinf(m.histogram.bucket[3].upper_bound));
  EXPECT_EQ(m.histogram.sample_count, 5u);
  EXPECT_DOUBLE_EQ(m.histogram.sample_sum, 55.65);
}

TEST(HistogramTest, ConcurrentObserversLoseNothing) {
  Histogram h(LatencyBuckets());
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kEach; ++i) h.Observe(0.001 * (t + 1));
    });
  }
  // Collections while observers run stay consistent: +Inf equals the count.
  for (int i = 0; i < 100; ++i) {
    const prometheus::ClientMetric m = h.Collect();
    EXPECT_EQ(m.histogram.bucket.back().cumulative_count, m.histogram.sample_count);
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), static_cast<uint64_t>(kThreads * kEach));
  EXPECT_NEAR(h.Collect().histogram.sample_sum, 0.001 * kEach * (1 + 2 + 3 + 4), 1e-6);
}

TEST(HistogramFamilyTest, LeavesOutHistogramsWithoutObservations) {
  HistogramFamily family("x_seconds", "help", {1});
  family.Add({{"a", "1"}});
  EXPECT_TRUE(family.Collect().empty());
  family.Add({{"a", "2"}}).Observe(0.5);
  EXPECT_EQ(&family.Add({{"a", "2"}}), &family.Add({{"a", "2"}}));
  const auto collected = family.Collect();
  ASSERT_EQ(collected.size(), 1u);
  ASSERT_EQ(collected[0].metric.size(), 1u);
  EXPECT_EQ(collected[0].metric[0].label[0].value, "2");
}

TEST(ProcStatTest, ParsesCommandsWithSpacesAndParentheses) {
  // utime 150, stime 50 ticks; rss 1000 pages.
  const std::string stat =
      "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 12345 "
      "100000000 1000 18446744073709551615";
  std::optional<ProcStat> s = ParseProcStat(stat, 100, 4096);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 2.0);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 4096000.0);
  EXPECT_FALSE(ParseProcStat("garbage", 100, 4096).has_value());
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2", 100, 4096).has_value());
}

TEST(ProcessMetricsTest, ReportsThisProcess) {
  std::map<std::string, double> values;
  for (const auto& family : ProcessMetrics().Collect()) {
    values[family.name] = family.type == prometheus::MetricType::Counter
                              ? family.metric.at(0).counter.value
                              : family.metric.at(0).gauge.value;
  }
  EXPECT_GT(values.at("process_resident_memory_bytes"), 0);
  EXPECT_GE(values.at("process_cpu_seconds_total"), 0);
  EXPECT_GE(values.at("process_open_fds"), 3);  // stdin, stdout, stderr at least
}

TEST(MonitoringServerTest, ServesMetricsAndHandlersOnAFreePort) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("test_things_total")
      .Help("Things.")
      .Register(*registry)
      .Add({{"kind", "a"}})
      .Increment(3);
  MonitoringServer server({"127.0.0.1", 0, 2});
  server.AddCollectable(registry);
  server.Handle("/ready", [] { return ProbeResponse(false, "not yet"); });
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.port(), 0);

  test_http::HttpResult metrics = HttpGet(server.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE test_things_total counter\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("test_things_total{kind=\"a\"} 3"), std::string::npos)
      << metrics.body;
  test_http::HttpResult ready = HttpGet(server.port(), "/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "not yet\n");
  EXPECT_EQ(HttpGet(server.port(), "/ready/more").status, 404);
  EXPECT_EQ(HttpGet(server.port(), "/nothing").status, 404);

  // A second server on the same port fails to start, naming the address.
  MonitoringServer second({"127.0.0.1", server.port(), 1});
  Status s = second.Start();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(server.port())), std::string::npos);

  const int port = server.port();
  server.Stop();
  EXPECT_EQ(HttpGet(port, "/metrics").status, 0);
}

}  // namespace
}  // namespace waggle::monitoring
