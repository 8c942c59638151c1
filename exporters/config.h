// How exporters are named and configured in the broker configuration (as
// Zeebe's `exporters` section): an id, a type naming a built-in exporter, and
// free-form arguments for it (plus the filter settings, filter.h).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "exporters/exporter.h"
#include "exporters/filter.h"

namespace waggle::exporters {

struct ExporterConfig {
  std::string id;    // unique per broker; keys the acknowledged position
  std::string type;  // a built-in type (factory.h)
  nlohmann::json arguments = nlohmann::json::object();
};

// An exporter built from its configuration and configured, ready to be
// opened by a director.
struct LoadedExporter {
  std::string id;
  RecordFilter filter;
  std::unique_ptr<Exporter> exporter;
};

}  // namespace waggle::exporters
