// GatewayMetrics: the gateway's Prometheus metrics (docs/operations.md):
//   waggle_gateway_requests_total{method,code}        calls finished, by gRPC status code
//   waggle_gateway_request_latency_seconds{method}    from call start to status sent
//   waggle_gateway_long_polls_open                    ActivateJobs calls parked
// Calls are counted by a gRPC server interceptor, so every RPC of the
// Gateway service counts whichever path answers it (dispatch, validation,
// UNIMPLEMENTED). Recording takes no lock: methods are known up front (from
// the service descriptor) and counted with atomics.
#pragma once

#include <prometheus/collectable.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/monitoring/histogram.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}  // namespace grpc::experimental

namespace waggle::gateway {

class GatewayMetrics final : public prometheus::Collectable {
 public:
  // `open_long_polls` is read at every collection (any thread).
  explicit GatewayMetrics(std::function<size_t()> open_long_polls);
  ~GatewayMetrics() override;

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators; the
  // factory must not outlive this object.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  // One finished call of `path` ("/gateway_protocol.Gateway/<Method>") with
  // a gRPC status code (0..16); calls of other services are ignored.
  // Thread-safe, lock-free.
  void Record(std::string_view path, int code, std::chrono::nanoseconds latency);
  // Whether `path` is a method of the Gateway service.
  bool Knows(std::string_view path) const { return methods_.find(path) != methods_.end(); }

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  static constexpr int kCodes = 17;  // grpc::StatusCode OK .. UNAUTHENTICATED
  struct Method {
    explicit Method(std::string name);
    const std::string name;
    std::array<std::atomic<uint64_t>, kCodes> calls{};
    monitoring::Histogram latency;
  };

  const std::function<size_t()> open_long_polls_;
  // By full path; fixed at construction, so lookups need no lock.
  std::map<std::string, std::unique_ptr<Method>, std::less<>> methods_;
};

}  // namespace waggle::gateway
