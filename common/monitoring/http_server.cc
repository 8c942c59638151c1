#include "common/monitoring/http_server.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <sstream>
#include <thread>

namespace waggle::monitoring {

namespace {

// Opens and closes one TCP connection to host:port (IPv4; 0.0.0.0 means
// loopback), ignoring failures.
void Knock(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (host.empty() || host == "0.0.0.0" ||
      ::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::close(fd);
}

}  // namespace

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
  // civetweb's accept loop waits in poll() with a 2 s timeout and looks at
  // its stop flag only when poll returns, so close() would take up to 2 s
  // (every broker stop, every test). A connection wakes the poll; knock
  // until close() has returned, since a knock before the flag is set only
  // starts another wait.
  std::atomic<bool> closed{false};
  std::thread knocker([this, &closed] {
    while (!closed.load()) {
      Knock(options_.host, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  server_->civet->close();
  closed = true;
  knocker.join();
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
