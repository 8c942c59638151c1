#include "replication/transport/transport.h"

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "replication/transport/codec.h"
#include "replication/transport/raft_transport.grpc.pb.h"

namespace waggle::transport {
namespace {

using namespace std::chrono_literals;
using raft::NodeId;

// A port nothing listens on right now: bound to 0 by the kernel, then freed.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Loopback(int port) {
  return "127.0.0.1:" + std::to_string(port);
}

// How long Stop() may take. Production waits are 1 s (connect timeout) and up
// to 2 s (backoff), so 500 ms proves Stop() waits for neither. Sanitizers slow
// everything several-fold, so there the bound only proves Stop() cannot hang;
// the release run of the same tests keeps the tight bound.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr auto kPromptStop = 5s;
#else
constexpr auto kPromptStop = 500ms;
#endif

template <typename Predicate>
bool WaitFor(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

GroupMessage Append(uint32_t group, NodeId from, NodeId to, uint64_t index) {
  GroupMessage gm;
  gm.group = group;
  gm.message.type = raft::MessageType::kAppend;
  gm.message.from = from;
  gm.message.to = to;
  gm.message.term = 1;
  gm.message.index = index;
  gm.message.entries.push_back({.term = 1, .index = index + 1, .data = std::string(256, 'x')});
  return gm;
}

// Records what a Transport delivers, in arrival order.
class Inbox {
 public:
  Transport::Handler handler() {
    return [this](NodeId from, std::vector<GroupMessage>&& messages) {
      std::lock_guard lock(mu_);
      for (GroupMessage& m : messages) received_.push_back({from, std::move(m)});
    };
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return received_.size();
  }
  std::vector<std::pair<NodeId, GroupMessage>> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<NodeId, GroupMessage>> received_;
};

Transport::Options FastOptions() {
  Transport::Options options;
  options.initial_backoff = 20ms;
  options.max_backoff = 200ms;
  options.connect_timeout = 200ms;
  return options;
}

// Sends `rounds` rounds of `per_round` messages, spread over a few groups.
void SendRounds(Transport& transport, NodeId self, NodeId to, int rounds, int per_round) {
  uint64_t index = 0;
  for (int round = 0; round < rounds; ++round) {
    std::vector<GroupMessage> messages;
    for (int i = 0; i < per_round; ++i, ++index) {
      messages.push_back(Append(static_cast<uint32_t>(index % 7), self, to, index));
    }
    transport.Send(to, std::move(messages));
    transport.Flush();
  }
}

// Checks that `inbox` holds exactly what SendRounds sent from `from` to `to`.
void ExpectInOrder(const Inbox& inbox, NodeId from, NodeId to, size_t count) {
  auto received = inbox.received();
  ASSERT_EQ(received.size(), count);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(received[i].first, from);
    ASSERT_EQ(received[i].second, Append(static_cast<uint32_t>(i % 7), from, to, i))
        << "message " << i;
  }
}

Transport::Handler DropAll() {
  return [](NodeId, std::vector<GroupMessage>&&) {};
}

TEST(TransportTest, ExchangesBatchesBothWaysInOrder) {
  int port_a = UnusedPort();
  int port_b = UnusedPort();
  Inbox inbox_a, inbox_b;
  Transport a(1, Loopback(port_a), {{2, Loopback(port_b)}}, FastOptions(), inbox_a.handler());
  Transport b(2, Loopback(port_b), {{1, Loopback(port_a)}}, FastOptions(), inbox_b.handler());
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());

  std::thread a_sends([&] { SendRounds(a, 1, 2, 200, 10); });
  SendRounds(b, 2, 1, 150, 10);
  a_sends.join();

  ASSERT_TRUE(WaitFor([&] { return inbox_b.size() >= 2000 && inbox_a.size() >= 1500; }));
  // A sender counts a frame once gRPC reports it written, which may be
  // after the receiver has it.
  ASSERT_TRUE(
      WaitFor([&] { return a.stats().messages_sent >= 2000 && b.stats().messages_sent >= 1500; }));
  ExpectInOrder(inbox_b, 1, 2, 2000);
  ExpectInOrder(inbox_a, 2, 1, 1500);

  Transport::Stats sa = a.stats();
  EXPECT_EQ(sa.messages_sent, 2000u);
  EXPECT_EQ(sa.messages_received, 1500u);
  EXPECT_EQ(sa.messages_dropped, 0u);
  EXPECT_EQ(sa.malformed_batches, 0u);
  EXPECT_EQ(sa.connects, 1u);
  // Flushes coalesce into at most one frame each, fewer if the sender lagged.
  EXPECT_GE(sa.batches_sent, 1u);
  EXPECT_LE(sa.batches_sent, 200u);
  EXPECT_EQ(b.stats().batches_received, sa.batches_sent);
  EXPECT_EQ(b.stats().bytes_received, sa.bytes_sent);
  a.Stop();
  b.Stop();
}

