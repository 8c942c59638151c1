#include "bench/member_cluster.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cmd/log_member/log_service.grpc.pb.h"

namespace waggle::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Ports the kernel hands out for port 0. All sockets stay open until every
// port is known, so the ports differ; another process could still take one
// before a member binds it, which is unlikely on a quiet loopback.
Result<std::vector<int>> FreePorts(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = Status::IOError(std::string("cannot pick a free port: ") + std::strerror(errno));
    } else {
      ports.push_back(ntohs(addr.sin_port));
    }
    if (fd >= 0) fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  if (!status.ok()) return status;
  return ports;
}

}  // namespace

struct MemberCluster::Member {
  std::string raft_address;
  std::string client_address;
  pid_t pid = -1;
  std::unique_ptr<waggle::log::LogService::Stub> stub;
};

MemberCluster::MemberCluster(ClusterOptions options) : options_(std::move(options)) {}

MemberCluster::~MemberCluster() {
  for (auto& [id, member] : members_) Kill(id);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status MemberCluster::Start() {
  char pattern[] = "/tmp/waggle-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    return Status::IOError(std::string("mkdtemp: ") + std::strerror(errno));
  }
  dir_ = pattern;
  Result<std::vector<int>> ports = FreePorts(2 * options_.members);
  if (!ports.ok()) return ports.status();
  for (int i = 0; i < options_.members; ++i) {
    auto member = std::make_unique<Member>();
    member->raft_address = "127.0.0.1:" + std::to_string((*ports)[2 * i]);
    member->client_address = "127.0.0.1:" + std::to_string((*ports)[2 * i + 1]);
    member->stub = waggle::log::LogService::NewStub(
        grpc::CreateChannel(member->client_address, grpc::InsecureChannelCredentials()));
    members_[i + 1] = std::move(member);
  }
  for (const auto& [id, member] : members_) {
    if (Status s = StartMember(id); !s.ok()) return s;
  }
  return Status::OK();
}

Status MemberCluster::StartMember(NodeId id) {
  Member& member = *members_.at(id);
  if (member.pid > 0) return Status::InvalidArgument("member " + std::to_string(id) + " runs");
  std::string all;
  for (const auto& [other, m] : members_) {
    if (!all.empty()) all += ",";
    all += std::to_string(other) + "=" + m->raft_address;
  }
  const std::vector<std::string> args = {
      options_.waggle_binary,
      "log-member",
      "--id",
      std::to_string(id),
      "--members",
      all,
      "--data",
      dir_ + "/member-" + std::to_string(id),
      "--client",
      member.client_address,
      "--groups",
      std::to_string(options_.groups),
      "--tick-ms",
      std::to_string(options_.tick_ms),
      "--heartbeat-ticks",
      std::to_string(options_.heartbeat_ticks),
      "--election-ticks",
      std::to_string(options_.election_ticks),
      "--fsync",
      options_.fsync ? "on" : "off",
      "--verbose",
      "off",
  };
  const std::string log = dir_ + "/member-" + std::to_string(id) + ".log";
  // Everything the child needs is prepared before fork: only
  // async-signal-safe calls run between fork and exec.
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // A member must not outlive a benchmark that crashed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  member.pid = pid;
  return Status::OK();
}

void MemberCluster::Kill(NodeId id) {
  Member& member = *members_.at(id);
  if (member.pid <= 0) return;
  ::kill(member.pid, SIGKILL);
  ::waitpid(member.pid, nullptr, 0);
  member.pid = -1;
}

std::vector<NodeId> MemberCluster::ids() const {
  std::vector<NodeId> ids;
  for (const auto& [id, member] : members_) ids.push_back(id);
  return ids;
}

bool MemberCluster::running(NodeId id) const {
  return members_.at(id)->pid > 0;
}

pid_t MemberCluster::pid(NodeId id) const {
  return members_.at(id)->pid;
}

const std::string& MemberCluster::client_address(NodeId id) const {
  return members_.at(id)->client_address;
}

