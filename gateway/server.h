// GatewayServer: waggle's Zeebe gateway. Serves Zeebe's gateway protocol
// (gateway/proto/gateway.proto) plus grpc.health.v1 and server reflection,
// and routes each request as a command to the broker leading the right
// partition (docs/gateway.md). Asynchronous throughout: gRPC's callback API
// on the client port, the broker command API through BrokerClient, one timer
// thread for every wait. Optionally serves metrics and probes on a monitoring
// port (docs/operations.md).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace waggle::gateway {

struct GatewayOptions {
  // host:port; port 0 picks a free port (see port()).
  std::string listen_address = "0.0.0.0:26500";
  // Command API addresses (host:port) of brokers to learn the topology from.
  std::vector<std::string> contact_points;
  // How long a request may take when it states no timeout of its own.
  std::chrono::milliseconds request_timeout{15000};
  // Long polling of ActivateJobs when its requestTimeout is 0.
  std::chrono::milliseconds long_polling_timeout{10000};
  // How often the brokers are asked for their topology.
  std::chrono::milliseconds topology_interval{1000};
  // Largest request accepted; larger ones fail with RESOURCE_EXHAUSTED
  // before reaching the gateway (as in Zeebe).
  int max_message_size = 4 << 20;
  // TLS on the client port: PEM files; both empty means plaintext.
  std::string tls_certificate_path;
  std::string tls_private_key_path;
  // The monitoring port (host:port, port 0 picks a free one, see
  // monitoring_port()): /metrics, /health, /startup, /ready (a leader is
  // known for every partition), /partitions. Empty: none.
  std::string monitoring_address;
  // TopologyResponse.gatewayVersion.
  std::string version = "8.4.0+waggle.0.1.0";
};

class GatewayServer {
 public:
  explicit GatewayServer(GatewayOptions options);
  // Stops if still running.
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Starts listening and polling the contact points. REQUIRES: not started.
  Status Start();
  // Ends parked long polls (with no jobs), fails requests in flight with
  // UNAVAILABLE, and returns once every call and broker request is done.
  // Idempotent.
  void Stop();

  // REQUIRES: Start() succeeded.
  int port() const;
  // REQUIRES: Start() succeeded with a monitoring address.
  int monitoring_port() const;
  // ActivateJobs calls waiting for jobs (tests use it to know a call parked).
  size_t parked_long_polls() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waggle::gateway
