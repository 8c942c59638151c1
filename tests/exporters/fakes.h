// Test doubles shared by the exporter tests: records, an in-memory committed
// log, an in-memory position store, and an exporter that records what it gets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/record/codec.h"
#include "common/record/record_type.h"
#include "common/record/value_type.h"
#include "exporters/exporter.h"
#include "exporters/source.h"

namespace waggle::exporters::testing {

// An encoded record of partition 1 at `position`, of a value type with a
// value here (JOB, MESSAGE, PROCESS_INSTANCE) or without a value table.
inline std::string MakeRecord(int64_t position,
                              record::ValueType value_type = record::ValueType::kProcessInstance,
                              record::RecordType record_type = record::RecordType::kEvent) {
  record::fb::RecordT r;
  r.partition_id = 1;
  r.position = position;
  r.key = 2251799813685248 + position;
  r.timestamp = 1700000000000 + position;
  r.record_type = static_cast<uint8_t>(record_type);
  r.value_type = static_cast<uint8_t>(value_type);
  r.broker_version = "8.4.0";
  if (value_type == record::ValueType::kJob) {
    record::fb::JobRecordT job;
    job.type = "payment";
    r.typed_value.Set(std::move(job));
  } else if (value_type == record::ValueType::kMessage) {
    record::fb::MessageRecordT message;
    message.name = "paid";
    r.typed_value.Set(std::move(message));
  } else if (value_type == record::ValueType::kProcessInstance) {
    record::fb::ProcessInstanceRecordT instance;
    instance.bpmn_process_id = "order";
    r.typed_value.Set(std::move(instance));
  }
  return record::EncodeRecord(r);
}

// A committed log in memory; positions need not be contiguous.
class FakeSource : public CommittedRecordSource {
 public:
  void Append(int64_t position, std::string bytes) {
    records_.push_back({position, std::move(bytes)});
  }
  void Append(int64_t position) { Append(position, MakeRecord(position)); }

  Status ReadAfter(int64_t after, size_t max_records, std::vector<CommittedRecord>* out) override {
    out->clear();
    if (!records_.empty() && after != -1 && after + 1 < records_.front().position) {
      return Status::Compacted("log starts at " + std::to_string(records_.front().position));
    }
    for (const CommittedRecord& r : records_) {
      if (r.position > after && out->size() < max_records) out->push_back(r);
    }
    return Status::OK();
  }
  int64_t CommitPosition() const override {
    return records_.empty() ? -1 : records_.back().position;
  }

  // Drops records up to `position` (log compaction).
  void CompactTo(int64_t position) {
    std::erase_if(records_, [&](const CommittedRecord& r) { return r.position <= position; });
  }

 private:
  std::vector<CommittedRecord> records_;
};

class FakeStore : public ExporterPositionStore {
 public:
  void PositionAdvanced(std::string_view id, const ExporterPosition& position) override {
    positions[std::string(id)] = position;
    ++calls;
  }
  std::map<std::string, ExporterPosition> positions;
  int calls = 0;
};

// Records the positions it is handed; acknowledges each at once when
// `auto_ack`; fails the next `fail_next` exports.
class RecordingExporter : public Exporter {
 public:
  Status Configure(const ExporterContext&) override { return Status::OK(); }
  Status Open(Controller* controller) override {
    controller_ = controller;
    opened = true;
    return open_status;
  }
  Status Export(const record::fb::Record& record) override {
    ++attempts;
    if (fail_next > 0) {
      --fail_next;
      return Status::IOError("sink down");
    }
    exported.push_back(record.position());
    if (auto_ack) controller_->UpdateLastExportedPosition(record.position());
    return Status::OK();
  }
  void Close() override {
    if (closed_out != nullptr) *closed_out = true;
  }

  Controller* controller() { return controller_; }

  bool auto_ack = true;
  int fail_next = 0;
  Status open_status;
  int attempts = 0;
  bool opened = false;
  bool* closed_out = nullptr;  // set when closed (the director owns the exporter)
  std::vector<int64_t> exported;

 private:
  Controller* controller_ = nullptr;
};

}  // namespace waggle::exporters::testing
