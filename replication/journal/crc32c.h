// CRC32C (Castagnoli), the checksum of every journal frame and store file.
//
// Debian 12 packages no CRC32C library, so this is our own: the SSE4.2
// crc32 instruction when the CPU has it, otherwise a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace waggle::journal::crc32c {

// The CRC32C of data appended to bytes whose CRC32C is crc.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

// Extend without the hardware instruction. Exposed so that tests can check
// that both paths agree.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view data) {
  return Extend(0, data.data(), data.size());
}

}  // namespace waggle::journal::crc32c
