#include "exporters/arguments.h"

namespace waggle::exporters {

ArgumentReader::ArgumentReader(std::string exporter_id, nlohmann::json arguments)
    : exporter_id_(std::move(exporter_id)), arguments_(std::move(arguments)) {}

const nlohmann::json* ArgumentReader::Find(std::string_view key) {
  read_.emplace(key);
  if (!arguments_.is_object()) return nullptr;
  auto it = arguments_.find(key);
  return it == arguments_.end() ? nullptr : &*it;
}

Result<std::string> ArgumentReader::String(std::string_view key,
                                           std::optional<std::string> fallback) {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) {
    if (fallback) return std::move(*fallback);
    return Invalid(key, "is required");
  }
  if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
    return Invalid(key, "must be a non-empty string");
  }
  return value->get<std::string>();
}

Result<int64_t> ArgumentReader::Int(std::string_view key, int64_t fallback, int64_t min,
                                    int64_t max) {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return fallback;
  bool in_range = false;
  if (value->is_number_integer()) {
    // Unsigned values above INT64_MAX are out of any range we accept.
    in_range = !(value->is_number_unsigned() && value->get<uint64_t>() > INT64_MAX) &&
               value->get<int64_t>() >= min && value->get<int64_t>() <= max;
  }
  if (!in_range) {
    return Invalid(
        key, "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value->get<int64_t>();
}

Status ArgumentReader::ReadInts(std::initializer_list<IntSetting> settings) {
  for (const IntSetting& setting : settings) {
    Result<int64_t> value = Int(setting.key, setting.fallback, setting.min, setting.max);
    if (!value.ok()) return value.status();
    *setting.out = *value;
  }
  return Status::OK();
}

Result<bool> ArgumentReader::Bool(std::string_view key, bool fallback) {
  const nlohmann::json* value = Find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) return Invalid(key, "must be true or false");
  return value->get<bool>();
}

Result<std::vector<std::string>> ArgumentReader::StringList(std::string_view key) {
  const nlohmann::json* value = Find(key);
  std::vector<std::string> list;
  if (value == nullptr) return list;
  if (!value->is_array()) return Invalid(key, "must be a list of strings");
  for (const nlohmann::json& item : *value) {
    if (!item.is_string()) return Invalid(key, "must be a list of strings");
    list.push_back(item.get<std::string>());
  }
  return list;
}

Status ArgumentReader::RejectUnread() const {
  if (!arguments_.is_object()) {
    return Status::InvalidArgument("exporter '" + exporter_id_ + "': arguments must be an object");
  }
  for (const auto& [key, value] : arguments_.items()) {
    if (!read_.contains(key)) return Invalid(key, "is not a setting of this exporter");
  }
  return Status::OK();
}

Status ArgumentReader::Invalid(std::string_view key, std::string_view problem) const {
  return Status::InvalidArgument("exporter '" + exporter_id_ + "': setting '" + std::string(key) +
                                 "': " + std::string(problem));
}

}  // namespace waggle::exporters
