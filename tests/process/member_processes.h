// MemberProcesses: real `waggle log-member` processes on 127.0.0.1 for the
// process tests. Each member gets two free ports (Raft and clients) and a
// directory under one fresh temporary directory; its stdout and stderr go to
// a log file there. Children die with the test process (PDEATHSIG) and are
// killed by the destructor, so a failing test leaves no strays.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::process_test {

// Path of the waggle binary under test (set by CMake).
const char* WaggleBinary();

// A fresh directory from mkdtemp, removed by the destructor unless Keep().
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// A port on 127.0.0.1 that was free a moment ago.
int FreePort();

struct ExitResult {
  int exit_code = -1;  // -1 if it did not exit on its own (it was killed)
  std::string err;     // what it wrote to stderr
};

// Runs `waggle args...` to completion (killing it after `timeout`).
ExitResult RunWaggle(const std::vector<std::string>& args, const std::string& scratch_dir,
                     std::chrono::milliseconds timeout);

class MemberProcesses {
 public:
  // REQUIRES: size >= 1. `extra_flags` are passed to every member.
  MemberProcesses(int size, std::vector<std::string> extra_flags);
  ~MemberProcesses();  // kills every running member
  MemberProcesses(const MemberProcesses&) = delete;
  MemberProcesses& operator=(const MemberProcesses&) = delete;

  std::vector<raft::NodeId> ids() const;
  // Node id -> client (LogService) address, for LogClient.
  std::map<raft::NodeId, std::string> client_addresses() const;

  // Starts the member (again, with the same ports and data directory).
  // REQUIRES: not running.
  void Start(raft::NodeId id);
  void StartAll();
  // SIGKILL, then reaps it. REQUIRES: running.
  void Kill(raft::NodeId id);
  // SIGSTOP and SIGCONT: the member hangs with its connections open, then
  // goes on. REQUIRES: running.
  void Pause(raft::NodeId id);
  void Resume(raft::NodeId id);
  bool running(raft::NodeId id) const { return members_.at(id).pid > 0; }

  // The member's output so far (every run of it), for failure messages.
  std::string Output(raft::NodeId id) const;
  // Every member's output, each line prefixed with its id.
  std::string AllOutput() const;
  // Leaves the data and logs on disk for a post-mortem; returns where.
  std::string KeepData();

 private:
  struct Member {
    int raft_port = 0;
    int client_port = 0;
    pid_t pid = -1;
  };
  void Signal(raft::NodeId id, int signal);
  std::string DataDir(raft::NodeId id) const;
  std::string LogFile(raft::NodeId id) const;

  TempDir dir_;
  std::vector<std::string> extra_flags_;
  std::map<raft::NodeId, Member> members_;
};

}  // namespace waggle::process_test