TEST(TransportTest, SplitsLargeFlushesIntoFrames) {
  int port_b = UnusedPort();
  Inbox inbox_b;
  Transport::Options options = FastOptions();
  options.max_batch_bytes = 4096;  // about ten 256-byte entries per frame
  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(port_b)}}, options, DropAll());
  Transport b(2, Loopback(port_b), {}, FastOptions(), inbox_b.handler());
  ASSERT_TRUE(b.Start().ok());
  ASSERT_TRUE(a.Start().ok());

  SendRounds(a, 1, 2, 1, 100);
  ASSERT_TRUE(WaitFor([&] { return inbox_b.size() >= 100; }));
  ExpectInOrder(inbox_b, 1, 2, 100);
  ASSERT_TRUE(WaitFor([&] { return a.stats().messages_sent >= 100; }));
  // The entries alone fill more than six frames; the estimate that cuts them
  // over-approximates, so no frame exceeds the limit.
  Transport::Stats stats = a.stats();
  EXPECT_GE(stats.batches_sent, 7u);
  EXPECT_LE(stats.bytes_sent, stats.batches_sent * 4096);
}

TEST(TransportTest, MalformedFrameIsCountedAndStreamKeepsWorking) {
  Inbox inbox;
  Transport server(2, "127.0.0.1:0", {}, FastOptions(), inbox.handler());
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.listening_port(), 0);

  auto channel =
      grpc::CreateChannel(Loopback(server.listening_port()), grpc::InsecureChannelCredentials());
  auto stub = wire::RaftTransport::NewStub(channel);
  grpc::ClientContext context;
  wire::Ack ack;
  std::unique_ptr<grpc::ClientWriter<wire::Frame>> writer = stub->Stream(&context, &ack);

  // The right identifier, then nonsense.
  const char kGarbage[] = "\x0c\x00\x00\x00WRFT definitely not a batch";
  wire::Frame garbage;
  garbage.set_batch(kGarbage, sizeof(kGarbage) - 1);
  ASSERT_TRUE(writer->Write(garbage));

  BatchEncoder encoder;
  std::vector<GroupMessage> valid = {Append(3, 1, 2, 0)};
  std::span<const uint8_t> bytes = encoder.Encode(1, valid);
  wire::Frame frame;
  frame.set_batch(bytes.data(), bytes.size());
  ASSERT_TRUE(writer->Write(frame));

  ASSERT_TRUE(WaitFor([&] { return inbox.size() >= 1; }));
  EXPECT_EQ(server.stats().malformed_batches, 1u);
  EXPECT_EQ(server.stats().batches_received, 1u);
  EXPECT_EQ(inbox.received()[0].first, 1u);
  EXPECT_EQ(inbox.received()[0].second, valid[0]);

  // The same stream carries on after the bad frame.
  ASSERT_TRUE(writer->Write(garbage));
  ASSERT_TRUE(writer->Write(frame));
  ASSERT_TRUE(WaitFor([&] { return inbox.size() >= 2; }));
  EXPECT_EQ(server.stats().malformed_batches, 2u);
  ASSERT_TRUE(writer->WritesDone());
  EXPECT_TRUE(writer->Finish().ok());
}

