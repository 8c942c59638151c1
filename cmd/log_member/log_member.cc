#include "cmd/log_member/log_member.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "cmd/flags.h"
#include "cmd/log_member/log_service.grpc.pb.h"
#include "replication/driver/multi_raft.h"
#include "replication/driver/transport_bus.h"
#include "replication/transport/transport.h"

namespace waggle::cmd {

namespace {

using replication::GroupId;

// Prints what the cluster does, so that the demo shows it.
class ConsoleListener final : public replication::GroupListener {
 public:
  ConsoleListener(raft::NodeId self, bool verbose) : self_(self), verbose_(verbose) {}

  void OnCommitted(GroupId group, const std::vector<raft::Entry>& entries) override {
    uint64_t& count = committed_[group];
    uint64_t before = count / kReportEvery;
    count += entries.size();
    if (verbose_ && count / kReportEvery != before) {
      std::printf("member %llu: group %u applied %llu entries (last index %llu)\n",
                  static_cast<unsigned long long>(self_), group,
                  static_cast<unsigned long long>(count),
                  static_cast<unsigned long long>(entries.back().index));
      std::fflush(stdout);
    }
  }

  void OnRoleChanged(GroupId group, const raft::SoftState& state, raft::Term term) override {
    if (!verbose_) return;
    std::printf("member %llu: group %u is %s in term %llu, leader %llu\n",
                static_cast<unsigned long long>(self_), group, raft::to_string(state.role),
                static_cast<unsigned long long>(term),
                static_cast<unsigned long long>(state.leader));
    std::fflush(stdout);
  }

 private:
  static constexpr uint64_t kReportEvery = 10000;
  const raft::NodeId self_;
  const bool verbose_;
  std::map<GroupId, uint64_t> committed_;  // driver thread only
};

// One Append stream, served without a thread of its own: each request read
// is proposed at once and the next read started, so proposals pipeline; the
// driver thread answers each when its entries commit (or fail), and the
// answers are written one at a time, in the order they came.
class AppendReactor final
    : public grpc::ServerBidiReactor<waggle::log::AppendRequest, waggle::log::AppendResponse> {
 public:
  explicit AppendReactor(replication::MultiRaft* driver)
      : driver_(driver), state_(std::make_shared<State>(this)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side, or the call broke
      std::lock_guard lock(state_->mu);
      state_->reading_done = true;
      state_->WriteNextOrFinish();
      return;
    }
    // The entries move out of the request, which the next read refills.
    std::vector<std::string> entries;
    entries.reserve(request_.entries_size());
    for (std::string& entry : *request_.mutable_entries()) entries.push_back(std::move(entry));
    {
      std::lock_guard lock(state_->mu);
      if (state_->finished) return;  // cancelled meanwhile: no read may start again
      state_->outstanding++;
    }
    driver_->Propose(request_.group(), std::move(entries),
                     [state = state_, id = request_.id()](const Status& status, raft::Index first) {
                       waggle::log::AppendResponse response;
                       response.set_id(id);
                       response.set_ok(status.ok());
                       response.set_first_index(first);
                       response.set_leader_hint(status.leader_hint());
                       if (!status.ok()) response.set_error(status.ToString());
                       std::lock_guard lock(state->mu);
                       state->outstanding--;
                       if (!state->broken) state->queue.push_back(std::move(response));
                       state->WriteNextOrFinish();
                     });
    std::lock_guard lock(state_->mu);
    if (!state_->finished) StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(state_->mu);
    state_->queue.pop_front();
    state_->writing = false;
    state_->broken = state_->broken || !ok;
    state_->WriteNextOrFinish();
  }

  void OnCancel() override {
    std::lock_guard lock(state_->mu);
    state_->broken = true;
    state_->WriteNextOrFinish();
  }

  // gRPC calls this once after Finish, when no read or write is pending; the
  // driver's callbacks no longer touch the reactor by then (state->finished).
  void OnDone() override { delete this; }

 private:
  // Shared with the driver's callbacks, which may run after the reactor is gone.
  struct State {
    explicit State(AppendReactor* r) : reactor(r) {}

    // Starts the next write, or finishes the call once nothing is left to
    // write: at once when it broke, else when the client closed its side and
    // every proposal was answered. REQUIRES: mu held.
    void WriteNextOrFinish() {
      if (finished || writing) return;
      if (broken) {
        Finish(grpc::Status::CANCELLED);
      } else if (!queue.empty()) {
        writing = true;
        reactor->StartWrite(&queue.front());  // deque elements stay put on push_back
      } else if (reading_done && outstanding == 0) {
        Finish(grpc::Status::OK);
      }
    }

