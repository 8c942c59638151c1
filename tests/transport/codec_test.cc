#include "replication/transport/codec.h"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "replication/transport/raft_messages_generated.h"

namespace waggle::transport {
namespace {

using raft::EntryType;
using raft::Message;
using raft::MessageType;

// A message of `type` with every field set to a distinct non-default value,
// so a field lost or swapped by the codec shows up in the comparison.
GroupMessage FullMessage(MessageType type, uint32_t seed) {
  GroupMessage gm;
  gm.group = 1000 + seed;
  Message& m = gm.message;
  m.type = type;
  m.from = 1 + seed;
  m.to = 2 + seed;
  m.term = 3 + seed;
  m.log_term = 4 + seed;
  m.index = 5 + seed;
  m.commit = 6 + seed;
  m.reject = seed % 2 == 0;
  m.reject_hint = 7 + seed;
  m.force = seed % 3 == 0;
  m.snapshot.index = 8 + seed;
  m.snapshot.term = 9 + seed;
  m.snapshot_offset = 10 + seed;
  m.snapshot_size = 11 + seed;
  m.done = seed % 2 == 1;
  if (type == MessageType::kAppend) {
    m.entries.push_back({.term = 3, .index = 6, .type = EntryType::kNoOp, .data = ""});
    m.entries.push_back({.term = 3, .index = 7, .type = EntryType::kNormal, .data = "payload"});
    m.entries.push_back(
        {.term = 4, .index = 8, .type = EntryType::kNormal, .data = std::string(300, '\0')});
  }
  if (type == MessageType::kSnapshot) m.snapshot_chunk = std::string("\x00\x01\xff chunk", 9);
  return gm;
}

std::vector<GroupMessage> EveryMessageType() {
  std::vector<GroupMessage> messages;
  for (int t = 0; t < raft::kMessageTypeCount; ++t) {
    messages.push_back(FullMessage(static_cast<MessageType>(t), static_cast<uint32_t>(t)));
  }
  return messages;
}

std::string Encode(raft::NodeId from, const std::vector<GroupMessage>& messages) {
  BatchEncoder encoder;
  std::span<const uint8_t> bytes = encoder.Encode(from, messages);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Status Decode(const std::string& buffer, raft::NodeId* from, std::vector<GroupMessage>* out) {
  return DecodeBatch(reinterpret_cast<const uint8_t*>(buffer.data()), buffer.size(), from, out);
}

TEST(CodecTest, RoundTripsEveryMessageTypeFieldByField) {
  std::vector<GroupMessage> sent = EveryMessageType();
  std::string buffer = Encode(42, sent);

  raft::NodeId from = 0;
  std::vector<GroupMessage> received;
  ASSERT_TRUE(Decode(buffer, &from, &received).ok());
  EXPECT_EQ(from, 42u);
  ASSERT_EQ(received.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(raft::to_string(sent[i].message.type));
    EXPECT_EQ(received[i].group, sent[i].group);
    EXPECT_EQ(received[i].message, sent[i].message);
  }
}

TEST(CodecTest, RoundTripsDefaultsAndEmptyBatch) {
  std::vector<GroupMessage> sent(1);
  raft::NodeId from = 0;
  std::vector<GroupMessage> received;
  ASSERT_TRUE(Decode(Encode(7, sent), &from, &received).ok());
  EXPECT_EQ(received, sent);

  ASSERT_TRUE(Decode(Encode(9, {}), &from, &received).ok());
  EXPECT_EQ(from, 9u);
  EXPECT_TRUE(received.empty());
}

TEST(CodecTest, EncoderIsReusableAcrossBatches) {
  BatchEncoder encoder;
  std::vector<GroupMessage> big = EveryMessageType();
  std::vector<GroupMessage> small = {FullMessage(MessageType::kHeartbeat, 5)};
  encoder.Encode(1, big);
  std::span<const uint8_t> bytes = encoder.Encode(2, small);

  raft::NodeId from = 0;
  std::vector<GroupMessage> received;
  ASSERT_TRUE(DecodeBatch(bytes.data(), bytes.size(), &from, &received).ok());
  EXPECT_EQ(from, 2u);
  EXPECT_EQ(received, small);
}

TEST(CodecTest, DecodesFromMisalignedMemory) {
  std::vector<GroupMessage> sent = EveryMessageType();
  std::string buffer = Encode(3, sent);
  std::vector<uint8_t> shifted(buffer.size() + 1);
  std::memcpy(shifted.data() + 1, buffer.data(), buffer.size());

  raft::NodeId from = 0;
  std::vector<GroupMessage> received;
  ASSERT_TRUE(DecodeBatch(shifted.data() + 1, buffer.size(), &from, &received).ok());
  EXPECT_EQ(received, sent);
}

TEST(CodecTest, RejectsEveryTruncation) {
  std::string buffer = Encode(42, EveryMessageType());
  for (size_t size = 0; size < buffer.size(); ++size) {
    raft::NodeId from = 0;
    std::vector<GroupMessage> received;
    Status status = Decode(buffer.substr(0, size), &from, &received);
    ASSERT_EQ(status.code(), Status::Code::kCorruption) << "prefix of " << size << " bytes";
    EXPECT_TRUE(received.empty());
  }
}

TEST(CodecTest, RejectsRandomGarbage) {
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 3000; ++i) {
    std::string buffer(rng() % 600, '\0');
    for (char& c : buffer) c = static_cast<char>(rng());
    // Half of them carry the right identifier, so the verifier proper is
    // exercised, not just the identifier check.
    if (i % 2 == 0 && buffer.size() >= 8) std::memcpy(buffer.data() + 4, "WRFT", 4);
    raft::NodeId from = 0;
    std::vector<GroupMessage> received;
    EXPECT_EQ(Decode(buffer, &from, &received).code(), Status::Code::kCorruption) << "buffer " << i;
  }
}

// A mutated batch may still be well formed (a changed term is just another
// term), but then it must decode; anything else must be Corruption.
TEST(CodecTest, SurvivesSingleByteMutations) {
  const std::string valid = Encode(42, EveryMessageType());
  std::mt19937_64 rng(7);
  int rejected = 0;
  int decoded = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string buffer = valid;
    size_t position = rng() % buffer.size();
    char replacement = static_cast<char>(rng());
    if (buffer[position] == replacement) replacement ^= 0x40;
    buffer[position] = replacement;
    raft::NodeId from = 0;
    std::vector<GroupMessage> received;
    Status status = Decode(buffer, &from, &received);
    if (status.ok()) {
      ++decoded;
    } else {
      ASSERT_EQ(status.code(), Status::Code::kCorruption);
      ++rejected;
    }
  }
  // Offsets and lengths make up a good share of the bytes, scalars the rest.
  EXPECT_GT(rejected, 100);
  EXPECT_GT(decoded, 100);
}

// Builds a one-message batch by hand with raw enum values the encoder would
// never write.
std::string BatchWithRawEnums(uint8_t message_type, uint8_t entry_type) {
  flatbuffers::FlatBufferBuilder fbb;
  auto entry = fb::CreateEntry(fbb, 1, 1, static_cast<fb::EntryType>(entry_type));
  auto entries = fbb.CreateVector(std::vector{entry});
  auto message = fb::CreateGroupMessage(fbb, 1, static_cast<fb::MessageType>(message_type), 1, 2, 1,
                                        0, 0, 0, entries);
  fb::FinishBatchBuffer(fbb, fb::CreateBatch(fbb, 1, fbb.CreateVector(std::vector{message})));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(CodecTest, RejectsOutOfRangeEnums) {
  raft::NodeId from = 0;
  std::vector<GroupMessage> received;
  ASSERT_TRUE(Decode(BatchWithRawEnums(raft::kMessageTypeCount - 1, 1), &from, &received).ok());
  EXPECT_EQ(received.size(), 1u);

  Status status = Decode(BatchWithRawEnums(raft::kMessageTypeCount, 0), &from, &received);
  EXPECT_EQ(status.code(), Status::Code::kCorruption);
  EXPECT_NE(status.message().find("message type"), std::string::npos) << status.message();
  EXPECT_TRUE(received.empty());

  status = Decode(BatchWithRawEnums(0, 2), &from, &received);
  EXPECT_EQ(status.code(), Status::Code::kCorruption);
  EXPECT_NE(status.message().find("entry type"), std::string::npos) << status.message();
}

// Frames and queues are cut by the estimate, so it must not undercount, nor
// overcount so much that frames come out less than half the size asked for.
TEST(CodecTest, SizeEstimateBoundsEncodedSize) {
  std::vector<GroupMessage> messages = EveryMessageType();
  for (size_t entries : {1, 10}) {
    for (size_t bytes : {0, 1, 7, 256, 1000}) {
      GroupMessage message = FullMessage(MessageType::kAppend, 1);
      message.message.entries.assign(
          entries,
          {.term = 1, .index = 2, .type = EntryType::kNormal, .data = std::string(bytes, 'x')});
      messages.push_back(message);
    }
  }
  for (const GroupMessage& message : messages) {
    SCOPED_TRACE(raft::to_string(message.message.type));
    SCOPED_TRACE(message.message.entries.size());
    // Two copies measure the cost of a message inside a batch, one copy
    // includes the vtables it is first to write.
    size_t alone = Encode(1, {message}).size() - Encode(1, {}).size();
    size_t second = Encode(1, {message, message}).size() - Encode(1, {message}).size();
    size_t estimate = EncodedSizeEstimate(message.message);
    EXPECT_GE(estimate, std::max(alone, second));
    EXPECT_LE(estimate, 2 * std::min(alone, second));
  }
}

}  // namespace
}  // namespace waggle::transport
