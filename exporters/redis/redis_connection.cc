#include "exporters/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>

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
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::kError; break;
    default: out.type = RedisReply::Type::kNil; break;
  }
  if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS ||
      reply.type == REDIS_REPLY_ERROR) {
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
  std::string command;
  FormatCommand(args, &command);
  Append(command);
  Result<RedisReply> reply = Read();
  if (reply.ok() && reply->type == RedisReply::Type::kError) {
    return Status::Aborted("redis: " + reply->str);
  }
  return reply;
}

void RedisConnection::Append(std::string_view commands) {
  // Fails only when out of memory, which the next Send or Read reports.
  (void)redisAppendFormattedCommand(context_, commands.data(), commands.size());
}

Status RedisConnection::Send() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return Failed();
  }
  return Status::OK();
}

Result<RedisReply> RedisConnection::Read() {
  void* reply = nullptr;
  if (redisGetReply(context_, &reply) != REDIS_OK || reply == nullptr) return Failed();
  std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(reply),
                                                     freeReplyObject);
  return Copy(*owned);
}

Status RedisConnection::Failed() const {
  return Status::IOError(std::string("redis: ") + context_->errstr);
}

void FormatCommand(std::span<const std::string_view> args, std::string* out) {
  char digits[24];
  auto header = [&](char kind, size_t n) {
    out->push_back(kind);
    out->append(digits, std::to_chars(digits, digits + sizeof(digits), n).ptr);
    out->append("\r\n");
  };
  header('*', args.size());
  for (std::string_view arg : args) {
    header('$', arg.size());
    out->append(arg);
    out->append("\r\n");
  }
}

}  // namespace waggle::exporters
