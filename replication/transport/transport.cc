#include "replication/transport/transport.h"

#include <absl/synchronization/mutex.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpc/slice.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
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
// The one method of raft_transport.proto. The client calls it through the
// generic stub so that frames go out as raw bytes (see EncodeFrame).
constexpr char kStreamMethod[] = "/waggle.transport.wire.RaftTransport/Stream";
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

// wire::Frame carries the batch in its one field. Writing and reading that
// envelope by hand lets a batch go from the encoder into a gRPC slice, and
// from gRPC's slices into the decoder, without a protobuf message in between.
using google::protobuf::internal::WireFormatLite;

uint32_t BatchTag() {
  return WireFormatLite::MakeTag(wire::Frame::kBatchFieldNumber,
                                 WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

// Returns a serialized wire::Frame holding `batch`.
grpc::ByteBuffer EncodeFrame(std::span<const uint8_t> batch) {
  using google::protobuf::io::CodedOutputStream;
  const uint32_t size = static_cast<uint32_t>(batch.size());
  const size_t header =
      CodedOutputStream::VarintSize32(BatchTag()) + CodedOutputStream::VarintSize32(size);
  grpc_slice slice = grpc_slice_malloc(header + batch.size());
  uint8_t* out = GRPC_SLICE_START_PTR(slice);
  out = CodedOutputStream::WriteVarint32ToArray(BatchTag(), out);
  out = CodedOutputStream::WriteVarint32ToArray(size, out);
  std::memcpy(out, batch.data(), batch.size());
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

// Points *batch at the batch inside a serialized wire::Frame. Returns false if
// `frame` is not one.
bool ParseFrame(std::span<const uint8_t> frame, std::span<const uint8_t>* batch) {
  google::protobuf::io::CodedInputStream in(frame.data(), static_cast<int>(frame.size()));
  *batch = {};
  while (uint32_t tag = in.ReadTag()) {
    if (tag != BatchTag()) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return false;
    size_t offset = static_cast<size_t>(in.CurrentPosition());
    if (length > frame.size() - offset || !in.Skip(static_cast<int>(length))) return false;
    *batch = frame.subspan(offset, length);
  }
  return in.ConsumedEntireMessage();
}

// Receive buffers keep their memory between frames, except after an outsized one.
constexpr size_t kMaxRetainedBufferBytes = 8 << 20;

// The server side: one InboundStream per incoming peer stream. gRPC runs the
// reactions of one stream one at a time, and each issues the next read only
// when its batch has been handled, so batches from one stream are delivered
// in order.
class Receiver final
    : public wire::RaftTransport::WithRawCallbackMethod_Stream<wire::RaftTransport::Service> {
 public:
  // on_peer_gone: Options::on_peer_unreachable; stopping: set once the
  // transport stops, when streams ending says nothing about the peers.
  Receiver(const Transport::Handler* handler, const std::function<void(NodeId)>* on_peer_gone,
           const std::atomic<bool>* stopping, Counters* counters, RateLimitedLog* log)
      : handler_(handler),
        on_peer_gone_(on_peer_gone),
        stopping_(stopping),
        counters_(counters),
        log_(log) {}

  grpc::ServerReadReactor<grpc::ByteBuffer>* Stream(grpc::CallbackServerContext* context,
                                                    grpc::ByteBuffer* ack) override {
    return new InboundStream(this, context, ack);
  }

 private:
  class InboundStream final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
   public:
    InboundStream(const Receiver* receiver, grpc::CallbackServerContext* context,
                  grpc::ByteBuffer* ack)
        : receiver_(receiver), context_(context) {
      // An empty message is a serialized wire::Ack, which a sender that
      // closes its stream waits for.
      grpc::Slice empty;
      *ack = grpc::ByteBuffer(&empty, 1);
      StartRead(&frame_);
    }

    void OnReadDone(bool ok) override {
      if (!ok) {  // the sender closed the stream, or it was cancelled
        // A peer's stream to us ends when its process stops or dies. This is
        // the earliest sign of a dead leader, well before an election timeout.
        if (peer_ != raft::kNoNode && !*receiver_->stopping_ && *receiver_->on_peer_gone_) {
          (*receiver_->on_peer_gone_)(peer_);
        }
        Finish(grpc::Status::OK);
        return;
      }
      Deliver();
      StartRead(&frame_);
    }

    void OnDone() override { delete this; }

   private:
    void Deliver() {
      Counters* counters = receiver_->counters_;
      std::span<const uint8_t> bytes = Contiguous();
      std::span<const uint8_t> batch;
      NodeId from = raft::kNoNode;
      Status status = Status::Corruption("not a wire::Frame");
      if (ParseFrame(bytes, &batch)) {
        batch = Aligned(batch);
        status = DecodeBatch(batch.data(), batch.size(), &from, &messages_);
      } else {
        batch = bytes;
      }
      Counters::Add(counters->bytes_received, batch.size());
      Release();
      if (!status.ok()) {
        Counters::Add(counters->malformed_batches, 1);
        receiver_->log_->Log("dropped malformed batch of " + std::to_string(batch.size()) +
                             " bytes from " + context_->peer() + ": " + status.message());
        return;
      }
      Counters::Add(counters->batches_received, 1);
      Counters::Add(counters->messages_received, messages_.size());
      peer_ = from;
      (*receiver_->handler_)(from, std::move(messages_));
      messages_.clear();  // a moved-from vector is valid but unspecified
    }

    // The frame's bytes in one piece: gRPC's own slice when it has just one,
    // else a copy in flat_.
    std::span<const uint8_t> Contiguous() {
      if (frame_.TrySingleSlice(&slice_).ok()) return {slice_.begin(), slice_.size()};
      (void)frame_.Dump(&slices_);
      size_t size = 0;
      for (const grpc::Slice& slice : slices_) size += slice.size();
      flat_.resize(size / sizeof(uint64_t) + 1);
      auto* out = reinterpret_cast<uint8_t*>(flat_.data());
      for (const grpc::Slice& slice : slices_) {
        std::memcpy(out, slice.begin(), slice.size());
        out += slice.size();
      }
      return {reinterpret_cast<const uint8_t*>(flat_.data()), size};
    }

    // `batch` at an address aligned for FlatBuffers, moved to the start of
    // flat_ if need be; DecodeBatch would otherwise copy it to fresh memory.
    std::span<const uint8_t> Aligned(std::span<const uint8_t> batch) {
      if (reinterpret_cast<uintptr_t>(batch.data()) % alignof(uint64_t) == 0) return batch;
      // When batch lies in flat_ already this shrinks it, which never
      // reallocates; memmove copes with the overlap.
      flat_.resize(batch.size() / sizeof(uint64_t) + 1);
      std::memmove(flat_.data(), batch.data(), batch.size());
      return {reinterpret_cast<const uint8_t*>(flat_.data()), batch.size()};
    }

    // Lets go of the frame's memory. REQUIRES: nothing points into it anymore.
    void Release() {
      slice_ = grpc::Slice();
      slices_.clear();
      frame_.Clear();
      if (flat_.capacity() * sizeof(uint64_t) > kMaxRetainedBufferBytes) flat_ = {};
    }

    const Receiver* const receiver_;
    grpc::CallbackServerContext* const context_;
    grpc::ByteBuffer frame_;
    grpc::Slice slice_;
    std::vector<grpc::Slice> slices_;
    std::vector<uint64_t> flat_;  // uint64_t for its alignment
    std::vector<GroupMessage> messages_;
    NodeId peer_ = raft::kNoNode;  // the sender, once a batch named it
  };

  const Transport::Handler* const handler_;
  const std::function<void(NodeId)>* const on_peer_gone_;
  const std::atomic<bool>* const stopping_;
  Counters* const counters_;
  RateLimitedLog* const log_;
};

// Runs callbacks at given times on one thread, so that senders waiting out a
// reconnect backoff need no thread of their own.
class Timer {
 public:
  ~Timer() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Ignored once stopped.
  void RunAt(Clock::time_point when, std::function<void()> callback) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      due_.emplace(when, std::move(callback));
    }
    wake_.notify_one();
  }

  // Drops the callbacks not yet run and waits for the one running, if any.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      due_.clear();
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stopped_) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      auto first = due_.begin();
      // A copy: Stop may clear due_ while this waits.
      const Clock::time_point when = first->first;
      if (when > Clock::now()) {
        wake_.wait_until(lock, when);
        continue;
      }
      std::function<void()> callback = std::move(first->second);
      due_.erase(first);
      lock.unlock();
      callback();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::function<void()>> due_;  // guarded by mu_
  bool stopped_ = false;                                         // guarded by mu_
  std::thread thread_;
};

