// RedisServer: a real redis-server child process on a free loopback port for
// tests, with its data in a temporary directory (AOF, appendfsync always, so
// what it acknowledged survives a SIGKILL). Kill and Start again keep port
// and data; Stop and Continue freeze and thaw it (SIGSTOP, SIGCONT).
// XRange reads a stream back.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "exporters/redis/redis_connection.h"

namespace waggle::exporters::testing {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }

  // Starts the server and waits until it answers PING.
  ::testing::AssertionResult Start();
  // SIGKILL, and waits for the process.
  void Kill();
  void Stop();
  void Continue();

  Result<std::unique_ptr<RedisConnection>> Connect() const;

 private:
  std::filesystem::path dir_;
  int port_;
  pid_t pid_ = -1;
};

struct StreamEntry {
  std::string id;
  std::map<std::string, std::string> fields;
};

// Every entry of `stream`, oldest first (a test failure when XRANGE fails).
std::vector<StreamEntry> XRange(RedisConnection& redis, const std::string& stream);

}  // namespace waggle::exporters::testing
