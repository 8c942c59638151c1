#include "exporters/factory.h"

#include <set>

#include "exporters/arguments.h"
#include "exporters/file/jsonl_file_exporter.h"
#include "exporters/redis/redis_streams_exporter.h"

namespace waggle::exporters {
namespace {

struct BuiltIn {
  std::string_view type;
  std::unique_ptr<Exporter> (*create)();
};

template <typename T>
std::unique_ptr<Exporter> Make() {
  return std::make_unique<T>();
}

constexpr BuiltIn kBuiltIns[] = {
    {JsonLinesFileExporter::kType, &Make<JsonLinesFileExporter>},
    {RedisStreamsExporter::kType, &Make<RedisStreamsExporter>},
};

constexpr std::string_view kFilterSettings[] = {"recordTypes", "valueTypes"};

}  // namespace

Result<std::unique_ptr<Exporter>> CreateExporter(std::string_view id, std::string_view type) {
  std::string known;
  for (const BuiltIn& built_in : kBuiltIns) {
    if (built_in.type == type) return built_in.create();
    known += (known.empty() ? "'" : ", '") + std::string(built_in.type) + "'";
  }
  return Status::InvalidArgument("exporter '" + std::string(id) + "': unknown type '" +
                                 std::string(type) + "' (known types: " + known + ")");
}

Result<LoadedExporter> LoadExporter(const ExporterConfig& config, int32_t partition_id) {
  if (!config.arguments.is_object()) {
    return Status::InvalidArgument("exporter '" + config.id + "': arguments must be an object");
  }
  Result<std::unique_ptr<Exporter>> exporter = CreateExporter(config.id, config.type);
  if (!exporter.ok()) return exporter.status();
  ArgumentReader filter_args(config.id, config.arguments);
  Result<RecordFilter> filter = RecordFilter::Parse(filter_args);
  if (!filter.ok()) return filter.status();

  ExporterContext context{
      .id = config.id, .partition_id = partition_id, .arguments = config.arguments};
  for (std::string_view key : kFilterSettings) context.arguments.erase(std::string(key));
  Status s = (*exporter)->Configure(context);
  if (!s.ok()) return s;
  return LoadedExporter{config.id, std::move(*filter), std::move(*exporter)};
}

Status ValidateExporterConfigs(std::span<const ExporterConfig> configs) {
  std::set<std::string> ids;
  for (const ExporterConfig& config : configs) {
    if (config.id.empty()) return Status::InvalidArgument("an exporter has an empty id");
    if (!ids.insert(config.id).second) {
      return Status::InvalidArgument("exporter '" + config.id + "' is configured twice");
    }
    Result<LoadedExporter> loaded = LoadExporter(config, 0);
    if (!loaded.ok()) return loaded.status();
  }
  return Status::OK();
}

}  // namespace waggle::exporters