class PeerSender;

// One attempt at a stream to a peer. Its sender owns it and keeps it until
// gRPC is done with it.
class OutboundStream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit OutboundStream(PeerSender* sender) : sender_(sender) {}

  grpc::ClientContext* context() { return &context_; }

  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  bool connected = false;  // a write went through; used by the pipeline's owner only
  bool done = false;       // OnDone ran; guarded by the sender's mutex

 private:
  PeerSender* const sender_;
  grpc::ClientContext context_;
};

// Owns the streams to one peer. No thread of its own: a Flush, a completed
// write or an elapsed backoff moves the pipeline on, on whichever thread it
// happens. The pipeline (batch_ and the state after it) has one owner at a
// time, marked by pumping_: it encodes the next frame, writes it, and picks
// the next batch from the queue when one is out.
class PeerSender {
 public:
  PeerSender(NodeId self, NodeId peer, const std::string& address,
             const Transport::Options* options, Counters* counters, RateLimitedLog* log,
             Timer* timer)
      : self_(self),
        peer_(peer),
        address_(address),
        options_(options),
        counters_(counters),
        log_(log),
        timer_(timer),
        channel_(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                           ChannelArguments(*options))),
        stub_(channel_),
        backoff_(options->initial_backoff) {}

  ~PeerSender() { Stop(); }

  void Start() {
    {
      std::lock_guard lock(mu_);
      started_ = true;
      if (!flush_requested_ || pumping_) return;
      pumping_ = true;
    }
    Pump();
  }

  // Returns when every stream is closed and nothing runs on the pipeline.
  void Stop() {
    OutboundStream* idle_stream = nullptr;
    OutboundStream* busy_stream = nullptr;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      if (backoff_waiting_) {
        backoff_waiting_ = false;  // the timer's call becomes a no-op
        ReleaseLocked();
      } else if (!pumping_) {
        idle_stream = std::exchange(current_, nullptr);
      } else {
        busy_stream = current_;  // its owner closes it, promptly once cancelled
      }
    }
    if (idle_stream != nullptr) Close(idle_stream);
    if (busy_stream != nullptr) busy_stream->context()->TryCancel();
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] {
      return !pumping_ && std::all_of(streams_.begin(), streams_.end(),
                                      [](const auto& stream) { return stream->done; });
    });
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
      // A busy owner takes the queue when its batch is out.
      if (pumping_ || !started_ || stopping_) return;
      pumping_ = true;
    }
    Pump();
  }

  void OnWriteDone(OutboundStream* stream, bool ok) {
    if (ok) {
      if (!stream->connected) {
        stream->connected = true;
        Counters::Add(counters_->connects, 1);
        if (peer_down_) log_->Log("connected to peer " + std::to_string(peer_) + " at " + address_);
        peer_down_ = false;
      }
      backoff_ = options_->initial_backoff;
      Counters::Add(counters_->batches_sent, 1);
      Counters::Add(counters_->messages_sent, frame_end_ - next_);
      Counters::Add(counters_->bytes_sent, frame_bytes_);
      next_ = frame_end_;
      Pump();
      return;
    }
    {
      std::lock_guard lock(mu_);
      current_ = nullptr;
    }
    Close(stream);
    if (stream->connected) {
      // Whether the peer got the frame is unknown; Raft copes either way.
      Counters::Add(counters_->messages_dropped, frame_end_ - next_);
      next_ = frame_end_;
      OnFailure("stream broke");
    } else {
      OnFailure("cannot connect");  // the frame waits for the next attempt
    }
  }

  void OnStreamDone(OutboundStream* stream) {
    std::lock_guard lock(mu_);
    stream->done = true;
    idle_.notify_all();
  }

 private:
  static grpc::ChannelArguments ChannelArguments(const Transport::Options& options) {
    grpc::ChannelArguments args;
    // gRPC's own reconnect backoff would otherwise start at 1 s and grow to
    // 120 s, hiding ours. Its "min reconnect backoff" is in fact the connect
    // timeout (default 20 s): a stream that cannot connect within it fails.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                static_cast<int>(options.initial_backoff.count()));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(options.max_backoff.count()));
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                static_cast<int>(options.connect_timeout.count()));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(kKeepaliveTime.count()));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(kKeepaliveTimeout.count()));
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    // The retry layer would buffer each frame and report it written before
    // the stream even connects; a completed write must mean the transport
    // took it.
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    // Each Transport gets its own connections, even to a peer another
    // Transport in this process also talks to (tests run several).
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return args;
  }

  // Encodes and writes the next frame, taking the queue when batch_ is out;
  // gives up the pipeline when there is nothing left to write.
  // REQUIRES: the caller owns the pipeline.
  void Pump() {
    while (next_ < batch_.size() || TakeQueue()) {
      frame_end_ = FrameEnd();
      std::span<const uint8_t> encoded =
          encoder_.Encode(self_, std::span(batch_).subspan(next_, frame_end_ - next_));
      if (encoded.size() > options_->max_frame_bytes) {
        Counters::Add(counters_->messages_dropped, frame_end_ - next_);
        log_->Log("dropped a " + std::to_string(encoded.size()) + "-byte frame to peer " +
                  std::to_string(peer_) + ": larger than max_frame_bytes");
        next_ = frame_end_;
        continue;
      }
      frame_ = EncodeFrame(encoded);
      frame_bytes_ = encoded.size();
      Write();
      return;
    }
  }

  // Moves the queue into batch_ if a flush asked for it; otherwise gives up
  // the pipeline, in the same critical section that saw no flush pending.
  bool TakeQueue() {
    OutboundStream* to_close = nullptr;
    {
      std::lock_guard lock(mu_);
      batch_.clear();
      next_ = 0;
      if (flush_requested_ && !stopping_) {
        flush_requested_ = false;
        // Swapping keeps both vectors' capacity: no allocation per round.
        batch_.swap(queue_);
        queued_bytes_ = 0;
        return true;
      }
      to_close = ReleaseLocked();
    }
    if (to_close != nullptr) Close(to_close);
    return false;
  }

  // Where the frame starting at next_ ends: at max_batch_bytes, but never empty.
  size_t FrameEnd() const {
    size_t end = next_;
    size_t bytes = 0;
    for (; end < batch_.size(); ++end) {
      size_t estimate = EncodedSizeEstimate(batch_[end].message);
      if (end > next_ && bytes + estimate > options_->max_batch_bytes) break;
      bytes += estimate;
    }
    return end;
  }

  // Writes frame_ on the current stream, opening one if needed.
  void Write() {
    OutboundStream* stream = nullptr;
    bool stopping = false;
    bool opened = false;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
      if (stopping) {
        stream = ReleaseLocked();
      } else {
        if (current_ == nullptr) {
          std::erase_if(streams_, [](const auto& old) { return old->done; });
          streams_.push_back(std::make_unique<OutboundStream>(this));
          current_ = streams_.back().get();
          opened = true;
        }
        stream = current_;
      }
    }
    if (stopping) {
      if (stream != nullptr) Close(stream);
      return;
    }
    if (opened) {
      stub_.PrepareBidiStreamingCall(stream->context(), kStreamMethod, {}, stream);
      // Held until Close, so that the call outlives every write started from
      // outside a reaction; the peer's answer is never read.
      stream->AddHold();
      stream->StartWrite(&frame_);
      stream->StartCall();
    } else {
      stream->StartWrite(&frame_);
    }
  }

  // Ends a stream taken out of current_. REQUIRES: mu_ not held.
  static void Close(OutboundStream* stream) {
    stream->context()->TryCancel();
    stream->RemoveHold();
  }

  // Gives up the pipeline, dropping what is left of batch_. Returns the
  // stream to Close if stopping. REQUIRES: mu_ held, the pipeline owned.
  OutboundStream* ReleaseLocked() {
    Counters::Add(counters_->messages_dropped, batch_.size() - next_);
    batch_.clear();
    next_ = 0;
    pumping_ = false;
    idle_.notify_all();
    return stopping_ ? std::exchange(current_, nullptr) : nullptr;
  }

  // Reports the failure, then retries after the backoff.
  // REQUIRES: the caller owns the pipeline, no stream is current.
  void OnFailure(const std::string& what) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        ReleaseLocked();
        return;
      }
    }
    Counters::Add(counters_->connect_failures, 1);
    if (!peer_down_) {
      log_->Log("peer " + std::to_string(peer_) + " at " + address_ + " unreachable: " + what);
      peer_down_ = true;
    }
    if (options_->on_peer_unreachable) options_->on_peer_unreachable(peer_);
    std::lock_guard lock(mu_);
    if (stopping_) {
      ReleaseLocked();
      return;
    }
    // Under mu_, so that Stop cannot take the pipeline over in between and
    // let this sender be destroyed while it still schedules.
    backoff_waiting_ = true;
    timer_->RunAt(Clock::now() + backoff_, [this] { OnBackoffElapsed(); });
    backoff_ = std::min(backoff_ * 2, options_->max_backoff);
  }

  void OnBackoffElapsed() {
    {
      std::lock_guard lock(mu_);
      if (!backoff_waiting_) return;  // Stop took the pipeline
      backoff_waiting_ = false;
    }
    Pump();
  }

  const NodeId self_;
  const NodeId peer_;
  const std::string address_;
  const Transport::Options* const options_;
  Counters* const counters_;
  RateLimitedLog* const log_;
  Timer* const timer_;
  const std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;

  std::mutex mu_;
  std::condition_variable idle_;       // pumping_ turned false or a stream finished
  std::vector<GroupMessage> queue_;    // guarded by mu_
  size_t queued_bytes_ = 0;            // guarded by mu_
  bool flush_requested_ = false;       // guarded by mu_
  bool started_ = false;               // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  bool pumping_ = false;               // guarded by mu_
  bool backoff_waiting_ = false;       // guarded by mu_
  OutboundStream* current_ = nullptr;  // guarded by mu_
  std::vector<std::unique_ptr<OutboundStream>> streams_;  // guarded by mu_

  // The pipeline, used by its owner only.
  std::vector<GroupMessage> batch_;
  size_t next_ = 0;       // first message of batch_ not written yet
  size_t frame_end_ = 0;  // end of the frame being written
  grpc::ByteBuffer frame_;
  size_t frame_bytes_ = 0;  // FlatBuffers bytes in frame_
  BatchEncoder encoder_;
  milliseconds backoff_;
  bool peer_down_ = false;
};

