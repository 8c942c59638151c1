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
  enum class Type { kString, kArray, kInteger, kNil, kStatus };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;                   // kString, kStatus
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

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  redisContext* context_;
};

}  // namespace waggle::exporters
