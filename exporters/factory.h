// Builds the built-in exporters from their configuration: "file"
// (JsonLinesFileExporter) and "redis" (RedisStreamsExporter).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "exporters/config.h"
#include "exporters/exporter.h"

namespace waggle::exporters {

// A new, unconfigured exporter of the built-in `type`; InvalidArgument naming
// the exporter and listing the known types otherwise.
Result<std::unique_ptr<Exporter>> CreateExporter(std::string_view id, std::string_view type);

// Creates the exporter, takes its filter settings out of the arguments and
// configures it with the rest, for `partition_id` (0: only to validate).
Result<LoadedExporter> LoadExporter(const ExporterConfig& config, int32_t partition_id);

// The broker's start-up check: ids are non-empty and unique, and every
// exporter loads. The first problem found is returned, naming the exporter.
Status ValidateExporterConfigs(std::span<const ExporterConfig> configs);

}  // namespace waggle::exporters
