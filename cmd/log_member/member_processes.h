// MemberProcesses: real `waggle log-member` processes on 127.0.0.1, for the
// process tests and the replication benchmark. Each member gets two free
// ports (Raft and clients) and a data directory under one fresh temporary
// directory; its stdout and stderr go to member-N.log there, appended to
// across restarts. Children die with their parent (PR_SET_PDEATHSIG) and are
// killed by the destructor, so a crashed or failed run leaves no strays.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cmd/log_member/log_client.h"
#include "common/status.h"

namespace waggle::cmd {

// A fresh directory from mkdtemp, removed with everything in it by the
// destructor unless Keep() was called.
class TempDir {
 public:
  // Makes $TMPDIR/<prefix>-XXXXXX.
  static Result<std::unique_ptr<TempDir>> Create(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  void Keep() { keep_ = true; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}

  const std::string path_;
  bool keep_ = false;
};

// `count` distinct ports on 127.0.0.1 that were free a moment ago. Another
// process may still take one before it is bound again.
Result<std::vector<int>> FreePorts(int count);

// `count` consecutive ports on 127.0.0.1 that were free a moment ago; the
// first of them. For brokers, which derive their peers' ports from one
// distance between command and internal port.
Result<int> FreePortRange(int count);

// fork + exec of `binary args...` with stdout and stderr appended to files
// (the same one may be given twice). The child dies with its parent.
Result<pid_t> Spawn(const std::string& binary, const std::vector<std::string>& args,
                    const std::string& out_file, const std::string& err_file);

struct ExitResult {
  int exit_code = -1;  // -1 if it did not exit on its own (it was killed)
  std::string err;     // what it wrote to stderr
};

// Runs `waggle_binary args...` to completion, killing it after `timeout`. Its
// output goes to files in scratch_dir.
Result<ExitResult> RunWaggle(const std::string& waggle_binary, const std::vector<std::string>& args,
                             const std::string& scratch_dir, std::chrono::milliseconds timeout);

struct MemberProcessesOptions {
  std::string waggle_binary;  // the `waggle` executable
  int members = 3;            // REQUIRES: >= 1; node ids are 1..members
  // Passed to every member after --id, --members, --data and --client.
  std::vector<std::string> flags;
};

class MemberProcesses {
 public:
  // Picks the ports and makes the temporary directory; starts nothing.
  static Result<std::unique_ptr<MemberProcesses>> Create(MemberProcessesOptions options);
  // SIGKILLs every running member; removes the directory unless KeepData().
  ~MemberProcesses();
  MemberProcesses(const MemberProcesses&) = delete;
  MemberProcesses& operator=(const MemberProcesses&) = delete;

  // Starts the member (again, with the same ports and data directory).
  // REQUIRES: not running.
  Status Start(raft::NodeId id);
  Status StartAll();
  // SIGKILL, then reaps it. REQUIRES: running.
  void Kill(raft::NodeId id);
  // SIGSTOP and SIGCONT: the member hangs with its connections open, then
  // goes on. REQUIRES: running.
  void Pause(raft::NodeId id);
  void Resume(raft::NodeId id);
  bool running(raft::NodeId id) const { return members_.at(id).pid > 0; }

  std::vector<raft::NodeId> ids() const;
  // Node id -> client (LogService) address.
  std::map<raft::NodeId, std::string> client_addresses() const;
  // A client of every member, for Status queries and appends.
  LogClient& client() const { return *client_; }

  // User plus system CPU time the member process used so far.
  // REQUIRES: running.
  Result<std::chrono::microseconds> CpuTime(raft::NodeId id) const;

  // Waits until every running member reports a commit index of at least
  // `index` for `group`.
  Status WaitForCommit(LogGroupId group, raft::Index index,
                       std::chrono::milliseconds timeout) const;

  // The member's output so far (every run of it), for failure messages.
  std::string Output(raft::NodeId id) const;
  // Every member's output, each line prefixed with [mN].
  std::string AllOutput() const;
  // Leaves the data and logs on disk for a post-mortem; returns where.
  std::string KeepData();

 private:
  struct Member {
    int raft_port = 0;
    int client_port = 0;
    pid_t pid = -1;
  };
  MemberProcesses(MemberProcessesOptions options, std::unique_ptr<TempDir> dir,
                  std::map<raft::NodeId, Member> members);
  void Signal(raft::NodeId id, int signal);
  std::string DataDir(raft::NodeId id) const;
  std::string LogFile(raft::NodeId id) const;

  const MemberProcessesOptions options_;
  const std::unique_ptr<TempDir> dir_;
  std::map<raft::NodeId, Member> members_;
  const std::unique_ptr<LogClient> client_;
};

}  // namespace waggle::cmd
