// HttpGet: a minimal HTTP/1.0 client for tests of the monitoring port and of
// Prometheus's HTTP API, on loopback.
#pragma once

#include <string>

namespace waggle::test_http {

struct HttpResult {
  int status = 0;  // 0: no answer (refused, timed out, unparsable)
  std::string body;
};

// GET `target` (path and query) from 127.0.0.1:port; waits at most 5 s.
HttpResult HttpGet(int port, const std::string& target);

// Percent-encodes everything but unreserved characters, for query strings.
std::string UrlEncode(const std::string& text);

}  // namespace waggle::test_http
