#include "replication/transport/transport.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "replication/transport/codec.h"
#include "replication/transport/raft_transport.grpc.pb.h"

namespace waggle::transport {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using raft::NodeId;

// Without traffic, a dead peer is noticed by keepalive pings after about
// kKeepaliveTime + kKeepaliveTimeout. The server must accept pings at least
// that often, or it would close the stream as abusive.
constexpr milliseconds kKeepaliveTime{10000};
constexpr milliseconds kKeepaliveTimeout{5000};
constexpr milliseconds kMinPingInterval{5000};
// How often a blocked sender checks whether it should stop.
constexpr milliseconds kStopPollInterval{50};
constexpr milliseconds kLogInterval{1000};

struct Counters {
  std::atomic<uint64_t> batches_sent{0};
  std::atomic<uint64_t> messages_sent{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> batches_received{0};
  std::atomic<uint64_t> messages_received{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> malformed_batches{0};
  std::atomic<uint64_t> connects{0};
  std::atomic<uint64_t> connect_failures{0};
  std::atomic<uint64_t> messages_dropped{0};

  static void Add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  static uint64_t Get(const std::atomic<uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);
  }

  Transport::Stats Snapshot() const {
    Transport::Stats stats;
    stats.batches_sent = Get(batches_sent);
    stats.messages_sent = Get(messages_sent);
    stats.bytes_sent = Get(bytes_sent);
    stats.batches_received = Get(batches_received);
    stats.messages_received = Get(messages_received);
    stats.bytes_received = Get(bytes_received);
    stats.malformed_batches = Get(malformed_batches);
    stats.connects = Get(connects);
    stats.connect_failures = Get(connect_failures);
    stats.messages_dropped = Get(messages_dropped);
    return stats;
  }
};

// Writes to stderr at most once per interval, so a peer sending garbage or a
// flapping link cannot flood the log; says how many lines it held back.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(NodeId self) : self_(self) {}

  void Log(const std::string& line) {
    std::lock_guard lock(mu_);
    Clock::time_point now = Clock::now();
    if (now < next_allowed_) {
      ++suppressed_;
      return;
    }
    next_allowed_ = now + kLogInterval;
    if (suppressed_ > 0) {
      std::fprintf(stderr, "transport[%llu]: %s (%llu similar lines suppressed)\n",
                   static_cast<unsigned long long>(self_), line.c_str(),
                   static_cast<unsigned long long>(suppressed_));
    } else {
      std::fprintf(stderr, "transport[%llu]: %s\n", static_cast<unsigned long long>(self_),
                   line.c_str());
    }
    suppressed_ = 0;
  }

 private:
  const NodeId self_;
  std::mutex mu_;
  Clock::time_point next_allowed_;
  uint64_t suppressed_ = 0;
};

// The server side: one call of Stream per incoming peer stream, on a gRPC
// thread, for as long as the stream lives.
class Receiver final : public wire::RaftTransport::Service {
 public:
  Receiver(const Transport::Handler* handler, Counters* counters, RateLimitedLog* log)
      : handler_(handler), counters_(counters), log_(log) {}

  grpc::Status Stream(grpc::ServerContext* context, grpc::ServerReader<wire::Frame>* reader,
                      wire::Ack* /*ack*/) override {
    wire::Frame frame;
    std::vector<GroupMessage> messages;
    NodeId from = raft::kNoNode;
    while (reader->Read(&frame)) {
      const std::string& batch = frame.batch();
      Counters::Add(counters_->bytes_received, batch.size());
      Status status = DecodeBatch(reinterpret_cast<const uint8_t*>(batch.data()), batch.size(),
                                  &from, &messages);
      if (!status.ok()) {
        Counters::Add(counters_->malformed_batches, 1);
        log_->Log("dropped malformed batch of " + std::to_string(batch.size()) + " bytes from " +
                  context->peer() + ": " + status.message());
        continue;
      }
      Counters::Add(counters_->batches_received, 1);
      Counters::Add(counters_->messages_received, messages.size());
      (*handler_)(from, std::move(messages));
      messages.clear();  // a moved-from vector is valid but unspecified
    }
    return grpc::Status::OK;
  }

 private:
  const Transport::Handler* const handler_;
  Counters* const counters_;
  RateLimitedLog* const log_;
};

// Owns the stream to one peer and the thread that writes it.
class PeerSender {
 public:
  PeerSender(NodeId self, NodeId peer, const std::string& address,
             const Transport::Options* options, Counters* counters, RateLimitedLog* log)
      : self_(self),
        peer_(peer),
        address_(address),
        options_(options),
        counters_(counters),
        log_(log),
        channel_(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                           ChannelArguments(*options))),
        stub_(wire::RaftTransport::NewStub(channel_)),
        backoff_(options->initial_backoff) {}

