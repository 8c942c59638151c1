#include "cmd/log_member/member_processes.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace waggle::cmd {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<pid_t> Spawn(const std::string& binary, const std::vector<std::string>& args,
                    const std::string& out_file, const std::string& err_file) {
  // Everything the child needs is prepared before fork: only
  // async-signal-safe calls run between fork and exec.
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0 || err < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) {
      ::_exit(127);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

Result<std::unique_ptr<TempDir>> TempDir::Create(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return Errno("mkdtemp " + pattern);
  return std::unique_ptr<TempDir>(new TempDir(pattern));
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Result<std::vector<int>> FreePorts(int count) {
  // Every socket stays open until all ports are known, so the ports differ.
  std::vector<int> fds;
  std::vector<int> ports;
  Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = Errno("cannot pick a free port");
    } else {
      ports.push_back(ntohs(addr.sin_port));
    }
    if (fd >= 0) fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  if (!status.ok()) return status;
  return ports;
}

Result<int> FreePortRange(int count) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = 20000 + (::getpid() * 7 + attempt * 97) % 30000;
    std::vector<int> fds;
    bool free = true;
    for (int port = base; port < base + count && free; ++port) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(port));
      free = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
      if (fd >= 0) fds.push_back(fd);
    }
    for (int fd : fds) ::close(fd);
    if (free) return base;
  }
  return Status::Unavailable("no " + std::to_string(count) + " consecutive free ports");
}

