// FNV-1a, 64 bits: the checksum of snapshot files and the state digest.
//
// Chosen because it is a few lines with no tables and no dependency (engine/
// must not use replication/'s CRC32C). Each step xors a byte into the state
// and multiplies by an odd constant, a bijection, so changing any single byte
// of equal-length input always changes the hash; truncation is caught by the
// snapshot's structure checks. It is not cryptographic: it detects accidents
// (bit rot, torn copies), not tampering.
#pragma once

#include <cstdint>
#include <string_view>

namespace waggle::engine::state {

class Fnv1a64 {
 public:
  void Update(std::string_view data) {
    for (const char c : data) {
      hash_ ^= static_cast<uint8_t>(c);
      hash_ *= kPrime;
    }
  }
  uint64_t value() const { return hash_; }

 private:
  static constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  static constexpr uint64_t kPrime = 0x100000001b3ULL;

  uint64_t hash_ = kOffsetBasis;
};

}  // namespace waggle::engine::state