// A raw client: writes arbitrary bytes as messages of the transport's stream.
class RawStream {
 public:
  explicit RawStream(int port)
      : stub_(grpc::CreateChannel(Loopback(port), grpc::InsecureChannelCredentials())),
        call_(stub_.PrepareCall(&context_, "/waggle.transport.wire.RaftTransport/Stream", &cq_)) {
    call_->StartCall(nullptr);
    EXPECT_TRUE(Next());
  }
  ~RawStream() {
    call_->WritesDone(nullptr);
    EXPECT_TRUE(Next());
    grpc::ByteBuffer ack;  // read before Finish, which waits for every message
    call_->Read(&ack, nullptr);
    EXPECT_TRUE(Next());
    grpc::Status status;
    call_->Finish(&status, nullptr);
    EXPECT_TRUE(Next());
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  bool Write(const std::string& bytes) {
    grpc::Slice slice(bytes);
    call_->Write(grpc::ByteBuffer(&slice, 1), nullptr);
    return Next();
  }

 private:
  bool Next() {
    void* tag = nullptr;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }

  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
};

TEST(TransportTest, ParsesFrameEnvelopeLikeProtobuf) {
  Inbox inbox;
  Transport server(2, "127.0.0.1:0", {}, FastOptions(), inbox.handler());
  ASSERT_TRUE(server.Start().ok());

  BatchEncoder encoder;
  std::vector<GroupMessage> valid = {Append(3, 1, 2, 0)};
  std::span<const uint8_t> bytes = encoder.Encode(1, valid);
  wire::Frame frame;
  frame.set_batch(bytes.data(), bytes.size());
  std::string serialized = frame.SerializeAsString();
  {
    RawStream stream(server.listening_port());
    // Not a protobuf message at all: a truncated length-delimited field.
    ASSERT_TRUE(stream.Write("\x0a\x7f\x01"));
    // An unknown field (number 2, varint 1) before the batch is skipped.
    ASSERT_TRUE(stream.Write(std::string("\x10\x01", 2) + serialized));
    ASSERT_TRUE(WaitFor([&] { return inbox.size() >= 1; }));
    EXPECT_EQ(server.stats().malformed_batches, 1u);
    EXPECT_EQ(server.stats().batches_received, 1u);
    EXPECT_EQ(server.stats().bytes_received, 3u + bytes.size());
    EXPECT_EQ(inbox.received()[0].second, valid[0]);
  }
  server.Stop();
}

// A server built from the generated protobuf service: what it parses is what
// any protobuf peer of raft_transport.proto would see.
// Serves `service` alone on a free loopback port, which is stored in *port.
std::unique_ptr<grpc::Server> ServeOnLoopback(grpc::Service* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

class ProtobufReceiver final : public wire::RaftTransport::Service {
 public:
  grpc::Status Stream(grpc::ServerContext* /*context*/, grpc::ServerReader<wire::Frame>* reader,
                      wire::Ack* /*ack*/) override {
    wire::Frame frame;
    while (reader->Read(&frame)) {
      NodeId from = raft::kNoNode;
      std::vector<GroupMessage> messages;
      Status status = DecodeBatch(reinterpret_cast<const uint8_t*>(frame.batch().data()),
                                  frame.batch().size(), &from, &messages);
      EXPECT_TRUE(status.ok()) << status.message();
      inbox_.handler()(from, std::move(messages));
    }
    return grpc::Status::OK;
  }
  const Inbox& inbox() const { return inbox_; }

 private:
  Inbox inbox_;
};

TEST(TransportTest, SentFramesAreProtobufFrames) {
  ProtobufReceiver receiver;
  int port = 0;
  std::unique_ptr<grpc::Server> server = ServeOnLoopback(&receiver, &port);
  ASSERT_NE(server, nullptr);

  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(port)}}, FastOptions(), DropAll());
  ASSERT_TRUE(a.Start().ok());
  SendRounds(a, 1, 2, 20, 10);
  ASSERT_TRUE(WaitFor([&] { return receiver.inbox().size() >= 200; }));
  ExpectInOrder(receiver.inbox(), 1, 2, 200);
  a.Stop();
  server->Shutdown(std::chrono::system_clock::now());
}

TEST(TransportTest, ReachesLatePeerAfterBackoff) {
  int port_b = UnusedPort();
  std::atomic<int> unreachable_reports{0};
  Transport::Options options = FastOptions();
  options.on_peer_unreachable = [&](NodeId peer) {
    EXPECT_EQ(peer, 2u);
    ++unreachable_reports;
  };
  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(port_b)}}, options, DropAll());
  ASSERT_TRUE(a.Start().ok());
  SendRounds(a, 1, 2, 1, 5);

  ASSERT_TRUE(WaitFor([&] { return unreachable_reports >= 3; }));
  EXPECT_GE(a.stats().connect_failures, 3u);
  EXPECT_EQ(a.stats().connects, 0u);

  Inbox inbox_b;
  Transport b(2, Loopback(port_b), {}, FastOptions(), inbox_b.handler());
  ASSERT_TRUE(b.Start().ok());
  // Messages queued while the peer was down are delivered, not lost.
  ASSERT_TRUE(WaitFor([&] { return inbox_b.size() >= 5; }));
  ExpectInOrder(inbox_b, 1, 2, 5);
  // Counted when gRPC reports the first frame written, maybe after delivery.
  EXPECT_TRUE(WaitFor([&] { return a.stats().connects >= 1; }));
  EXPECT_EQ(a.stats().connects, 1u);
}

TEST(TransportTest, FlushBeforeStartGoesOutOnStart) {
  Inbox inbox_b;
  Transport b(2, "127.0.0.1:0", {}, FastOptions(), inbox_b.handler());
  ASSERT_TRUE(b.Start().ok());
  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(b.listening_port())}}, FastOptions(),
              DropAll());
  SendRounds(a, 1, 2, 2, 5);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(inbox_b.size(), 0u);

  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return inbox_b.size() >= 10; }));
  ExpectInOrder(inbox_b, 1, 2, 10);
}

