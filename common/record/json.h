// Renders a record as JSON text in the shape Zeebe's exporters write
// (Record.toJson): header fields by Zeebe's names, codes as names
// ("valueType": "PROCESS_INSTANCE", "intent": "ELEMENT_ACTIVATED",
// "rejectionType": "NULL_VAL"), and "value" an object with Zeebe's field
// names, variables as JSON documents. Keys come in byte order at every level.
//
// The text is written straight from the FlatBuffers record, driven by the
// embedded binary schema (record.fbs names its conventions), into a caller's
// buffer: exporters render hundreds of thousands of records a second, so
// there is no intermediate tree and no allocation once the buffer has grown.
#pragma once

#include <string>
#include <string_view>

#include "common/record/record_generated.h"
#include "common/status.h"

namespace waggle::record {

// Appends the record's JSON text to *out: one line (no newline added), valid
// JSON (RFC 8259) for any verified record. Decoding does not check that
// strings are UTF-8, so invalid sequences become U+FFFD; a (json) string that
// is not a valid JSON document renders as a JSON string instead.
// REQUIRES: `record` passed VerifyRecord.
void AppendRecordJson(const fb::Record& record, std::string* out);

// VerifyRecord, then the record's JSON text. Fails as DecodeRecord does.
Result<std::string> EncodedRecordToJson(std::string_view bytes);

}  // namespace waggle::record
