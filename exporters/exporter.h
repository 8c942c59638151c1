// The exporter API, in Zeebe's shape: an exporter is configured (which
// validates its arguments), opened with a Controller, handed committed records
// one at a time in log order, and closed. Exporters never see uncommitted
// records and never run on followers: the ExporterDirector (director.h) of a
// partition's leader drives them, on one thread, so an exporter needs no
// locking of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/record/record_generated.h"
#include "common/status.h"

namespace waggle::exporters {

// What an exporter learns when it is configured.
struct ExporterContext {
  std::string id;            // the configured id, unique per broker ("file", "redis", ...)
  int32_t partition_id = 0;  // 0 when configured only to validate the configuration
  // The exporter's own arguments: a JSON object, without the filter settings
  // (recordTypes, valueTypes), which the director applies itself.
  nlohmann::json arguments = nlohmann::json::object();
};

// A delayed task scheduled through a Controller. Cancel() is idempotent and
// safe after the task ran or the director closed.
class ScheduledTask {
 public:
  ScheduledTask() = default;
  explicit ScheduledTask(std::shared_ptr<bool> cancelled) : cancelled_(std::move(cancelled)) {}
  void Cancel() {
    if (cancelled_) *cancelled_ = true;
  }

 private:
  std::shared_ptr<bool> cancelled_;
};

// The director's side, handed to Exporter::Open. Valid until Close returns;
// call it only from the exporter's own methods and tasks (the director's thread).
class Controller {
 public:
  virtual ~Controller() = default;

  // Acknowledges every record up to `position`: the director will not hand
  // them to this exporter again (unless the partition fails over before the
  // acknowledgement is replicated), and log compaction may pass them.
  // `metadata`, when given, is stored and replicated with the position and
  // returned by ReadMetadata after a restart or failover; without it the
  // previous metadata is kept. Positions that do not advance, or that lie
  // beyond the last record exported, are ignored.
  virtual void UpdateLastExportedPosition(int64_t position,
                                          std::optional<std::string> metadata = std::nullopt) = 0;

  // The metadata of the last acknowledgement, as replicated (nullopt if none).
  virtual std::optional<std::string> ReadMetadata() const = 0;

  // Runs `task` on the director's thread once `delay` has passed, unless
  // cancelled or the exporter is closed first.
  virtual ScheduledTask ScheduleTask(std::chrono::milliseconds delay,
                                     std::function<void()> task) = 0;
};

class Exporter {
 public:
  virtual ~Exporter() = default;

  // Validates and keeps the configuration. Called once at broker start to
  // check the configuration (an error stops the broker), and again on each
  // fresh instance before Open. Errors are InvalidArgument naming the
  // exporter id and the setting.
  virtual Status Configure(const ExporterContext& context) = 0;

  // `controller` outlives the exporter's use of it (until Close returns).
  virtual Status Open(Controller* controller) = 0;

  // One committed record, in log order; `record` is a verified view valid
  // only during the call. An error means "not exported": the director hands
  // the same record again after a back-off, forever, and never skips it.
  // Returning OK does not acknowledge the record; UpdateLastExportedPosition
  // does, possibly later (after a batch is flushed).
  virtual Status Export(const record::fb::Record& record) = 0;

  // Releases resources. Unacknowledged records will be exported again by the
  // next director (at least once).
  virtual void Close() = 0;
};

}  // namespace waggle::exporters