    void Finish(const grpc::Status& status) {
      finished = true;
      queue.clear();
      reactor->Finish(status);
    }

    std::mutex mu;
    AppendReactor* const reactor;                   // REQUIRES: !finished to use
    std::deque<waggle::log::AppendResponse> queue;  // front() is being written when writing
    uint64_t outstanding = 0;                       // proposals not answered yet
    bool writing = false;
    bool reading_done = false;
    bool broken = false;  // cancelled or a write failed: answers are dropped
    bool finished = false;
  };

  replication::MultiRaft* const driver_;
  const std::shared_ptr<State> state_;
  waggle::log::AppendRequest request_;  // filled by the pending read
};

// Append uses the callback API (no thread per stream); the unary methods stay
// synchronous.
class LogServiceImpl final
    : public waggle::log::LogService::WithCallbackMethod_Append<waggle::log::LogService::Service> {
 public:
  LogServiceImpl(raft::NodeId self, replication::MultiRaft* driver)
      : self_(self), driver_(driver) {}

  grpc::ServerBidiReactor<waggle::log::AppendRequest, waggle::log::AppendResponse>* Append(
      grpc::CallbackServerContext*) override {
    return new AppendReactor(driver_);
  }

  grpc::Status Status(grpc::ServerContext*, const waggle::log::StatusRequest*,
                      waggle::log::StatusResponse* response) override {
    response->set_node_id(self_);
    for (GroupId group : driver_->Groups()) {
      Result<replication::GroupState> state = driver_->State(group);
      if (!state.ok()) continue;
      waggle::log::GroupStatus* g = response->add_groups();
      g->set_group(group);
      g->set_role(raft::to_string(state->role));
      g->set_leader(state->leader);
      g->set_term(state->term);
      g->set_commit(state->commit);
      g->set_applied(state->applied);
      g->set_last_index(state->last_index);
      g->set_first_index(state->first_index);
    }
    replication::MultiRaft::Stats stats = driver_->stats();
    response->set_rounds(stats.rounds);
    response->set_syncs(stats.syncs);
    response->set_entries_committed(stats.entries_committed);
    return grpc::Status::OK;
  }

  grpc::Status Read(grpc::ServerContext*, const waggle::log::ReadRequest* request,
                    waggle::log::ReadResponse* response) override {
    std::vector<raft::Entry> entries;
    const size_t max_bytes = request->max_bytes() == 0 ? (1 << 20) : request->max_bytes();
    waggle::Status s =
        driver_->ReadCommitted(request->group(), request->from_index(), max_bytes, &entries);
    if (!s.ok()) {
      response->set_error(s.ToString());
      return grpc::Status::OK;
    }
    for (const raft::Entry& e : entries) {
      waggle::log::LogEntry* out = response->add_entries();
      out->set_index(e.index);
      out->set_term(e.term);
      out->set_noop(e.type == raft::EntryType::kNoOp);
      out->set_data(e.data);
    }
    return grpc::Status::OK;
  }

  grpc::Status TransferLeadership(grpc::ServerContext*, const waggle::log::TransferRequest* request,
                                  waggle::log::TransferResponse*) override {
    driver_->TransferLeadership(request->group(), request->target());
    return grpc::Status::OK;
  }

 private:
  const raft::NodeId self_;
  replication::MultiRaft* const driver_;
};

std::atomic<bool> g_stop{false};

}  // namespace

