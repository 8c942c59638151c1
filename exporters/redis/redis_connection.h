// RedisConnection: one synchronous hiredis connection with connect and
// command timeouts, and replies copied into plain C++ values. Used by the
// Redis Streams exporter and by its tests (to read streams back).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct redisContext;

namespace waggle::exporters {

struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;                   // kString, kStatus, kError (the server's message)
  std::vector<RedisReply> elements;  // kArray
};

class RedisConnection {
 public:
  // IOError naming host:port when the server cannot be reached in `timeout`.
  static Result<std::unique_ptr<RedisConnection>> Connect(const std::string& host, int port,
                                                          std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and waits for its reply (at most the timeout). IOError
  // when the connection failed: it is then unusable, connect anew. Aborted
  // with the server's message for an error reply (the connection stays good).
  Result<RedisReply> Command(std::span<const std::string_view> args);

  // Pipelining: Append queues commands (written by FormatCommand), Send
  // writes what is queued (at most the timeout), Read reads the next reply
  // in order (sending first what is still queued). Many commands, one round
  // trip; and the caller may do other work between Send and Read while the
  // server executes. Send and Read fail like Command; an error reply is a
  // reply of type kError, since it answers one command of many.
  void Append(std::string_view commands);
  Status Send();
  Result<RedisReply> Read();

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  Status Failed() const;

  redisContext* context_;
};

// Appends the command `args` to *out in Redis's protocol (RESP), for
// RedisConnection::Append. Callers that send many commands format them into
// one reused buffer.
void FormatCommand(std::span<const std::string_view> args, std::string* out);

}  // namespace waggle::exporters
