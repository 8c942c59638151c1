#include "monitoring/http_server.h"

#include <CivetServer.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace waggle::monitoring {

HttpResponse ProbeResponse(bool ok, const std::string& reason) {
  HttpResponse r;
  r.status = ok ? 200 : 503;
  r.body = reason + "\n";
  return r;
}

class MonitoringServer::Handler final : public CivetHandler {
 public:
  Handler(std::string path, HttpHandler handler)
      : path_(std::move(path)), handler_(std::move(handler)) {}

  const std::string& path() const { return path_; }

  bool handleGet(CivetServer*, mg_connection* conn) override {
    const HttpResponse r = handler_();
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
              r.status, mg_get_response_code_text(conn, r.status), r.content_type.c_str(),
              r.body.size());
    mg_write(conn, r.body.data(), r.body.size());
    return true;
  }

 private:
  const std::string path_;
  const HttpHandler handler_;
};

struct MonitoringServer::Server {
  std::unique_ptr<CivetServer> civet;
};

MonitoringServer::MonitoringServer(Options options) : options_(std::move(options)) {
  Handle("/metrics", [this] { return RenderMetrics(); });
}

MonitoringServer::~MonitoringServer() {
  Stop();
}

void MonitoringServer::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

void MonitoringServer::Handle(const std::string& path, HttpHandler handler) {
  handlers_.push_back(std::make_unique<Handler>(path, std::move(handler)));
}

Status MonitoringServer::Start() {
  const std::string address = options_.host + ":" + std::to_string(options_.port);
  std::vector<std::string> civet_options = {"listening_ports", address, "num_threads",
                                            std::to_string(options_.threads)};
  auto server = std::make_unique<Server>();
  try {
    server->civet = std::make_unique<CivetServer>(civet_options);
  } catch (const CivetException& e) {
    return Status::IOError("monitoring: cannot listen on " + address + ": " + e.what());
  }
  // The exact path only: civetweb would also route /metrics/x to /metrics.
  for (const auto& h : handlers_) server->civet->addHandler(h->path() + "$", h.get());
  const std::vector<int> ports = server->civet->getListeningPorts();
  if (ports.empty() || ports[0] == 0) {
    return Status::IOError("monitoring: no port bound for " + address);
  }
  port_ = ports[0];
  server_ = std::move(server);
  return Status::OK();
}

void MonitoringServer::Stop() {
  if (server_ == nullptr) return;
  server_->civet->close();
  server_.reset();
}

HttpResponse MonitoringServer::RenderMetrics() const {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables_) {
    std::vector<prometheus::MetricFamily> collected = c->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = out.str();
  return r;
}

}  // namespace waggle::monitoring
