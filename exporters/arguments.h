// ArgumentReader: typed access to an exporter's JSON arguments, with errors
// that name the exporter and the setting ("exporter 'files': setting
// 'maxFiles': must be an integer in [1, 1000]"), and a final check that
// rejects settings nobody read (a misspelt setting is an error, not a silent
// default).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace waggle::exporters {

class ArgumentReader {
 public:
  ArgumentReader(std::string exporter_id, nlohmann::json arguments);

  // The string at `key`; `fallback` when absent, an error when absent and
  // there is no fallback (a required setting).
  Result<std::string> String(std::string_view key, std::optional<std::string> fallback);
  // An integer in [min, max]; `fallback` when absent.
  Result<int64_t> Int(std::string_view key, int64_t fallback, int64_t min, int64_t max);
  Result<bool> Bool(std::string_view key, bool fallback);

  // Int for each setting, into *out; stops at the first error.
  struct IntSetting {
    std::string_view key;
    int64_t* out;
    int64_t fallback, min, max;
  };
  Status ReadInts(std::initializer_list<IntSetting> settings);
  // A list of strings; empty when absent.
  Result<std::vector<std::string>> StringList(std::string_view key);

  // InvalidArgument for the first setting that no accessor asked for.
  Status RejectUnread() const;

  // InvalidArgument("exporter '<id>': setting '<key>': <problem>").
  Status Invalid(std::string_view key, std::string_view problem) const;

 private:
  // The value at `key`, or nullptr when absent; marks the key as read.
  const nlohmann::json* Find(std::string_view key);

  std::string exporter_id_;
  nlohmann::json arguments_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace waggle::exporters
