#include "tests/process/member_processes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace waggle::process_test {

namespace {

[[noreturn]] void Fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// fork + exec of the waggle binary with stdout and stderr redirected to
// files (appended to, so a restarted member keeps one log). The child dies
// with its parent.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out_file,
            const std::string& err_file) {
  std::vector<std::string> argv_storage = {WaggleBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) Fail("fork");
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

const char* WaggleBinary() {
  return WAGGLE_BINARY;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "waggle-process-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    Fail("bind to a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

ExitResult RunWaggle(const std::vector<std::string>& args, const std::string& scratch_dir,
                     std::chrono::milliseconds timeout) {
  const std::string out_file = scratch_dir + "/run.out";
  const std::string err_file = scratch_dir + "/run.err";
  std::filesystem::remove(out_file);
  std::filesystem::remove(err_file);
  const pid_t pid = Spawn(args, out_file, err_file);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ExitResult result;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.err = ReadFile(err_file);
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.err = ReadFile(err_file);
  return result;
}

MemberProcesses::MemberProcesses(int size, std::vector<std::string> extra_flags)
    : extra_flags_(std::move(extra_flags)) {
  for (raft::NodeId id = 1; id <= static_cast<raft::NodeId>(size); ++id) {
    members_[id].raft_port = FreePort();
    members_[id].client_port = FreePort();
  }
}

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
  return dir_.path() + "/m" + std::to_string(id);
}

std::string MemberProcesses::LogFile(raft::NodeId id) const {
  return dir_.path() + "/m" + std::to_string(id) + ".log";
}

void MemberProcesses::Start(raft::NodeId id) {
  Member& member = members_.at(id);
  if (member.pid > 0) throw std::logic_error("member " + std::to_string(id) + " is running");
  std::string list;
  for (const auto& [other, m] : members_) {
    if (!list.empty()) list += ",";
    list += std::to_string(other) + "=127.0.0.1:" + std::to_string(m.raft_port);
  }
  std::vector<std::string> args = {
      "log-member", "--id",     std::to_string(id),
      "--members",  list,       "--data",
      DataDir(id),  "--client", "127.0.0.1:" + std::to_string(member.client_port)};
  args.insert(args.end(), extra_flags_.begin(), extra_flags_.end());
  member.pid = Spawn(args, LogFile(id), LogFile(id));
}

void MemberProcesses::StartAll() {
  for (const auto& [id, member] : members_) Start(id);
}

void MemberProcesses::Kill(raft::NodeId id) {
  Signal(id, SIGKILL);
  Member& member = members_.at(id);
  int status = 0;
  waitpid(member.pid, &status, 0);
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
  if (member.pid <= 0) throw std::logic_error("member " + std::to_string(id) + " is not running");
  kill(member.pid, signal);
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
  dir_.Keep();
  return dir_.path();
}

}  // namespace waggle::process_test
