// Transport: Raft traffic between brokers.
//
// Each broker serves one gRPC endpoint and keeps one long-lived outbound
// stream to every peer; the stream carries FlatBuffers batches holding the
// messages of all groups the two brokers share. Traffic from A to B uses A's
// stream to B, traffic from B to A uses B's stream to A.
//
// Delivery is best effort, as Raft expects: messages queued beyond a bound are
// dropped, and so is a batch that was being written when its stream broke.
// Raft retransmits. Within one stream messages arrive in the order sent.
//
// gRPC stays out of this header on purpose: the driver includes it, and gRPC
// headers are expensive to compile.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/transport/group_message.h"

namespace waggle::transport {

class Transport {
 public:
  // Receives each decoded incoming batch. Runs on a gRPC thread: batches from
  // different peers may arrive concurrently, batches from one peer arrive in
  // order (except across a reconnect, when an old and a new stream may
  // overlap briefly). Should return quickly: gRPC runs all of the process's
  // callbacks, this transport's sends included, on a few shared threads.
  using Handler = std::function<void(raft::NodeId from, std::vector<GroupMessage>&& messages)>;

  struct Options {
    // Per peer, messages waiting to be written. Beyond either bound new
    // messages are dropped; this happens mostly while the peer is unreachable.
    size_t max_queued_messages = 16384;
    size_t max_queued_bytes = 64 << 20;
    // A flush larger than this goes out as several frames.
    size_t max_batch_bytes = 1 << 20;
    // The server refuses larger frames; a single message this large is
    // dropped by its sender.
    size_t max_frame_bytes = 64 << 20;
    // Reconnect backoff: doubles from initial to max after each failed
    // attempt, back to initial after a successful write.
    std::chrono::milliseconds initial_backoff{50};
    std::chrono::milliseconds max_backoff{2000};
    // How long one attempt waits for a connection.
    std::chrono::milliseconds connect_timeout{1000};
    // Called on a gRPC or timer thread each time a peer could not be reached
    // or its stream broke; the driver reports it to every group shared with the peer
    // (RawNode::report_unreachable). Optional.
    std::function<void(raft::NodeId peer)> on_peer_unreachable;
  };

  struct Stats {
    uint64_t batches_sent = 0;  // frames written
    uint64_t messages_sent = 0;
    uint64_t bytes_sent = 0;        // FlatBuffers payload bytes
    uint64_t batches_received = 0;  // well-formed frames
    uint64_t messages_received = 0;
    uint64_t bytes_received = 0;     // payload bytes of all frames, malformed ones included
    uint64_t malformed_batches = 0;  // frames that failed verification, dropped
    uint64_t connects = 0;           // streams opened to peers
    uint64_t connect_failures = 0;   // attempts that failed and streams that broke
    uint64_t messages_dropped = 0;   // queue full, unknown peer, oversized, or lost with a stream
  };

  // listen_address: "host:port"; port 0 picks a free port (see
  // listening_port()). peer_addresses: every other broker, by node id.
  Transport(raft::NodeId self, std::string listen_address,
            std::map<raft::NodeId, std::string> peer_addresses, Options options, Handler handler);
  // Stops if still running.
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Starts serving and connecting to peers. REQUIRES: not started before.
  Status Start();
  // Closes every stream and joins all threads; queued messages are dropped.
  // Returns promptly even if peers are down or not reading. Idempotent.
  void Stop();

  // Queues messages for peer `to`; never blocks on the network. They go out
  // with the next Flush, or with the previous one if that one's batch has
  // not been taken from the queue yet. Thread-safe.
  void Send(raft::NodeId to, std::vector<GroupMessage> messages);
  // Writes everything queued so far as one batch per peer (split only beyond
  // max_batch_bytes). To a peer still writing an earlier batch, the batch
  // goes out when that one is written. May encode on the calling thread;
  // never blocks on the network. Thread-safe.
  void Flush();

  // The port the server listens on. REQUIRES: Start() succeeded.
  int listening_port() const;

  Stats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waggle::transport