void OutboundStream::OnWriteDone(bool ok) {
  sender_->OnWriteDone(this, ok);
}

void OutboundStream::OnDone(const grpc::Status& /*status*/) {
  sender_->OnStreamDone(this);
}

}  // namespace

class Transport::Impl {
 public:
  Impl(NodeId self, std::string listen_address, std::map<NodeId, std::string> peer_addresses,
       Options options, Handler handler)
      : listen_address_(std::move(listen_address)),
        options_(std::move(options)),
        handler_(std::move(handler)),
        log_(self),
        receiver_(&handler_, &options_.on_peer_unreachable, &stopping_, &counters_, &log_) {
    for (const auto& [peer, address] : peer_addresses) {
      senders_.emplace(peer, std::make_unique<PeerSender>(self, peer, address, &options_,
                                                          &counters_, &log_, &timer_));
    }
  }

  ~Impl() { Stop(); }

  Status Start() {
    // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's
    // deadlock detection on; gRPC pays for it on every lock it takes.
    static std::once_flag detection_off;
    std::call_once(detection_off,
                   [] { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); });
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
    timer_.Start();
    for (auto& [peer, sender] : senders_) sender->Start();
    return Status::OK();
  }

  void Stop() {
    std::lock_guard lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    for (auto& [peer, sender] : senders_) sender->Stop();
    timer_.Stop();
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
  std::atomic<bool> stopping_{false};
  Receiver receiver_;
  Timer timer_;
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