TEST(TransportTest, QueueForUnreachablePeerIsBounded) {
  Transport::Options options = FastOptions();
  options.max_queued_messages = 50;
  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(UnusedPort())}}, options, DropAll());
  ASSERT_TRUE(a.Start().ok());
  for (int i = 0; i < 10; ++i) SendRounds(a, 1, 2, 1, 20);
  a.Send(3, {Append(0, 1, 3, 0)});  // not a peer

  // While it retries, the sender holds the batch the first Flush took (at
  // most a full queue), and a full queue waits behind it; one more message
  // went to an unknown peer.
  Transport::Stats stats = a.stats();
  EXPECT_GE(stats.messages_dropped, 200u - 50u - 50u + 1u);
  EXPECT_LE(stats.messages_dropped, 200u - 50u + 1u);
  EXPECT_EQ(stats.messages_sent, 0u);
}

TEST(TransportTest, APeerWhoseStreamEndsIsReportedUnreachable) {
  // a has no peers of its own, so only b's stream ending can report b.
  std::mutex mu;
  std::vector<NodeId> reported;
  Transport::Options a_options;
  a_options.on_peer_unreachable = [&](NodeId peer) {
    std::lock_guard lock(mu);
    reported.push_back(peer);
  };
  const int a_port = UnusedPort();
  Transport a(1, Loopback(a_port), {}, a_options, DropAll());
  Transport b(2, Loopback(UnusedPort()), {{1, Loopback(a_port)}}, {}, DropAll());
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  SendRounds(b, 2, 1, 3, 5);
  ASSERT_TRUE(WaitFor([&] { return a.stats().messages_received == 15; }));
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(reported.empty()) << "b's stream is alive";
  }
  b.Stop();
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return !reported.empty();
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(reported.front(), 2u);
}

TEST(TransportTest, StopReturnsPromptlyWhilePeerIsDown) {
  Transport::Options options;  // production backoff and connect timeout
  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(UnusedPort())}, {3, "10.255.255.1:9"}},
              options, DropAll());
  ASSERT_TRUE(a.Start().ok());
  SendRounds(a, 1, 2, 3, 5);
  SendRounds(a, 1, 3, 3, 5);
  ASSERT_TRUE(WaitFor([&] { return a.stats().connect_failures >= 1; }));

  auto start = std::chrono::steady_clock::now();
  a.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kPromptStop);
}

// A peer that takes one frame, then reads no more until released. It is a
// plain gRPC service with threads of its own: a Transport whose Handler
// blocked would hold one of the gRPC callback threads that every Transport in
// this process shares, stalling the sender under test too, as a peer in
// another process could not.
class StalledReceiver final : public wire::RaftTransport::Service {
 public:
  grpc::Status Stream(grpc::ServerContext* /*context*/, grpc::ServerReader<wire::Frame>* reader,
                      wire::Ack* /*ack*/) override {
    wire::Frame frame;
    reader->Read(&frame);
    std::unique_lock lock(mu_);
    released_cv_.wait(lock, [this] { return released_; });
    return grpc::Status::OK;
  }

  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    released_cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;
};

TEST(TransportTest, StopReturnsPromptlyWhilePeerDoesNotRead) {
  StalledReceiver receiver;
  int port = 0;
  std::unique_ptr<grpc::Server> server = ServeOnLoopback(&receiver, &port);
  ASSERT_NE(server, nullptr);
  Transport a(1, Loopback(UnusedPort()), {{2, Loopback(port)}}, FastOptions(), DropAll());
  ASSERT_TRUE(a.Start().ok());

  // 32 MiB is far beyond what HTTP/2 flow control lets through to a receiver
  // stuck in its first batch, so the sender ends up blocked in a write.
  for (int round = 0; round < 32; ++round) {
    std::vector<GroupMessage> messages;
    for (int i = 0; i < 16; ++i) {
      GroupMessage gm = Append(0, 1, 2, round * 16 + i);
      gm.message.entries[0].data.assign(64 << 10, 'y');
      messages.push_back(std::move(gm));
    }
    a.Send(2, std::move(messages));
    a.Flush();
  }
  ASSERT_TRUE(WaitFor([&] { return a.stats().batches_sent >= 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_LT(a.stats().messages_sent, 32u * 16u);

  auto start = std::chrono::steady_clock::now();
  a.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kPromptStop);
  receiver.Release();
  server->Shutdown(std::chrono::system_clock::now());
}

TEST(TransportTest, StartFailsWhenPortIsTaken) {
  Transport a(1, "127.0.0.1:0", {}, FastOptions(), DropAll());
  ASSERT_TRUE(a.Start().ok());
  Transport b(2, Loopback(a.listening_port()), {}, FastOptions(), DropAll());
  EXPECT_EQ(b.Start().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace waggle::transport
