#include "tests/exporters/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace waggle::exporters::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

RedisServer::RedisServer()
    : dir_(fs::temp_directory_path() / ("waggle-redis-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(FreeLoopbackPort()))),
      port_(FreeLoopbackPort()) {
  fs::create_directories(dir_);
}

RedisServer::~RedisServer() {
  Kill();
  fs::remove_all(dir_);
}

::testing::AssertionResult RedisServer::Start() {
  std::string port = std::to_string(port_);
  std::string log = (dir_ / "redis.log").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::execl(WAGGLE_REDIS_SERVER, "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
            "--dir", dir_.c_str(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--daemonize", "no", "--logfile", log.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 500; ++i) {
    Result<std::unique_ptr<RedisConnection>> c = Connect();
    if (c.ok()) {
      std::string_view ping[] = {"PING"};
      if ((*c)->Command(ping).ok()) return ::testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(20ms);
  }
  return ::testing::AssertionFailure() << "redis-server did not answer on port " << port_;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::Stop() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::Continue() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

Result<std::unique_ptr<RedisConnection>> RedisServer::Connect() const {
  return RedisConnection::Connect("127.0.0.1", port_, 2s);
}

std::vector<StreamEntry> XRange(RedisConnection& redis, const std::string& stream) {
  std::string_view args[] = {"XRANGE", stream, "-", "+"};
  Result<RedisReply> reply = redis.Command(args);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  std::vector<StreamEntry> entries;
  if (!reply.ok()) return entries;
  for (const RedisReply& item : reply->elements) {
    StreamEntry entry{item.elements.at(0).str, {}};
    const auto& fields = item.elements.at(1).elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2)
      entry.fields[fields[i].str] = fields[i + 1].str;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace waggle::exporters::testing
