#include "cmd/gateway/gateway_command.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>

#include "cmd/flags.h"
#include "common/log_line.h"
#include "gateway/server.h"

namespace waggle::cmd {

namespace {

struct GatewayFlags {
  gateway::GatewayOptions options;
  LogFormat log_format = LogFormat::kText;
};

Result<GatewayFlags> ParseGatewayFlags(const std::vector<std::string>& args) {
  Result<Flags> flags = Flags::Parse(args);
  if (!flags.ok()) return flags.status();
  GatewayFlags parsed;
  gateway::GatewayOptions& options = parsed.options;
  Result<std::string> host = flags->String("host", "0.0.0.0");
  Result<int64_t> port = flags->Int("port", 26500, 0, 65535);
  Result<int64_t> monitoring_port = flags->Int("monitoring-port", 9600, 0, 65535);
  Result<std::string> contact_points = flags->String("contact-points", "");
  Result<int64_t> timeout = flags->Int("request-timeout-ms", 15000, 1, 3600 * 1000);
  Result<std::string> cert = flags->String("tls-cert", "");
  Result<std::string> key = flags->String("tls-key", "");
  Result<std::string> log_format = flags->String("log-format", "text");
  for (const Status& s :
       {host.status(), port.status(), monitoring_port.status(), contact_points.status(),
        timeout.status(), cert.status(), key.status(), log_format.status()}) {
    if (!s.ok()) return s;
  }
  if (Status s = flags->CheckAllUsed(); !s.ok()) return s;
  std::stringstream list(*contact_points);
  for (std::string item; std::getline(list, item, ',');) {
    if (item.empty()) continue;
    if (item.find(':') == std::string::npos) {
      return Status::InvalidArgument("--contact-points expects host:port,... but got '" + item +
                                     "'");
    }
    options.contact_points.push_back(item);
  }
  if (options.contact_points.empty()) {
    return Status::InvalidArgument("--contact-points needs at least one broker host:port");
  }
  if (cert->empty() != key->empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together");
  }
  options.listen_address = *host + ":" + std::to_string(*port);
  options.monitoring_address = *host + ":" + std::to_string(*monitoring_port);
  options.request_timeout = std::chrono::milliseconds(*timeout);
  options.tls_certificate_path = *cert;
  options.tls_private_key_path = *key;
  std::optional<LogFormat> format = ParseLogFormat(*log_format);
  if (!format) {
    return Status::InvalidArgument("--log-format expects text or json but got '" + *log_format +
                                   "'");
  }
  parsed.log_format = *format;
  return parsed;
}

// Text lines stay "gateway: ..." without a time stamp: tests and scripts
// read the ports from the first one.
void Say(LogFormat format, const std::string& message) {
  const std::string line =
      format == LogFormat::kText
          ? "gateway: " + message
          : FormatLogLine(format, std::chrono::system_clock::now(), "gateway", message);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

int RunGatewayCommand(const std::vector<std::string>& args) {
  Result<GatewayFlags> flags = ParseGatewayFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "waggle gateway: %s\n", flags.status().message().c_str());
    return 2;
  }
  const gateway::GatewayOptions& options = flags->options;
  // Blocked before any thread starts, so that every thread inherits the mask
  // and sigwait below receives the signal.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  gateway::GatewayServer server(options);
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "waggle gateway: %s\n", s.ToString().c_str());
    return 1;
  }
  Say(flags->log_format, "listening on port " + std::to_string(server.port()) +
                             ", monitoring on port " + std::to_string(server.monitoring_port()) +
                             ", contact points " + std::to_string(options.contact_points.size()) +
                             ", request timeout " +
                             std::to_string(options.request_timeout.count()) + " ms");
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  Say(flags->log_format, "stopping");
  server.Stop();
  return 0;
}

}  // namespace waggle::cmd
