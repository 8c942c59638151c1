// Log lines of the broker and the gateway: human-readable by default, JSON
// objects on request (one per line, for log collectors such as Alibaba
// Cloud SLS, Loki or Cloud Logging).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace waggle {

enum class LogFormat { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// One line without its newline:
//   text  08:15:02.123 <source>: <message>          (UTC)
//   json  {"timestamp":"2026-11-22T08:15:02.123Z","level":"INFO",
//          "logger":"<source>","message":"<message>"}
std::string FormatLogLine(LogFormat format, std::chrono::system_clock::time_point time,
                          std::string_view source, std::string_view message);

}  // namespace waggle