std::map<NodeId, std::string> MemberCluster::client_addresses() const {
  std::map<NodeId, std::string> addresses;
  for (const auto& [id, member] : members_) addresses[id] = member->client_address;
  return addresses;
}

Result<waggle::log::StatusResponse> MemberCluster::QueryStatus(
    NodeId id, std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  waggle::log::StatusResponse response;
  grpc::Status s = members_.at(id)->stub->Status(&context, waggle::log::StatusRequest(), &response);
  if (!s.ok()) {
    return Status::Unavailable("member " + std::to_string(id) + ": " + s.error_message());
  }
  return response;
}

Result<GroupView> MemberCluster::View(NodeId id, uint32_t group,
                                      std::chrono::milliseconds timeout) const {
  Result<waggle::log::StatusResponse> status = QueryStatus(id, timeout);
  if (!status.ok()) return status.status();
  for (const waggle::log::GroupStatus& g : status->groups()) {
    if (g.group() != group) continue;
    return GroupView{g.role(), g.leader(), g.term(), g.commit(), g.last_index()};
  }
  return Status::NotFound("member " + std::to_string(id) + " has no group " +
                          std::to_string(group));
}

Result<DriverCounters> MemberCluster::Counters(NodeId id, std::chrono::milliseconds timeout) const {
  Result<waggle::log::StatusResponse> status = QueryStatus(id, timeout);
  if (!status.ok()) return status.status();
  return DriverCounters{status->rounds(), status->syncs(), status->entries_committed()};
}

Result<NodeId> MemberCluster::WaitForLeader(uint32_t group,
                                            std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    NodeId leader = 0;
    uint64_t term = 0;
    for (const auto& [id, member] : members_) {
      if (member->pid <= 0) continue;
      Result<GroupView> view = View(id, group, std::chrono::milliseconds(200));
      if (view.ok() && view->role == "leader" && view->term > term) {
        leader = id;
        term = view->term;
      }
    }
    if (leader != 0) return leader;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("no leader of group " + std::to_string(group) + " within " +
                             std::to_string(timeout.count()) + " ms");
}

Status MemberCluster::WaitForAllLeaders(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  for (int g = 1; g <= options_.groups; ++g) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    Result<NodeId> leader = WaitForLeader(g, std::max(left, std::chrono::milliseconds(1)));
    if (!leader.ok()) return leader.status();
  }
  return Status::OK();
}

Status MemberCluster::WaitCaughtUp(NodeId id, NodeId leader, uint32_t group,
                                   std::chrono::milliseconds timeout) const {
  Result<GroupView> target = View(leader, group, std::chrono::milliseconds(1000));
  if (!target.ok()) return target.status();
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Result<GroupView> view = View(id, group, std::chrono::milliseconds(200));
    if (view.ok() && view->last_index >= target->commit) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("member " + std::to_string(id) + " did not catch up to index " +
                             std::to_string(target->commit));
}

Result<std::chrono::microseconds> MemberCluster::CpuTime(NodeId id) const {
  const pid_t pid = members_.at(id)->pid;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; fields after it do not.
  size_t paren = text.rfind(')');
  if (paren == std::string::npos)
    return Status::NotFound("no /proc entry for pid " + std::to_string(pid));
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  // Fields 3..13, then utime (14) and stime (15), in clock ticks.
  for (int field = 3; field <= 13; ++field) fields >> skip;
  long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return Status::Corruption("cannot parse /proc/pid/stat");
  const long hz = ::sysconf(_SC_CLK_TCK);
  return std::chrono::microseconds((utime + stime) * 1000000LL / hz);
}

std::chrono::microseconds OwnCpuTime() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& tv) {
    return static_cast<long long>(tv.tv_sec) * 1000000LL + tv.tv_usec;
  };
  return std::chrono::microseconds(micros(usage.ru_utime) + micros(usage.ru_stime));
}

}  // namespace waggle::bench
