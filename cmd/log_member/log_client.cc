#include "cmd/log_member/log_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "cmd/log_member/log_service.grpc.pb.h"

namespace waggle::cmd {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Pause between attempts while no member leads or answers.
constexpr milliseconds kRetryPause{20};
// How long one append attempt may wait for its answer before the member is
// presumed hung and another is tried. Generous, since giving up on an attempt
// that then commits duplicates its entries.
constexpr milliseconds kAttemptTimeout{3000};

std::chrono::system_clock::time_point GrpcDeadline(milliseconds timeout) {
  return std::chrono::system_clock::now() + timeout;
}

milliseconds Remaining(Clock::time_point deadline) {
  return std::max(milliseconds(1),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // gRPC's default reconnect backoff grows to 120 s; a member that restarts
  // must be reachable again within moments.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// One Append stream to one member. Requests from any thread are written in
// turn; a reader thread hands each response to the caller waiting for its id.
// Once broken (the member failed or a caller gave up on it) it stays broken
// and every waiter is released; the owner replaces it.
class AppendStream {
 public:
  explicit AppendStream(waggle::log::LogService::Stub* stub)
      : stream_(stub->Append(&context_)), reader_([this] { ReadLoop(); }) {}

  ~AppendStream() {
    context_.TryCancel();
    reader_.join();
    stream_->Finish().ok();  // the outcome is known to the waiters already
  }

  // Sends one request and waits for its response until deadline. A broken
  // stream or an expired deadline yield a response with ok == false.
  waggle::log::AppendResponse Call(waggle::log::AppendRequest& request,
                                   Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    if (broken_) return Failure("stream broken");
    const uint64_t id = next_id_++;
    request.set_id(id);
    pending_.emplace(id, std::nullopt);
    {
      // Writes are serialised by write_mu_, not mu_, so the reader can
      // deliver responses meanwhile.
      lock.unlock();
      std::lock_guard write_lock(write_mu_);
      const bool written = stream_->Write(request);
      lock.lock();
      if (!written) Break();
    }
    done_.wait_until(lock, deadline, [&] { return broken_ || pending_.at(id).has_value(); });
    std::optional<waggle::log::AppendResponse> response = std::move(pending_.at(id));
    pending_.erase(id);
    if (response) return *response;
    if (!broken_) {
      // The member is too slow or hung: give up on this stream entirely, as
      // its answer may never come.
      Break();
      context_.TryCancel();
      return Failure("no answer before the deadline");
    }
    return Failure("stream broken");
  }

  bool broken() const {
    std::lock_guard lock(mu_);
    return broken_;
  }

 private:
  static waggle::log::AppendResponse Failure(const std::string& why) {
    waggle::log::AppendResponse response;
    response.set_ok(false);
    response.set_error(why);
    return response;
  }

  void ReadLoop() {
    waggle::log::AppendResponse response;
    while (stream_->Read(&response)) {
      std::lock_guard lock(mu_);
      auto it = pending_.find(response.id());
      if (it != pending_.end()) it->second = std::move(response);
      done_.notify_all();
    }
    std::lock_guard lock(mu_);
    Break();
  }

  // REQUIRES: mu_ held.
  void Break() {
    broken_ = true;
    done_.notify_all();
  }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<waggle::log::AppendRequest, waggle::log::AppendResponse>>
      stream_;
  std::mutex write_mu_;
  mutable std::mutex mu_;
  std::condition_variable done_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::optional<waggle::log::AppendResponse>> pending_;
  bool broken_ = false;
  std::thread reader_;  // last: starts once everything above exists
};

}  // namespace

class LogClient::Impl {
 public:
  explicit Impl(const std::map<raft::NodeId, std::string>& addresses) {
    for (const auto& [id, address] : addresses) {
      members_[id].stub = waggle::log::LogService::NewStub(MakeChannel(address));
    }
  }

  Result<LogMemberStatus> StatusOf(raft::NodeId member, milliseconds timeout) const {
    auto it = members_.find(member);
    if (it == members_.end()) return UnknownMember(member);
    grpc::ClientContext context;
    context.set_deadline(GrpcDeadline(timeout));
    waggle::log::StatusResponse response;
    grpc::Status s = it->second.stub->Status(&context, waggle::log::StatusRequest(), &response);
    if (!s.ok()) return Unreachable(member, s);
    LogMemberStatus out;
    out.node = response.node_id();
    out.rounds = response.rounds();
    out.syncs = response.syncs();
    out.entries_committed = response.entries_committed();
    for (const waggle::log::GroupStatus& g : response.groups()) {
      out.groups.push_back({g.group(), g.role(), g.leader(), g.term(), g.commit(), g.applied(),
                            g.last_index(), g.first_index()});
    }
    return out;
  }

  Result<raft::NodeId> FindLeader(LogGroupId group, milliseconds timeout) const {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (true) {
      raft::NodeId leader = raft::kNoNode;
      raft::Term leader_term = 0;
      size_t answered = 0, hosting = 0;
      for (const auto& [id, member] : members_) {
        Result<LogMemberStatus> status =
            StatusOf(id, std::min(Remaining(deadline), kStatusTimeout));
        if (!status.ok()) continue;
        answered++;
        for (const LogGroupStatus& g : status->groups) {
          if (g.group != group) continue;
          hosting++;
          if (g.role == "leader" && g.term >= leader_term) {
            leader = id;
            leader_term = g.term;
          }
        }
      }
      if (leader != raft::kNoNode) return leader;
      if (answered == members_.size() && hosting == 0) {
        return Status::NotFound("no member hosts group " + std::to_string(group));
      }
      if (Clock::now() + kRetryPause >= deadline) {
        return Status::Unavailable("no leader of group " + std::to_string(group) + " within " +
                                   std::to_string(timeout.count()) + " ms (" +
                                   std::to_string(answered) + " of " +
                                   std::to_string(members_.size()) + " members answered)");
      }
      std::this_thread::sleep_for(kRetryPause);
    }
  }

  Result<raft::Index> Append(LogGroupId group, std::vector<std::string> entries,
                             milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    waggle::log::AppendRequest request;
    request.set_group(group);
    for (std::string& e : entries) request.add_entries(std::move(e));
    std::string last_error = "no attempt";
    while (Clock::now() < deadline) {
      raft::NodeId target = LeaderGuess(group);
      if (target == raft::kNoNode) {
        Result<raft::NodeId> found = FindLeader(group, Remaining(deadline));
        if (!found.ok()) {
          if (found.status().code() == Status::Code::kNotFound) return found.status();
          last_error = found.status().message();
          continue;
        }
        target = *found;
        SetLeaderGuess(group, target);
      }
      std::shared_ptr<AppendStream> stream = StreamTo(target);
      waggle::log::AppendResponse response =
          stream->Call(request, std::min(deadline, Clock::now() + kAttemptTimeout));
      if (response.ok()) return response.first_index();
      last_error = "member " + std::to_string(target) + ": " + response.error();
      // A hint names the new leader; without one, ask everybody again after
      // a pause, as an election may be under way.
      const raft::NodeId hint = response.leader_hint();
      const bool useful_hint = hint != raft::kNoNode && hint != target && members_.count(hint);
      SetLeaderGuess(group, useful_hint ? hint : raft::kNoNode);
      if (!useful_hint) std::this_thread::sleep_for(std::min(kRetryPause, Remaining(deadline)));
    }
    return Status::Unavailable("append to group " + std::to_string(group) + " did not succeed in " +
                               std::to_string(timeout.count()) + " ms; last error: " + last_error);
  }

  raft::NodeId LeaderGuess(LogGroupId group) const {
    std::lock_guard lock(mu_);
    auto it = leader_guess_.find(group);
    return it == leader_guess_.end() ? raft::kNoNode : it->second;
  }

  Result<std::vector<raft::Entry>> ReadAll(LogGroupId group, raft::NodeId member,
                                           milliseconds timeout) const {
    const Clock::time_point deadline = Clock::now() + timeout;
    Result<LogMemberStatus> status = StatusOf(member, timeout);
    if (!status.ok()) return status.status();
    const LogGroupStatus* g = nullptr;
    for (const LogGroupStatus& candidate : status->groups) {
      if (candidate.group == group) g = &candidate;
    }
    if (g == nullptr) {
      return Status::NotFound("member " + std::to_string(member) + " does not host group " +
                              std::to_string(group));
    }
    std::vector<raft::Entry> out;
    raft::Index next = std::max<raft::Index>(1, g->first_index);
    while (next <= g->commit) {
      grpc::ClientContext context;
      context.set_deadline(GrpcDeadline(Remaining(deadline)));
      waggle::log::ReadRequest request;
      request.set_group(group);
      request.set_from_index(next);
      waggle::log::ReadResponse response;
      grpc::Status s = members_.at(member).stub->Read(&context, request, &response);
      if (!s.ok()) return Unreachable(member, s);
      if (!response.error().empty()) {
        return Status::IOError("member " + std::to_string(member) + " read at index " +
                               std::to_string(next) + ": " + response.error());
      }
      if (response.entries().empty()) {
        return Status::Corruption("member " + std::to_string(member) +
                                  " returned no entries at committed index " +
                                  std::to_string(next));
      }
      for (const waggle::log::LogEntry& e : response.entries()) {
        if (e.index() != next) {
          return Status::Corruption("member " + std::to_string(member) + " returned index " +
                                    std::to_string(e.index()) + " where " + std::to_string(next) +
                                    " was due");
        }
        out.push_back({e.term(), e.index(),
                       e.noop() ? raft::EntryType::kNoOp : raft::EntryType::kNormal, e.data()});
        next++;
      }
    }
    return out;
  }

 private:
  static constexpr milliseconds kStatusTimeout{500};

  struct Member {
    std::unique_ptr<waggle::log::LogService::Stub> stub;
    std::shared_ptr<AppendStream> append;  // guarded by mu_
  };

  static Status UnknownMember(raft::NodeId member) {
    return Status::InvalidArgument("member " + std::to_string(member) + " is not in the list");
  }

  static Status Unreachable(raft::NodeId member, const grpc::Status& s) {
    return Status::Unavailable("member " + std::to_string(member) + ": " + s.error_message());
  }

  void SetLeaderGuess(LogGroupId group, raft::NodeId leader) {
    std::lock_guard lock(mu_);
    leader_guess_[group] = leader;
  }

  // The member's open Append stream, or a new one if it broke. The old one is
  // destroyed (joining its reader) by whoever drops the last reference.
  std::shared_ptr<AppendStream> StreamTo(raft::NodeId member) {
    std::lock_guard lock(mu_);
    Member& m = members_.at(member);
    if (!m.append || m.append->broken()) {
      m.append = std::make_shared<AppendStream>(m.stub.get());
    }
    return m.append;
  }

  std::map<raft::NodeId, Member> members_;  // the map's shape is fixed after construction
  mutable std::mutex mu_;
  std::map<LogGroupId, raft::NodeId> leader_guess_;
};

LogClient::LogClient(std::map<raft::NodeId, std::string> members)
    : impl_(std::make_unique<Impl>(members)) {}

LogClient::~LogClient() = default;

Result<LogMemberStatus> LogClient::StatusOf(raft::NodeId member, milliseconds timeout) const {
  return impl_->StatusOf(member, timeout);
}

Result<raft::NodeId> LogClient::FindLeader(LogGroupId group, milliseconds timeout) const {
  return impl_->FindLeader(group, timeout);
}

Result<raft::Index> LogClient::Append(LogGroupId group, std::vector<std::string> entries,
                                      milliseconds timeout) {
  return impl_->Append(group, std::move(entries), timeout);
}

raft::NodeId LogClient::LeaderGuess(LogGroupId group) const {
  return impl_->LeaderGuess(group);
}

Result<std::vector<raft::Entry>> LogClient::ReadAll(LogGroupId group, raft::NodeId member,
                                                    milliseconds timeout) const {
  return impl_->ReadAll(group, member, timeout);
}

}  // namespace waggle::cmd
