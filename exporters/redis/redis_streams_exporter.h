// RedisStreamsExporter (type "redis"): appends each record to the Redis
// stream <streamPrefix><VALUE_TYPE> (default "zeebe:JOB", ... as the
// community zeebe-redis-exporter names them) as an entry with the fields
//   partitionId, position, record (the record in Zeebe's JSON shape),
// with an automatic entry ID, trimmed with MAXLEN ~ when maxLen is set.
//
// Records are batched (batchSize records, or what is pending every
// flushIntervalMs) and each batch is one atomic EVAL of a script that skips
// entries at or below the partition's high-water position, kept in the key
// <streamPrefix>exporter:<id>:partition:<partition>, XADDs the rest and
// raises the high-water position. So a batch is written whole or not at all,
// and a batch sent again (the reply was lost, a restart, a failover whose
// acknowledgement was not yet replicated, even a deposed leader still
// writing) adds nothing twice: each (partitionId, position) appears once, as
// long as Redis keeps what it acknowledged (with appendfsync always).
// Batches are pipelined: the exporter renders the next batch while Redis
// runs this one, and reads its reply before it sends the next (at most one
// in flight). A batch is acknowledged only after Redis replied.
//
// When Redis is unreachable the batch stays pending: Export fails once the
// batch is full (the director retries with back-off) and the flush tick
// reconnects with its own back-off, doubling from flushIntervalMs to 10 s.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/exporter.h"
#include "exporters/redis/redis_connection.h"

namespace waggle::exporters {

class RedisStreamsExporter : public Exporter {
 public:
  static constexpr std::string_view kType = "redis";

  RedisStreamsExporter() = default;
  ~RedisStreamsExporter() override;

  // Settings: host (default 127.0.0.1), port (6379), streamPrefix ("zeebe:"),
  // maxLen (0: no trimming), batchSize (500), flushIntervalMs (100),
  // timeoutMs (5000, for connecting and for each reply).
  Status Configure(const ExporterContext& context) override;
  Status Open(Controller* controller) override;
  Status Export(const record::fb::Record& record) override;
  void Close() override;

 private:
  struct Entry {
    int64_t position;
    uint8_t value_type;  // its stream is streams_[value_type]
    size_t end;          // its JSON text ends here in texts (and starts where the last ended)
  };
  struct Batch {
    std::vector<Entry> entries;  // in position order
    std::string texts;           // the entries' JSON texts, one after the other
    void Clear() {
      entries.clear();
      texts.clear();
    }
  };

  // Reads the reply to the batch in flight and acknowledges it; when that
  // fails, puts it back in front of the pending batch. Then sends the
  // pending batch, without waiting for its reply.
  Status Flush();
  // The in-flight half of Flush.
  Status Await();
  // Sends the pending batch; it is then in flight.
  Status Send();
  // Puts the batch in flight back in front of the pending one (and drops the
  // connection when it is broken), returns `status` named.
  Status Requeue(const Status& status, bool broken);
  void ScheduleFlush(std::chrono::milliseconds delay);
  // `status` with the exporter id in front of its message.
  Status Named(const Status& status) const;

  // Settings.
  std::string id_;
  int32_t partition_id_ = 0;
  std::string host_;
  int port_ = 0;
  std::string stream_prefix_;
  int64_t max_len_ = 0;
  int64_t batch_size_ = 0;
  std::chrono::milliseconds flush_interval_{0};
  std::chrono::milliseconds timeout_{0};
  std::string high_water_key_;

  Controller* controller_ = nullptr;
  ScheduledTask flush_task_;
  std::unique_ptr<RedisConnection> connection_;  // null while disconnected
  Batch pending_;
  Batch in_flight_;                       // sent, replies not read yet
  int64_t last_buffered_ = -1;            // position of the last record taken
  std::array<std::string, 256> streams_;  // stream names by value type code, made when first used
  // Reused by Send: the EVAL's arguments, the positions in decimal, the command.
  std::vector<std::string_view> args_;
  struct DecimalBuffer {
    char digits[24];
  };
  std::vector<DecimalBuffer> positions_;
  std::string wire_;
};

}  // namespace waggle::exporters