  ~PeerSender() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      // Unblocks a Write waiting for a peer that does not read.
      if (active_context_ != nullptr) active_context_->TryCancel();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void Enqueue(std::vector<GroupMessage>&& messages) {
    uint64_t dropped = 0;
    {
      std::lock_guard lock(mu_);
      for (GroupMessage& message : messages) {
        size_t bytes = EncodedSizeEstimate(message.message);
        if (queue_.size() >= options_->max_queued_messages ||
            queued_bytes_ + bytes > options_->max_queued_bytes) {
          ++dropped;
          continue;
        }
        queued_bytes_ += bytes;
        queue_.push_back(std::move(message));
      }
    }
    if (dropped > 0) {
      Counters::Add(counters_->messages_dropped, dropped);
      log_->Log("queue to peer " + std::to_string(peer_) + " full, dropped " +
                std::to_string(dropped) + " messages");
    }
  }

  void Flush() {
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return;
      flush_requested_ = true;
    }
    wake_.notify_one();
  }

 private:
  static grpc::ChannelArguments ChannelArguments(const Transport::Options& options) {
    grpc::ChannelArguments args;
    // gRPC's own reconnect backoff would otherwise start at 1 s and grow to
    // 120 s, hiding ours. Its "min reconnect backoff" is in fact the connect
    // timeout (default 20 s), which must not outlast one of our attempts.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                static_cast<int>(options.initial_backoff.count()));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options.max_backoff.count()));
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                static_cast<int>(options.connect_timeout.count()));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(kKeepaliveTime.count()));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(kKeepaliveTimeout.count()));
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    // Each Transport gets its own connections, even to a peer another
    // Transport in this process also talks to (tests run several).
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return args;
  }

  bool Stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void Run() {
    std::vector<GroupMessage> batch;
    while (true) {
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || flush_requested_; });
        if (stopping_) break;
        flush_requested_ = false;
        // Swapping keeps both vectors' capacity: no allocation per round.
        batch.swap(queue_);
        queued_bytes_ = 0;
      }
      WriteInFrames(batch);
      batch.clear();
    }
    CloseStream();
  }

  void WriteInFrames(const std::vector<GroupMessage>& messages) {
    size_t begin = 0;
    size_t bytes = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
      size_t estimate = EncodedSizeEstimate(messages[i].message);
      if (i > begin && bytes + estimate > options_->max_batch_bytes) {
        WriteFrame(std::span(messages).subspan(begin, i - begin));
        begin = i;
        bytes = 0;
      }
      bytes += estimate;
    }
    if (begin < messages.size()) WriteFrame(std::span(messages).subspan(begin));
  }

  void WriteFrame(std::span<const GroupMessage> messages) {
    std::span<const uint8_t> encoded = encoder_.Encode(self_, messages);
    if (encoded.size() > options_->max_frame_bytes) {
      Counters::Add(counters_->messages_dropped, messages.size());
      log_->Log("dropped a " + std::to_string(encoded.size()) + "-byte frame to peer " +
                std::to_string(peer_) + ": larger than max_frame_bytes");
      return;
    }
    frame_.set_batch(encoded.data(), encoded.size());
    while (!EnsureStream()) {
      if (Stopping()) {
        Counters::Add(counters_->messages_dropped, messages.size());
        return;
      }
    }
    if (!writer_->Write(frame_)) {
      // Whether the peer got the frame is unknown; Raft copes either way.
      Counters::Add(counters_->messages_dropped, messages.size());
      CloseStream();
      if (!Stopping()) OnFailure("stream broke");
      return;
    }
    backoff_ = options_->initial_backoff;
    Counters::Add(counters_->batches_sent, 1);
    Counters::Add(counters_->messages_sent, messages.size());
    Counters::Add(counters_->bytes_sent, encoded.size());
  }

  // Returns whether a stream is open, opening one if needed. On failure it
  // has already reported the peer and waited out the backoff.
  bool EnsureStream() {
    if (writer_ != nullptr) return true;
    if (!WaitForConnection()) {
      OnFailure("cannot connect");
      return false;
    }
    auto context = std::make_unique<grpc::ClientContext>();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
      active_context_ = context.get();
    }
    context_ = std::move(context);
    writer_ = stub_->Stream(context_.get(), &ack_);
    Counters::Add(counters_->connects, 1);
    if (peer_down_) log_->Log("connected to peer " + std::to_string(peer_) + " at " + address_);
    peer_down_ = false;
    return true;
  }

  bool WaitForConnection() {
    Clock::time_point deadline = Clock::now() + options_->connect_timeout;
    grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
    while (state != GRPC_CHANNEL_READY) {
      if (Stopping() || Clock::now() >= deadline) return false;
      channel_->WaitForStateChange(state, std::chrono::system_clock::now() + kStopPollInterval);
      state = channel_->GetState(/*try_to_connect=*/true);
    }
    return true;
  }

  void CloseStream() {
    if (writer_ == nullptr) return;
    {
      std::lock_guard lock(mu_);
      active_context_ = nullptr;
    }
    // Cancelling first makes Finish return at once instead of waiting for
    // the peer; anything still unsent is dropped, as on any failure.
    context_->TryCancel();
    writer_->Finish();
    writer_.reset();
    context_.reset();
  }

  void OnFailure(const std::string& what) {
    Counters::Add(counters_->connect_failures, 1);
    if (!peer_down_) {
      log_->Log("peer " + std::to_string(peer_) + " at " + address_ + " unreachable: " + what);
      peer_down_ = true;
    }
    if (options_->on_peer_unreachable) options_->on_peer_unreachable(peer_);
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, backoff_, [this] { return stopping_; });
    backoff_ = std::min(backoff_ * 2, options_->max_backoff);
  }

  const NodeId self_;
  const NodeId peer_;
  const std::string address_;
  const Transport::Options* const options_;
  Counters* const counters_;
  RateLimitedLog* const log_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<wire::RaftTransport::Stub> stub_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<GroupMessage> queue_;                // guarded by mu_
  size_t queued_bytes_ = 0;                        // guarded by mu_
  bool flush_requested_ = false;                   // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  grpc::ClientContext* active_context_ = nullptr;  // guarded by mu_; context_ while open

  // Used by the sender thread only.
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientWriter<wire::Frame>> writer_;
  wire::Ack ack_;
  wire::Frame frame_;
  BatchEncoder encoder_;
  milliseconds backoff_;
  bool peer_down_ = false;
  std::thread thread_;
};

}  // namespace

