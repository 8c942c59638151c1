#include "exporters/redis/redis_streams_exporter.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/record/json.h"
#include "common/record/value_type.h"
#include "exporters/arguments.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kMaxReconnectDelay = 10s;

// KEYS[1]: the high-water key; KEYS[1 + i]: the stream of entry i.
// ARGV[1]: maxLen (0: no trimming); ARGV[2]: partition id; entry i (from 1)
// has its position at ARGV[2i + 1] and its record JSON at ARGV[2i + 2].
// Positions are compared as decimal strings (exact for any int64, which Lua
// numbers are not). Returns the number of entries added.
constexpr std::string_view kScript = R"lua(
redis.replicate_commands()
local function above(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
local mark = redis.call('GET', KEYS[1])
local added = 0
for i = 2, #KEYS do
  local position = ARGV[2 * i - 1]
  if not mark or above(position, mark) then
    if ARGV[1] == '0' then
      redis.call('XADD', KEYS[i], '*', 'partitionId', ARGV[2], 'position', position,
                 'record', ARGV[2 * i])
    else
      redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', 'partitionId', ARGV[2],
                 'position', position, 'record', ARGV[2 * i])
    end
    mark = position
    added = added + 1
  end
end
if added > 0 then redis.call('SET', KEYS[1], mark) end
return added
)lua";

// `value` in decimal, written into `buffer`.
std::string_view Decimal(int64_t value, char (&buffer)[24]) {
  return std::string_view(buffer, std::to_chars(buffer, buffer + sizeof(buffer), value).ptr);
}

}  // namespace

RedisStreamsExporter::~RedisStreamsExporter() {
  Close();
}

Status RedisStreamsExporter::Configure(const ExporterContext& context) {
  id_ = context.id;
  partition_id_ = context.partition_id;
  ArgumentReader args(context.id, context.arguments);
  Result<std::string> host = args.String("host", "127.0.0.1");
  if (!host.ok()) return host.status();
  host_ = *host;
  Result<std::string> prefix = args.String("streamPrefix", "zeebe:");
  if (!prefix.ok()) return prefix.status();
  stream_prefix_ = *prefix;
  int64_t port, flush_interval_ms, timeout_ms;
  Status s = args.ReadInts({
      {"port", &port, 6379, 1, 65535},
      {"maxLen", &max_len_, 0, 0, INT64_MAX},
      {"batchSize", &batch_size_, 500, 1, 100000},
      {"flushIntervalMs", &flush_interval_ms, 100, 1, 3600000},
      {"timeoutMs", &timeout_ms, 5000, 1, 3600000},
  });
  if (!s.ok()) return s;
  port_ = static_cast<int>(port);
  flush_interval_ = std::chrono::milliseconds(flush_interval_ms);
  timeout_ = std::chrono::milliseconds(timeout_ms);
  high_water_key_ =
      stream_prefix_ + "exporter:" + id_ + ":partition:" + std::to_string(partition_id_);
  return args.RejectUnread();
}

Status RedisStreamsExporter::Open(Controller* controller) {
  controller_ = controller;
  ScheduleFlush(flush_interval_);
  return Status::OK();
}

Status RedisStreamsExporter::Export(const record::fb::Record& record) {
  const int64_t position = record.position();
  // A record already pending or in flight is handed again after a failed flush.
  if (position > last_buffered_) {
    const uint8_t value_type = record.value_type();
    if (streams_[value_type].empty()) {
      // Verified records carry a known value type.
      streams_[value_type] =
          stream_prefix_ +
          std::string(
              record::ValueTypeName(static_cast<record::ValueType>(value_type)).value_or(""));
    }
    record::AppendRecordJson(record, &pending_.texts);
    pending_.entries.push_back(Entry{position, value_type, pending_.texts.size()});
    last_buffered_ = position;
  }
  if (static_cast<int64_t>(pending_.entries.size()) >= batch_size_) return Flush();
  return Status::OK();
}

Status RedisStreamsExporter::Flush() {
  Status s = Await();
  if (!s.ok() || pending_.entries.empty()) return s;
  return Send();
}

Status RedisStreamsExporter::Send() {
  if (connection_ == nullptr) {
    Result<std::unique_ptr<RedisConnection>> connected =
        RedisConnection::Connect(host_, port_, timeout_);
    if (!connected.ok()) return Named(connected.status());
    connection_ = std::move(*connected);
  }
  // Formatted here into one reused buffer: per record that is the JSON text
  // copied once, where hiredis's formatting copied it twice.
  char count[24], max_len[24], partition[24];
  args_.assign({"EVAL", kScript, Decimal(1 + static_cast<int64_t>(pending_.entries.size()), count),
                high_water_key_});
  for (const Entry& e : pending_.entries) args_.push_back(streams_[e.value_type]);
  args_.push_back(Decimal(max_len_, max_len));
  args_.push_back(Decimal(partition_id_, partition));
  positions_.resize(pending_.entries.size());  // args point into them
  size_t start = 0;
  for (size_t i = 0; i < pending_.entries.size(); ++i) {
    const Entry& e = pending_.entries[i];
    args_.push_back(Decimal(e.position, positions_[i].digits));
    args_.push_back(std::string_view(pending_.texts).substr(start, e.end - start));
    start = e.end;
  }
  wire_.clear();
  FormatCommand(args_, &wire_);
  connection_->Append(wire_);
  std::swap(pending_, in_flight_);
  Status sent = connection_->Send();
  if (!sent.ok()) return Requeue(sent, /*broken=*/true);
  return Status::OK();
}

Status RedisStreamsExporter::Await() {
  if (in_flight_.entries.empty()) return Status::OK();
  Result<RedisReply> reply = connection_->Read();
  if (!reply.ok()) return Requeue(reply.status(), /*broken=*/true);
  if (reply->type == RedisReply::Type::kError) {
    return Requeue(Status::Aborted("redis: " + reply->str), /*broken=*/false);
  }
  controller_->UpdateLastExportedPosition(in_flight_.entries.back().position);
  in_flight_.Clear();
  return Status::OK();
}

Status RedisStreamsExporter::Requeue(const Status& status, bool broken) {
  if (broken) connection_.reset();
  const size_t shift = in_flight_.texts.size();
  for (const Entry& e : pending_.entries) {
    in_flight_.entries.push_back(Entry{e.position, e.value_type, e.end + shift});
  }
  in_flight_.texts += pending_.texts;
  std::swap(pending_, in_flight_);
  in_flight_.Clear();
  return Named(status);
}

void RedisStreamsExporter::ScheduleFlush(std::chrono::milliseconds delay) {
  flush_task_ = controller_->ScheduleTask(delay, [this, delay] {
    // While Redis is unreachable, reconnect attempts back off.
    ScheduleFlush(Flush().ok() ? flush_interval_ : std::min(2 * delay, kMaxReconnectDelay));
  });
}

Status RedisStreamsExporter::Named(const Status& status) const {
  std::string message = "exporter '" + id_ + "': " + status.message();
  return status.code() == Status::Code::kIOError ? Status::IOError(std::move(message))
                                                 : Status::Aborted(std::move(message));
}

void RedisStreamsExporter::Close() {
  flush_task_.Cancel();
  if (controller_ != nullptr) {
    // Best effort: what is not acknowledged now is exported again by the next director.
    if (Flush().ok()) (void)Await();
    controller_ = nullptr;
  }
  connection_.reset();
}

}  // namespace waggle::exporters