Result<ExitResult> RunWaggle(const std::string& waggle_binary, const std::vector<std::string>& args,
                             const std::string& scratch_dir, milliseconds timeout) {
  const std::string out_file = scratch_dir + "/run.out";
  const std::string err_file = scratch_dir + "/run.err";
  std::error_code ignored;
  std::filesystem::remove(out_file, ignored);
  std::filesystem::remove(err_file, ignored);
  Result<pid_t> pid = Spawn(waggle_binary, args, out_file, err_file);
  if (!pid.ok()) return pid.status();
  const Clock::time_point deadline = Clock::now() + timeout;
  ExitResult result;
  int status = 0;
  while (::waitpid(*pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
      result.err = ReadFile(err_file);
      return result;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.err = ReadFile(err_file);
  return result;
}

Result<std::unique_ptr<MemberProcesses>> MemberProcesses::Create(MemberProcessesOptions options) {
  if (options.members < 1) return Status::InvalidArgument("a cluster needs a member");
  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("waggle-members");
  if (!dir.ok()) return dir.status();
  Result<std::vector<int>> ports = FreePorts(2 * options.members);
  if (!ports.ok()) return ports.status();
  std::map<raft::NodeId, Member> members;
  for (int i = 0; i < options.members; ++i) {
    members[i + 1] = Member{(*ports)[2 * i], (*ports)[2 * i + 1]};
  }
  return std::unique_ptr<MemberProcesses>(
      new MemberProcesses(std::move(options), std::move(*dir), std::move(members)));
}

MemberProcesses::MemberProcesses(MemberProcessesOptions options, std::unique_ptr<TempDir> dir,
                                 std::map<raft::NodeId, Member> members)
    : options_(std::move(options)),
      dir_(std::move(dir)),
      members_(std::move(members)),
      client_(std::make_unique<LogClient>(client_addresses())) {}

MemberProcesses::~MemberProcesses() {
  for (auto& [id, member] : members_) {
    if (member.pid > 0) Kill(id);
  }
}

std::vector<raft::NodeId> MemberProcesses::ids() const {
  std::vector<raft::NodeId> out;
  for (const auto& [id, member] : members_) out.push_back(id);
  return out;
}

std::map<raft::NodeId, std::string> MemberProcesses::client_addresses() const {
  std::map<raft::NodeId, std::string> out;
  for (const auto& [id, member] : members_) {
    out[id] = "127.0.0.1:" + std::to_string(member.client_port);
  }
  return out;
}

std::string MemberProcesses::DataDir(raft::NodeId id) const {
  return dir_->path() + "/member-" + std::to_string(id);
}

std::string MemberProcesses::LogFile(raft::NodeId id) const {
  return DataDir(id) + ".log";
}

Status MemberProcesses::Start(raft::NodeId id) {
  Member& member = members_.at(id);
  if (member.pid > 0) return Status::InvalidArgument("member " + std::to_string(id) + " runs");
  std::string list;
  for (const auto& [other, m] : members_) {
    if (!list.empty()) list += ",";
    list += std::to_string(other) + "=127.0.0.1:" + std::to_string(m.raft_port);
  }
  std::vector<std::string> args = {
      "log-member", "--id",     std::to_string(id),
      "--members",  list,       "--data",
      DataDir(id),  "--client", "127.0.0.1:" + std::to_string(member.client_port)};
  args.insert(args.end(), options_.flags.begin(), options_.flags.end());
  Result<pid_t> pid = Spawn(options_.waggle_binary, args, LogFile(id), LogFile(id));
  if (!pid.ok()) return pid.status();
  member.pid = *pid;
  return Status::OK();
}

Status MemberProcesses::StartAll() {
  for (const auto& [id, member] : members_) {
    if (Status s = Start(id); !s.ok()) return s;
  }
  return Status::OK();
}

void MemberProcesses::Kill(raft::NodeId id) {
  Signal(id, SIGKILL);
  Member& member = members_.at(id);
  ::waitpid(member.pid, nullptr, 0);
  member.pid = -1;
}

void MemberProcesses::Pause(raft::NodeId id) {
  Signal(id, SIGSTOP);
}

void MemberProcesses::Resume(raft::NodeId id) {
  Signal(id, SIGCONT);
}

void MemberProcesses::Signal(raft::NodeId id, int signal) {
  const Member& member = members_.at(id);
  assert(member.pid > 0);
  ::kill(member.pid, signal);
}

Result<std::chrono::microseconds> MemberProcesses::CpuTime(raft::NodeId id) const {
  const pid_t pid = members_.at(id).pid;
  const std::string text = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) may hold spaces; fields after it do not.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    return Status::NotFound("no /proc entry for pid " + std::to_string(pid));
  }
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  // Fields 3..13, then utime (14) and stime (15), in clock ticks.
  for (int field = 3; field <= 13; ++field) fields >> skip;
  long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return Status::Corruption("cannot parse /proc/pid/stat");
  const long hz = ::sysconf(_SC_CLK_TCK);
  return std::chrono::microseconds((utime + stime) * 1000000LL / hz);
}

Status MemberProcesses::WaitForCommit(LogGroupId group, raft::Index index,
                                      milliseconds timeout) const {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::string lagging;
  while (true) {
    lagging.clear();
    for (const auto& [id, member] : members_) {
      if (member.pid <= 0) continue;
      Result<LogMemberStatus> status = client_->StatusOf(id, milliseconds(500));
      bool caught_up = false;
      if (status.ok()) {
        for (const LogGroupStatus& g : status->groups) {
          caught_up = caught_up || (g.group == group && g.commit >= index);
        }
      }
      if (!caught_up) lagging += " " + std::to_string(id);
    }
    if (lagging.empty()) return Status::OK();
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return Status::Unavailable("members" + lagging + " did not commit index " +
                             std::to_string(index) + " of group " + std::to_string(group) +
                             " within " + std::to_string(timeout.count()) + " ms");
}

std::string MemberProcesses::Output(raft::NodeId id) const {
  return ReadFile(LogFile(id));
}

std::string MemberProcesses::AllOutput() const {
  std::string out;
  for (const auto& [id, member] : members_) {
    std::istringstream lines(Output(id));
    for (std::string line; std::getline(lines, line);) {
      out += "[m" + std::to_string(id) + "] " + line + "\n";
    }
  }
  return out;
}

std::string MemberProcesses::KeepData() {
  dir_->Keep();
  return dir_->path();
}

}  // namespace waggle::cmd
