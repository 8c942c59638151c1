#include "replication/transport/codec.h"

#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <string>

#include "replication/transport/raft_messages_generated.h"

namespace waggle::transport {

namespace {

using raft::EntryType;
using raft::MessageType;

// The wire enums are casts of the core's enums; this fails to compile the
// day one of them changes without the other.
constexpr bool WireEnumsMatchCore() {
  using W = fb::MessageType;
  auto same = [](W wire, MessageType core) {
    return static_cast<uint8_t>(wire) == static_cast<uint8_t>(core);
  };
  return same(W::Append, MessageType::kAppend) &&
         same(W::AppendResponse, MessageType::kAppendResponse) &&
         same(W::Vote, MessageType::kVote) && same(W::VoteResponse, MessageType::kVoteResponse) &&
         same(W::PreVote, MessageType::kPreVote) &&
         same(W::PreVoteResponse, MessageType::kPreVoteResponse) &&
         same(W::Heartbeat, MessageType::kHeartbeat) &&
         same(W::HeartbeatResponse, MessageType::kHeartbeatResponse) &&
         same(W::Snapshot, MessageType::kSnapshot) &&
         same(W::SnapshotResponse, MessageType::kSnapshotResponse) &&
         same(W::TimeoutNow, MessageType::kTimeoutNow) &&
         static_cast<int>(W::MAX) + 1 == raft::kMessageTypeCount &&
         static_cast<uint8_t>(fb::EntryType::Normal) == static_cast<uint8_t>(EntryType::kNormal) &&
         static_cast<uint8_t>(fb::EntryType::NoOp) == static_cast<uint8_t>(EntryType::kNoOp) &&
         fb::EntryType::MAX == fb::EntryType::NoOp;
}
static_assert(WireEnumsMatchCore(), "raft_messages.fbs enums out of step with raft/types.h");

// The schema nests Batch > messages > GroupMessage > entries > Entry > data.
constexpr flatbuffers::uoffset_t kMaxDepth = 16;

// Builders keep their memory between batches, except after an outsized one.
constexpr size_t kMaxRetainedBuilderBytes = 8 << 20;

// Absent vectors decode as empty, so empty ones are not written at all.
flatbuffers::Offset<flatbuffers::Vector<uint8_t>> CreateBytes(flatbuffers::FlatBufferBuilder& fbb,
                                                              const std::string& bytes) {
  if (bytes.empty()) return 0;
  return fbb.CreateVector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

void AssignBytes(const flatbuffers::Vector<uint8_t>* bytes, std::string* out) {
  if (bytes == nullptr) return;
  out->assign(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

Status CheckEnumRanges(const fb::Batch& batch) {
  if (batch.messages() == nullptr) return Status::OK();
  for (const fb::GroupMessage* message : *batch.messages()) {
    if (message->type() > fb::MessageType::MAX) {
      return Status::Corruption("batch: message type " +
                                std::to_string(static_cast<int>(message->type())) +
                                " out of range");
    }
    if (message->entries() == nullptr) continue;
    for (const fb::Entry* entry : *message->entries()) {
      if (entry->type() > fb::EntryType::MAX) {
        return Status::Corruption("batch: entry type " +
                                  std::to_string(static_cast<int>(entry->type())) +
                                  " out of range");
      }
    }
  }
  return Status::OK();
}

raft::Message ToCore(const fb::GroupMessage& wire) {
  raft::Message message;
  message.type = static_cast<MessageType>(wire.type());
  message.from = wire.from();
  message.to = wire.to();
  message.term = wire.term();
  message.log_term = wire.log_term();
  message.index = wire.index();
  message.commit = wire.commit();
  if (wire.entries() != nullptr) {
    message.entries.resize(wire.entries()->size());
    for (flatbuffers::uoffset_t i = 0; i < wire.entries()->size(); ++i) {
      const fb::Entry* entry = wire.entries()->Get(i);
      raft::Entry& out = message.entries[i];
      out.term = entry->term();
      out.index = entry->index();
      out.type = static_cast<EntryType>(entry->type());
      AssignBytes(entry->data(), &out.data);
    }
  }
  message.reject = wire.reject();
  message.reject_hint = wire.reject_hint();
  message.force = wire.force();
  message.snapshot.index = wire.snapshot_index();
  message.snapshot.term = wire.snapshot_term();
  message.snapshot_offset = wire.snapshot_offset();
  message.snapshot_size = wire.snapshot_size();
  AssignBytes(wire.snapshot_chunk(), &message.snapshot_chunk);
  message.done = wire.done();
  return message;
}

}  // namespace

struct BatchEncoder::Scratch {
  flatbuffers::FlatBufferBuilder builder{64 << 10};
  std::vector<flatbuffers::Offset<fb::Entry>> entries;
  std::vector<flatbuffers::Offset<fb::GroupMessage>> messages;
};

BatchEncoder::BatchEncoder() : scratch_(std::make_unique<Scratch>()) {}
BatchEncoder::~BatchEncoder() = default;

std::span<const uint8_t> BatchEncoder::Encode(raft::NodeId from,
                                              std::span<const GroupMessage> messages) {
  flatbuffers::FlatBufferBuilder& fbb = scratch_->builder;
  if (fbb.GetSize() > kMaxRetainedBuilderBytes) {
    fbb.Reset();
  } else {
    fbb.Clear();
  }
  scratch_->messages.clear();
  for (const GroupMessage& group_message : messages) {
    const raft::Message& m = group_message.message;
    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Entry>>> entries = 0;
    if (!m.entries.empty()) {
      scratch_->entries.clear();
      for (const raft::Entry& entry : m.entries) {
        scratch_->entries.push_back(fb::CreateEntry(fbb, entry.term, entry.index,
                                                    static_cast<fb::EntryType>(entry.type),
                                                    CreateBytes(fbb, entry.data)));
      }
      entries = fbb.CreateVector(scratch_->entries);
    }
    auto chunk = CreateBytes(fbb, m.snapshot_chunk);
    scratch_->messages.push_back(fb::CreateGroupMessage(
        fbb, group_message.group, static_cast<fb::MessageType>(m.type), m.from, m.to, m.term,
        m.log_term, m.index, m.commit, entries, m.reject, m.reject_hint, m.force, m.snapshot.index,
        m.snapshot.term, m.snapshot_offset, m.snapshot_size, chunk, m.done));
  }
  fb::FinishBatchBuffer(fbb, fb::CreateBatch(fbb, from, fbb.CreateVector(scratch_->messages)));
  return {fbb.GetBufferPointer(), fbb.GetSize()};
}

Status DecodeBatch(const uint8_t* data, size_t size, raft::NodeId* from,
                   std::vector<GroupMessage>* out) {
  out->clear();
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) return Status::Corruption("batch: too large");
  // The verifier checks alignment relative to the buffer start; reading the
  // fields is only defined if the start itself is aligned for uint64.
  std::unique_ptr<uint64_t[]> aligned_copy;
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) != 0) {
    aligned_copy = std::make_unique_for_overwrite<uint64_t[]>(size / sizeof(uint64_t) + 1);
    std::memcpy(aligned_copy.get(), data, size);
    data = reinterpret_cast<const uint8_t*>(aligned_copy.get());
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = kMaxDepth;
  // The verifier visits one table per 4-byte offset that refers to it, so no
  // well-formed batch reaches this bound; it only keeps verification linear.
  options.max_tables = static_cast<flatbuffers::uoffset_t>(size / 4 + 16);
  flatbuffers::Verifier verifier(data, size, options);
  if (!fb::VerifyBatchBuffer(verifier)) {
    return Status::Corruption("batch: failed FlatBuffers verification");
  }
  const fb::Batch* batch = fb::GetBatch(data);
  Status status = CheckEnumRanges(*batch);
  if (!status.ok()) return status;

  *from = batch->from_node();
  if (batch->messages() == nullptr) return Status::OK();
  out->reserve(batch->messages()->size());
  for (const fb::GroupMessage* message : *batch->messages()) {
    out->push_back(GroupMessage{message->group(), ToCore(*message)});
  }
  return Status::OK();
}

size_t EncodedSizeEstimate(const raft::Message& message) {
  // Measured upper bounds, alignment padding included: a GroupMessage table
  // with every field set takes up to 168 bytes, an Entry up to 56, each plus
  // its bytes.
  size_t size = 168 + message.snapshot_chunk.size();
  for (const raft::Entry& entry : message.entries) size += 56 + entry.data.size();
  return size;
}

}  // namespace waggle::transport
