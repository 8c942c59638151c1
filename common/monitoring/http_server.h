// MonitoringServer: the monitoring port of a broker or the gateway (Zeebe's
// 9600): Prometheus metrics at /metrics and small GET endpoints beside them
// (probes, status JSON).
//
// Why not prometheus::Exposer: it serves registered collectables only, and
// the one way to add other paths to it is civetweb's begin_request callback,
// a bare function pointer without user data, i.e. global state. So this
// class runs civetweb's CivetServer itself (the server Exposer is built on)
// with one handler per path, and renders /metrics with prometheus-cpp's
// TextSerializer, the format Exposer serves.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace waggle::monitoring {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on one of the server's threads, possibly on several at once.
using HttpHandler = std::function<HttpResponse()>;

// A 200 or 503 answer with a one-line reason, for probes.
HttpResponse ProbeResponse(bool ok, const std::string& reason);

class MonitoringServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    int port = 9600;  // 0: a free port, see port()
    // Scrapes and probes are rare; two threads keep one slow client from
    // blocking the others without costing a thread per connection.
    int threads = 2;
  };

  explicit MonitoringServer(Options options);
  // Stops serving.
  ~MonitoringServer();
  MonitoringServer(const MonitoringServer&) = delete;
  MonitoringServer& operator=(const MonitoringServer&) = delete;

  // Collected in this order on every GET /metrics. REQUIRES: before Start.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // Serves GET `path` (exactly). REQUIRES: before Start.
  void Handle(const std::string& path, HttpHandler handler);

  // Binds and starts serving; IOError when the port cannot be bound.
  Status Start();
  // Returns once no handler runs any more. Idempotent.
  void Stop();

  // The bound port. REQUIRES: Start succeeded.
  int port() const { return port_; }

 private:
  class Handler;
  HttpResponse RenderMetrics() const;

  const Options options_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::vector<std::unique_ptr<Handler>> handlers_;
  struct Server;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

}  // namespace waggle::monitoring
