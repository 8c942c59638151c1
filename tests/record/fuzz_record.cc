// libFuzzer target: any bytes as an encoded log record. Decoding must return
// a record or Corruption, never crash; what decodes must render as valid JSON
// text and survive another encode/decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/record/codec.h"
#include "common/record/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace waggle::record;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  waggle::Result<fb::RecordT> decoded = DecodeRecord(bytes);
  waggle::Result<std::string> rendered = EncodedRecordToJson(bytes);
  if (decoded.ok() != rendered.ok()) std::abort();
  if (!decoded.ok()) {
    if (decoded.status().code() != waggle::Status::Code::kCorruption) std::abort();
    return 0;
  }
  if (!nlohmann::json::accept(*rendered)) std::abort();
  waggle::Result<fb::RecordT> again = DecodeRecord(EncodeRecord(*decoded));
  if (!again.ok() || !(*again == *decoded)) std::abort();
  return 0;
}
