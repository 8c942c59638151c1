#include "exporters/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace waggle::exporters {
namespace {

timeval ToTimeval(std::chrono::milliseconds timeout) {
  return timeval{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
}

RedisReply Copy(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING: out.type = RedisReply::Type::kString; break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::kStatus; break;
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::kInteger; break;
    case REDIS_REPLY_ARRAY: out.type = RedisReply::Type::kArray; break;
    default: out.type = RedisReply::Type::kNil; break;
  }
  if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS) {
    out.str.assign(reply.str, reply.len);
  }
  out.integer = reply.integer;
  for (size_t i = 0; i < reply.elements; ++i) out.elements.push_back(Copy(*reply.element[i]));
  return out;
}

}  // namespace

Result<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const std::string& host, int port, std::chrono::milliseconds timeout) {
  redisContext* context = redisConnectWithTimeout(host.c_str(), port, ToTimeval(timeout));
  const std::string where = "redis " + host + ":" + std::to_string(port);
  if (context == nullptr) return Status::IOError(where + ": out of memory");
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context));
  if (context->err != 0) return Status::IOError(where + ": " + context->errstr);
  if (redisSetTimeout(context, ToTimeval(timeout)) != REDIS_OK) {
    return Status::IOError(where + ": cannot set timeout");
  }
  return connection;
}

RedisConnection::~RedisConnection() {
  redisFree(context_);
}

Result<RedisReply> RedisConnection::Command(std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) return Status::IOError(std::string("redis: ") + context_->errstr);
  std::unique_ptr<redisReply, void (*)(void*)> owned(reply, freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) {
    return Status::Aborted("redis: " + std::string(reply->str, reply->len));
  }
  return Copy(*reply);
}

}  // namespace waggle::exporters