Result<LogMemberOptions> ParseLogMemberFlags(const std::vector<std::string>& args) {
  Result<Flags> parsed = Flags::Parse(args);
  if (!parsed.ok()) return parsed.status();
  Flags& flags = *parsed;
  LogMemberOptions options;

  auto id = flags.Int("id", 0, 1, 1 << 20);
  if (!id.ok()) return id.status();
  if (*id == 0) return Status::InvalidArgument("--id is required (this member's node id, >= 1)");
  options.id = *id;

  auto members = flags.String("members", "");
  if (!members.ok()) return members.status();
  auto parsed_members = ParseMemberList("members", *members);
  if (!parsed_members.ok()) return parsed_members.status();
  options.members = *parsed_members;
  if (!options.members.count(options.id)) {
    return Status::InvalidArgument("--members must include this member's --id " +
                                   std::to_string(options.id));
  }

  auto client = flags.String("client", "127.0.0.1:0");
  auto data = flags.String("data", "");
  auto groups = flags.Int("groups", options.groups, 1, 8192);
  auto tick = flags.Int("tick-ms", options.tick.count(), 1, 10000);
  auto heartbeat = flags.Int("heartbeat-ticks", options.heartbeat_ticks, 1, 1000);
  auto election = flags.Int("election-ticks", options.election_ticks, 2, 10000);
  auto fsync = flags.String("fsync", "on");
  auto verbose = flags.String("verbose", "on");
  for (const Status& s :
       {client.status(), data.status(), groups.status(), tick.status(), heartbeat.status(),
        election.status(), fsync.status(), verbose.status()}) {
    if (!s.ok()) return s;
  }
  if (data->empty()) return Status::InvalidArgument("--data is required (the data directory)");
  if (*fsync != "on" && *fsync != "off") {
    return Status::InvalidArgument("--fsync must be 'on' or 'off', got '" + *fsync + "'");
  }
  if (*verbose != "on" && *verbose != "off") {
    return Status::InvalidArgument("--verbose must be 'on' or 'off', got '" + *verbose + "'");
  }
  if (*election <= *heartbeat) {
    return Status::InvalidArgument("--election-ticks must exceed --heartbeat-ticks");
  }
  options.client_address = *client;
  options.data_dir = *data;
  options.groups = static_cast<int>(*groups);
  options.tick = std::chrono::milliseconds(*tick);
  options.heartbeat_ticks = static_cast<int>(*heartbeat);
  options.election_ticks = static_cast<int>(*election);
  options.fsync = *fsync == "on";
  options.verbose = *verbose == "on";
  if (Status s = flags.CheckAllUsed(); !s.ok()) return s;
  return options;
}

Status RunLogMember(const LogMemberOptions& options) {
  std::vector<raft::NodeId> ids;
  std::map<raft::NodeId, std::string> peers;
  for (const auto& [id, address] : options.members) {
    ids.push_back(id);
    if (id != options.id) peers[id] = address;
  }

  std::unique_ptr<transport::Transport> transport;
  replication::DriverOptions driver_options;
  driver_options.self = options.id;
  driver_options.tick_interval = options.tick;

  // The transport delivers into the driver and the driver sends through the
  // transport: build the transport around a pointer filled in just below.
  std::atomic<replication::MultiRaft*> driver_ptr{nullptr};
  transport::Transport::Options transport_options;
  transport_options.on_peer_unreachable = [&driver_ptr](raft::NodeId peer) {
    if (auto* d = driver_ptr.load()) d->ReportUnreachable(peer);
  };
  transport = std::make_unique<transport::Transport>(
      options.id, options.members.at(options.id), peers, transport_options,
      [&driver_ptr](raft::NodeId from, std::vector<transport::GroupMessage>&& messages) {
        if (auto* d = driver_ptr.load()) d->Deliver(from, std::move(messages));
      });
  replication::TransportBus transport_bus(transport.get());
  replication::MultiRaft driver(driver_options, &transport_bus);
  ConsoleListener listener(options.id, options.verbose);

  for (int g = 1; g <= options.groups; ++g) {
    replication::GroupOptions group;
    group.id = g;
    group.raft.members = ids;
    group.raft.heartbeat_ticks = options.heartbeat_ticks;
    group.raft.election_ticks = options.election_ticks;
    group.raft.random_seed = options.id * 7919 + g;
    group.dir = options.data_dir + "/group-" + std::to_string(g);
    group.journal.flush =
        options.fsync ? journal::FlushPolicy::kEveryBatch : journal::FlushPolicy::kNever;
    group.listener = &listener;
    if (Status s = driver.AddGroup(group); !s.ok()) return s;
  }
  driver_ptr = &driver;

  if (Status s = transport->Start(); !s.ok()) return s;

  LogServiceImpl service(options.id, &driver);
  grpc::ServerBuilder builder;
  // Fail loudly when another process holds the port, instead of sharing it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int client_port = 0;
  builder.AddListeningPort(options.client_address, grpc::InsecureServerCredentials(), &client_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || client_port == 0) {
    transport->Stop();
    return Status::IOError("cannot listen on --client " + options.client_address);
  }
  if (Status s = driver.Start(); !s.ok()) return s;

  std::printf("member %llu: %d group(s), raft on %s, clients on port %d, data in %s, fsync %s\n",
              static_cast<unsigned long long>(options.id), options.groups,
              options.members.at(options.id).c_str(), client_port, options.data_dir.c_str(),
              options.fsync ? "on" : "off");
  std::fflush(stdout);

  signal(SIGINT, [](int) { g_stop = true; });
  signal(SIGTERM, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));

  std::printf("member %llu: stopping\n", static_cast<unsigned long long>(options.id));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  driver.Stop();
  transport->Stop();
  return Status::OK();
}

}  // namespace waggle::cmd