class Transport::Impl {
 public:
  Impl(NodeId self, std::string listen_address, std::map<NodeId, std::string> peer_addresses,
       Options options, Handler handler)
      : listen_address_(std::move(listen_address)),
        options_(std::move(options)),
        handler_(std::move(handler)),
        log_(self),
        receiver_(&handler_, &counters_, &log_) {
    for (const auto& [peer, address] : peer_addresses) {
      senders_.emplace(
          peer, std::make_unique<PeerSender>(self, peer, address, &options_, &counters_, &log_));
    }
  }

  ~Impl() { Stop(); }

  Status Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(listen_address_, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&receiver_);
    builder.SetMaxReceiveMessageSize(static_cast<int>(options_.max_frame_bytes));
    // Two brokers configured with one port must not silently share it.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                               static_cast<int>(kMinPingInterval.count()));
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      server_.reset();
      return Status::IOError("transport: cannot listen on " + listen_address_);
    }
    for (auto& [peer, sender] : senders_) sender->Start();
    return Status::OK();
  }

  void Stop() {
    std::lock_guard lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [peer, sender] : senders_) sender->Stop();
    if (server_ != nullptr) {
      // A deadline of now cancels the incoming streams instead of waiting
      // for peers to close them.
      server_->Shutdown(std::chrono::system_clock::now());
      server_->Wait();
    }
  }

  void Send(NodeId to, std::vector<GroupMessage> messages) {
    auto it = senders_.find(to);
    if (it == senders_.end()) {
      Counters::Add(counters_.messages_dropped, messages.size());
      log_.Log("dropped " + std::to_string(messages.size()) + " messages to unknown peer " +
               std::to_string(to));
      return;
    }
    it->second->Enqueue(std::move(messages));
  }

  void Flush() {
    for (auto& [peer, sender] : senders_) sender->Flush();
  }

  int listening_port() const { return port_; }
  Stats stats() const { return counters_.Snapshot(); }

 private:
  const std::string listen_address_;
  const Options options_;
  const Handler handler_;
  Counters counters_;
  RateLimitedLog log_;
  Receiver receiver_;
  std::map<NodeId, std::unique_ptr<PeerSender>> senders_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
};

Transport::Transport(NodeId self, std::string listen_address,
                     std::map<NodeId, std::string> peer_addresses, Options options, Handler handler)
    : impl_(std::make_unique<Impl>(self, std::move(listen_address), std::move(peer_addresses),
                                   std::move(options), std::move(handler))) {}

Transport::~Transport() = default;

Status Transport::Start() {
  return impl_->Start();
}
void Transport::Stop() {
  impl_->Stop();
}
void Transport::Send(NodeId to, std::vector<GroupMessage> messages) {
  impl_->Send(to, std::move(messages));
}
void Transport::Flush() {
  impl_->Flush();
}
int Transport::listening_port() const {
  return impl_->listening_port();
}
Transport::Stats Transport::stats() const {
  return impl_->stats();
}

}  // namespace waggle::transport
