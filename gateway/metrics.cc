#include "gateway/metrics.h"

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/metric_family.h>

#include "gateway/proto/gateway.grpc.pb.h"

namespace waggle::gateway {

namespace {

// grpc::StatusCode names, as the gRPC specification spells them.
constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(GatewayMetrics* metrics, std::string_view path)
      : metrics_(metrics), path_(path), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->Record(path_, methods->GetSendStatus().error_code(),
                       std::chrono::steady_clock::now() - start_);
    }
    methods->Proceed();
  }

 private:
  GatewayMetrics* const metrics_;
  const std::string_view path_;  // ServerRpcInfo::method(): valid during the call
  const std::chrono::steady_clock::time_point start_;
};

class InterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit InterceptorFactory(GatewayMetrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->method() == nullptr || !metrics_->Knows(info->method())) return nullptr;
    return new CallInterceptor(metrics_, info->method());
  }

 private:
  GatewayMetrics* const metrics_;
};

}  // namespace

GatewayMetrics::Method::Method(std::string n)
    : name(std::move(n)), latency(monitoring::LatencyBuckets()) {}

GatewayMetrics::GatewayMetrics(std::function<size_t()> open_long_polls)
    : open_long_polls_(std::move(open_long_polls)) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          gateway_protocol::Gateway::service_full_name());
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& name = service->method(i)->name();
    methods_.emplace("/" + service->full_name() + "/" + name, std::make_unique<Method>(name));
  }
}

GatewayMetrics::~GatewayMetrics() = default;

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
GatewayMetrics::InterceptorFactory() {
  return std::make_unique<gateway::InterceptorFactory>(this);
}

void GatewayMetrics::Record(std::string_view path, int code, std::chrono::nanoseconds latency) {
  auto it = methods_.find(path);
  if (it == methods_.end() || code < 0 || code >= kCodes) return;
  it->second->calls[code].fetch_add(1, std::memory_order_relaxed);
  it->second->latency.Observe(std::chrono::duration<double>(latency).count());
}

std::vector<prometheus::MetricFamily> GatewayMetrics::Collect() const {
  prometheus::MetricFamily requests{"waggle_gateway_requests_total",
                                    "Gateway calls finished, by method and gRPC status code.",
                                    prometheus::MetricType::Counter,
                                    {}};
  prometheus::MetricFamily latency{"waggle_gateway_request_latency_seconds",
                                   "Gateway call latency, from call start to status sent.",
                                   prometheus::MetricType::Histogram,
                                   {}};
  for (const auto& [path, method] : methods_) {
    for (int code = 0; code < kCodes; ++code) {
      const uint64_t n = method->calls[code].load(std::memory_order_relaxed);
      if (n == 0) continue;
      prometheus::ClientMetric metric;
      metric.label = {{"method", method->name}, {"code", kCodeNames[code]}};
      metric.counter.value = static_cast<double>(n);
      requests.metric.push_back(std::move(metric));
    }
    if (method->latency.count() == 0) continue;
    prometheus::ClientMetric metric = method->latency.Collect();
    metric.label = {{"method", method->name}};
    latency.metric.push_back(std::move(metric));
  }
  prometheus::MetricFamily long_polls{"waggle_gateway_long_polls_open",
                                      "ActivateJobs calls parked until jobs are available.",
                                      prometheus::MetricType::Gauge,
                                      {}};
  prometheus::ClientMetric parked;
  parked.gauge.value = static_cast<double>(open_long_polls_());
  long_polls.metric.push_back(parked);
  return {requests, latency, long_polls};
}

}  // namespace waggle::gateway
