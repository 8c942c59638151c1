#include "common/log_line.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace waggle {

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string FormatLogLine(LogFormat format, std::chrono::system_clock::time_point time,
                          std::string_view source, std::string_view message) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() %
      1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[48];
  const size_t n = std::strftime(
      stamp, sizeof(stamp), format == LogFormat::kJson ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &utc);
  std::snprintf(stamp + n, sizeof(stamp) - n, format == LogFormat::kJson ? ".%03dZ" : ".%03d",
                millis);
  if (format == LogFormat::kText) {
    return std::string(stamp) + " " + std::string(source) + ": " + std::string(message);
  }
  // Invalid UTF-8 (a path, a peer's bytes) is replaced rather than thrown on.
  return nlohmann::json{
      {"timestamp", stamp}, {"level", "INFO"}, {"logger", source}, {"message", message}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace waggle
