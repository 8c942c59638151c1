// Codec: GroupMessages <-> one FlatBuffers Batch (raft_messages.fbs).
//
// Decoding trusts nothing: every buffer passes the FlatBuffers verifier and a
// range check of each enum before any field is read, so a malformed buffer
// yields Status::Corruption, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/status.h"
#include "replication/transport/group_message.h"

namespace waggle::transport {

// Encodes batches into a builder it keeps, so steady-state encoding does not
// allocate. Not thread-safe.
class BatchEncoder {
 public:
  BatchEncoder();
  ~BatchEncoder();
  BatchEncoder(const BatchEncoder&) = delete;
  BatchEncoder& operator=(const BatchEncoder&) = delete;

  // Returns the encoded Batch; valid until the next Encode or destruction.
  std::span<const uint8_t> Encode(raft::NodeId from, std::span<const GroupMessage> messages);

 private:
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

// Decodes a Batch into *from and *out (cleared first). Any alignment of data is
// accepted. Returns Corruption if the buffer is not a well-formed Batch.
Status DecodeBatch(const uint8_t* data, size_t size, raft::NodeId* from,
                   std::vector<GroupMessage>* out);

// Roughly the bytes `message` takes in a Batch; used to bound batches and
// queues without encoding.
size_t EncodedSizeEstimate(const raft::Message& message);

}  // namespace waggle::transport
