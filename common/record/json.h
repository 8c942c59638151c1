// Renders a record in the JSON shape Zeebe's exporters write (Record.toJson):
// header fields by Zeebe's names, codes as names ("valueType":
// "PROCESS_INSTANCE", "intent": "ELEMENT_ACTIVATED", "rejectionType":
// "NULL_VAL"), and "value" an object with Zeebe's field names, variables as
// JSON objects.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/record/record_generated.h"
#include "common/status.h"

namespace waggle::record {

// REQUIRES: `record` passed VerifyRecord.
nlohmann::json RecordToJson(const fb::Record& record);

// VerifyRecord, then RecordToJson. Fails as DecodeRecord does.
Result<nlohmann::json> EncodedRecordToJson(std::string_view bytes);

// The rendered record as JSON text. Decoding does not check that strings are
// UTF-8, so plain json::dump() could throw; this replaces invalid sequences
// with U+FFFD instead.
std::string ToJsonText(const nlohmann::json& rendered);

}  // namespace waggle::record
