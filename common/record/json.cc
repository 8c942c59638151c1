#include "common/record/json.h"

#include <flatbuffers/reflection.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/record_bfbs_generated.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"
#include "common/record/value_type.h"

namespace waggle::record {

namespace {

// ---- JSON text primitives ----

void AppendInteger(int64_t value, std::string* out) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->append(digits, end);
}

// The length of the well-formed UTF-8 sequence at text[i] (Unicode table
// 3-7: no overlongs, surrogates or code points above U+10FFFF) and true; or,
// when it is ill-formed, the length of its maximal ill-formed prefix (at
// least 1) and false.
bool Utf8Sequence(std::string_view text, size_t i, size_t* length) {
  const auto lead = static_cast<uint8_t>(text[i]);
  size_t continuations;
  uint8_t low = 0x80, high = 0xBF;  // the range of the next byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuations = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuations = 2;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuations = 3;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    *length = 1;
    return false;
  }
  size_t k = 1;
  for (; k <= continuations && i + k < text.size(); ++k) {
    const auto byte = static_cast<uint8_t>(text[i + k]);
    if (byte < low || byte > high) break;
    low = 0x80;
    high = 0xBF;
  }
  *length = k;
  return k == continuations + 1;
}

// Appends `text` as a JSON string, escaped as nlohmann::json's dump (with
// error_handler_t::replace) escapes, which the exporters' text has always
// been: ", \ and control characters escaped (\b \t \n \f \r, else \u00xx),
// everything else as is, and each maximal ill-formed UTF-8 subsequence
// replaced by one U+FFFD.
void AppendString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t copied = 0;  // text before this is in *out
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 1;
    if (c >= 0x80 && Utf8Sequence(text, i, &length)) {
      i += length;
      continue;
    }
    out->append(text.data() + copied, i - copied);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\f': out->append("\\f"); break;
      case '\r': out->append("\\r"); break;
      default:
        if (c < 0x20) {
          const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out->append(escape, sizeof(escape));
        } else {
          out->append("\xEF\xBF\xBD");
        }
    }
    i += length;
    copied = i;
  }
  out->append(text.data() + copied, text.size() - copied);
  out->push_back('"');
}

// A code by its name, or by its number when the code has no name (JSON of
// an unverified enum in a distributed command must not fail).
void AppendName(std::optional<std::string_view> name, int64_t code, std::string* out) {
  if (name) {
    AppendString(*name, out);
  } else {
    AppendInteger(code, out);
  }
}

void AppendBase64(const uint8_t* data, size_t size, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out->push_back('"');
  for (size_t i = 0; i < size; i += 3) {
    uint32_t group = uint32_t{data[i]} << 16;
    if (i + 1 < size) group |= uint32_t{data[i + 1]} << 8;
    if (i + 2 < size) group |= data[i + 2];
    const char chars[] = {kAlphabet[(group >> 18) & 63], kAlphabet[(group >> 12) & 63],
                          i + 1 < size ? kAlphabet[(group >> 6) & 63] : '=',
                          i + 2 < size ? kAlphabet[group & 63] : '='};
    out->append(chars, sizeof(chars));
  }
  out->push_back('"');
}

// Variables and headers are stored as JSON text, embedded as it is: the
// gateway and the engine accept only valid JSON, but a command is on the log
// before the engine looks at it, so the text is checked here (a check, no
// tree): text that is not a JSON document renders as a string. Whitespace
// between tokens is dropped so that a record stays one line; an empty text
// is {}.
void AppendDocument(std::string_view text, std::string* out) {
  if (text.empty()) {
    out->append("{}");
    return;
  }
  // nlohmann's parser takes a NUL byte for the end of its input.
  if (text.find('\0') != std::string_view::npos ||
      !nlohmann::json::accept(text.begin(), text.end())) {
    AppendString(text, out);
    return;
  }
  bool in_string = false;
  size_t copied = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // a valid document has the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      out->append(text.data() + copied, i - copied);
      copied = i + 1;
    }
  }
  out->append(text.data() + copied, text.size() - copied);
}

// ---- The schema-driven walk ----

const reflection::Schema& Schema() {
  static const reflection::Schema* schema = reflection::GetSchema(fb::RecordBinarySchema::data());
  return *schema;
}

bool HasAttribute(const reflection::Field& field, const char* attribute) {
  return field.attributes() != nullptr && field.attributes()->LookupByKey(attribute) != nullptr;
}

// bpmn_process_id -> bpmnProcessId
std::string CamelCase(std::string_view snake) {
  std::string camel;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
    } else {
      camel += upper ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  return camel;
}

// How a field renders, decided once per field from the schema.
enum class Kind : uint8_t {
  kBool,
  kInteger,
  kEnum,       // an enum of the schema: its value's name
  kValueType,  // (value_type)
  kIntent,     // (intent): named within the table's (value_type)
  kString,     // absent: (absent: "x") or ""
  kDocument,   // (json)
  kTable,      // absent: null
  kStrings,
  kTables,
  kIntegers,
  kBase64,       // [ubyte]
  kRecordValue,  // [ubyte] (record): the encoded record's value
};

struct ObjectPlan;

struct FieldPlan {
  std::string key;  // "camelName": with the separating comma before all but the first
  const reflection::Field* field = nullptr;
  Kind kind = Kind::kInteger;
  const reflection::Enum* enumeration = nullptr;  // kEnum
  const reflection::Field* value_type = nullptr;  // kIntent
  std::string_view absent;                        // kString
  const ObjectPlan* child = nullptr;              // kTable, kTables
};

struct ObjectPlan {
  std::vector<FieldPlan> fields;  // in key order
};

// Every value table's plan, built once.
class Plans {
 public:
  static const Plans& Get() {
    static const Plans plans;
    return plans;
  }
  // nullptr for NONE (or a tag the schema does not know).
  const ObjectPlan* ValueOf(fb::RecordValue tag) const {
    const auto index = static_cast<size_t>(tag);
    return index < values_.size() ? values_[index] : nullptr;
  }

 private:
  Plans();
  FieldPlan PlanField(const reflection::Object& object, const reflection::Field& field) const;

  std::vector<ObjectPlan> objects_;        // by the schema's object index
  std::vector<const ObjectPlan*> values_;  // by RecordValue tag
};

[[noreturn]] void Unrenderable(const reflection::Object& object, const reflection::Field& field) {
  std::fprintf(stderr, "record.fbs: %s.%s has a type the JSON renderer does not know\n",
               object.name()->c_str(), field.name()->c_str());
  std::abort();
}

Plans::Plans() {
  const reflection::Schema& schema = Schema();
  objects_.resize(schema.objects()->size());
  for (flatbuffers::uoffset_t i = 0; i < schema.objects()->size(); ++i) {
    const reflection::Object& object = *schema.objects()->Get(i);
    // The record's header is written by AppendRecordJson itself.
    if (&object == schema.root_table()) continue;
    std::vector<FieldPlan>& fields = objects_[i].fields;
    for (const reflection::Field* field : *object.fields()) {
      fields.push_back(PlanField(object, *field));
    }
    std::sort(fields.begin(), fields.end(),
              [](const FieldPlan& a, const FieldPlan& b) { return a.key < b.key; });
    for (size_t f = 0; f < fields.size(); ++f) {
      fields[f].key = (f == 0 ? "\"" : ",\"") + fields[f].key + "\":";
    }
  }
  const reflection::Field& typed_value = *schema.root_table()->fields()->LookupByKey("typed_value");
  const reflection::Enum& tags = *schema.enums()->Get(typed_value.type()->index());
  for (const reflection::EnumVal* tag : *tags.values()) {
    const auto index = static_cast<size_t>(tag->value());
    if (values_.size() <= index) values_.resize(index + 1, nullptr);
    if (tag->union_type()->base_type() == reflection::Obj) {
      values_[index] = &objects_[tag->union_type()->index()];
    }
  }
}

FieldPlan Plans::PlanField(const reflection::Object& object, const reflection::Field& field) const {
  const reflection::Schema& schema = Schema();
  FieldPlan plan;
  plan.key = CamelCase(field.name()->string_view());
  plan.field = &field;
  const reflection::Type& type = *field.type();
  switch (type.base_type()) {
    case reflection::Bool: plan.kind = Kind::kBool; break;
    case reflection::Byte:
    case reflection::UByte:
    case reflection::Short:
    case reflection::UShort:
    case reflection::Int:
    case reflection::UInt:
    case reflection::Long:
    case reflection::ULong:
      if (HasAttribute(field, "value_type")) {
        plan.kind = Kind::kValueType;
      } else if (HasAttribute(field, "intent")) {
        plan.kind = Kind::kIntent;
        for (const reflection::Field* other : *object.fields()) {
          if (HasAttribute(*other, "value_type")) plan.value_type = other;
        }
        if (plan.value_type == nullptr) Unrenderable(object, field);
      } else if (type.index() >= 0) {
        plan.kind = Kind::kEnum;
        plan.enumeration = schema.enums()->Get(type.index());
      }
      break;
    case reflection::String: {
      plan.kind = HasAttribute(field, "json") ? Kind::kDocument : Kind::kString;
      const reflection::KeyValue* absent =
          field.attributes() == nullptr ? nullptr : field.attributes()->LookupByKey("absent");
      if (absent != nullptr && absent->value() != nullptr) {
        plan.absent = absent->value()->string_view();
      }
      break;
    }
    case reflection::Obj:
      if (schema.objects()->Get(type.index())->is_struct()) Unrenderable(object, field);
      plan.kind = Kind::kTable;
      plan.child = &objects_[type.index()];
      break;
    case reflection::Vector:
      switch (type.element()) {
        case reflection::String: plan.kind = Kind::kStrings; break;
        case reflection::Obj:
          if (schema.objects()->Get(type.index())->is_struct()) Unrenderable(object, field);
          plan.kind = Kind::kTables;
          plan.child = &objects_[type.index()];
          break;
        case reflection::UByte:
          plan.kind = HasAttribute(field, "record") ? Kind::kRecordValue : Kind::kBase64;
          break;
        case reflection::Bool:
        case reflection::Byte:
        case reflection::Short:
        case reflection::UShort:
        case reflection::Int:
        case reflection::UInt:
        case reflection::Long:
        case reflection::ULong: plan.kind = Kind::kIntegers; break;
        default: Unrenderable(object, field);
      }
      break;
    default: Unrenderable(object, field);  // floats, unions, arrays: none in record.fbs
  }
  return plan;
}

void AppendValue(const fb::Record& record, std::string* out);

void AppendTable(const ObjectPlan& plan, const flatbuffers::Table& table, std::string* out) {
  out->push_back('{');
  for (const FieldPlan& f : plan.fields) {
    out->append(f.key);
    const reflection::Field& field = *f.field;
    switch (f.kind) {
      case Kind::kBool:
        out->append(flatbuffers::GetAnyFieldI(table, field) != 0 ? "true" : "false");
        break;
      case Kind::kInteger: AppendInteger(flatbuffers::GetAnyFieldI(table, field), out); break;
      case Kind::kEnum: {
        const int64_t code = flatbuffers::GetAnyFieldI(table, field);
        const reflection::EnumVal* value = f.enumeration->values()->LookupByKey(code);
        AppendName(value == nullptr ? std::nullopt : std::optional(value->name()->string_view()),
                   code, out);
        break;
      }
      case Kind::kValueType: {
        const int64_t code = flatbuffers::GetAnyFieldI(table, field);
        AppendName(ValueTypeName(static_cast<ValueType>(code)), code, out);
        break;
      }
      case Kind::kIntent: {
        const int64_t code = flatbuffers::GetAnyFieldI(table, field);
        auto type = static_cast<ValueType>(flatbuffers::GetAnyFieldI(table, *f.value_type));
        AppendName(IntentName(type, static_cast<uint8_t>(code)), code, out);
        break;
      }
      case Kind::kString:
      case Kind::kDocument: {
        const flatbuffers::String* s = flatbuffers::GetFieldS(table, field);
        const std::string_view text = s == nullptr ? f.absent : s->string_view();
        if (f.kind == Kind::kString) {
          AppendString(text, out);
        } else {
          AppendDocument(text, out);
        }
        break;
      }
      case Kind::kTable: {
        const flatbuffers::Table* child = flatbuffers::GetFieldT(table, field);
        if (child == nullptr) {
          out->append("null");
        } else {
          AppendTable(*f.child, *child, out);
        }
        break;
      }
      case Kind::kStrings: {
        auto* strings =
            flatbuffers::GetFieldV<flatbuffers::Offset<flatbuffers::String>>(table, field);
        out->push_back('[');
        for (flatbuffers::uoffset_t i = 0; strings != nullptr && i < strings->size(); ++i) {
          if (i > 0) out->push_back(',');
          AppendString(strings->Get(i)->string_view(), out);
        }
        out->push_back(']');
        break;
      }
      case Kind::kTables: {
        auto* tables =
            flatbuffers::GetFieldV<flatbuffers::Offset<flatbuffers::Table>>(table, field);
        out->push_back('[');
        for (flatbuffers::uoffset_t i = 0; tables != nullptr && i < tables->size(); ++i) {
          if (i > 0) out->push_back(',');
          AppendTable(*f.child, *tables->Get(i), out);
        }
        out->push_back(']');
        break;
      }
      case Kind::kIntegers: {
        const flatbuffers::VectorOfAny* values = flatbuffers::GetFieldAnyV(table, field);
        out->push_back('[');
        for (flatbuffers::uoffset_t i = 0; values != nullptr && i < values->size(); ++i) {
          if (i > 0) out->push_back(',');
          AppendInteger(flatbuffers::GetAnyVectorElemI(values, field.type()->element(), i), out);
        }
        out->push_back(']');
        break;
      }
      case Kind::kBase64: {
        auto* bytes = flatbuffers::GetFieldV<uint8_t>(table, field);
        if (bytes == nullptr) {
          out->append("\"\"");
        } else {
          AppendBase64(bytes->data(), bytes->size(), out);
        }
        break;
      }
      case Kind::kRecordValue: {
        // Verified with its container (codec.cc); copied because FlatBuffers
        // reads its int64 fields in place, aligned. An absent one renders as {}.
        auto* bytes = flatbuffers::GetFieldV<uint8_t>(table, field);
        if (bytes == nullptr) {
          out->append("{}");
        } else {
          AlignedBytes command(
              std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
          AppendValue(*fb::GetRecord(command.view().data()), out);
        }
        break;
      }
    }
  }
  out->push_back('}');
}

void AppendValue(const fb::Record& record, std::string* out) {
  const ObjectPlan* plan = Plans::Get().ValueOf(record.typed_value_type());
  if (plan == nullptr || record.typed_value() == nullptr) {
    out->append("{}");
    return;
  }
  AppendTable(*plan, *reinterpret_cast<const flatbuffers::Table*>(record.typed_value()), out);
}

std::string_view StringOrEmpty(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : s->string_view();
}

}  // namespace

void AppendRecordJson(const fb::Record& record, std::string* out) {
  const auto value_type = static_cast<ValueType>(record.value_type());
  // In key order, as every level.
  out->append("{\"brokerVersion\":");
  AppendString(StringOrEmpty(record.broker_version()), out);
  out->append(",\"intent\":");
  AppendName(IntentName(value_type, record.intent()), record.intent(), out);
  out->append(",\"key\":");
  AppendInteger(record.key(), out);
  out->append(",\"partitionId\":");
  AppendInteger(record.partition_id(), out);
  out->append(",\"position\":");
  AppendInteger(record.position(), out);
  out->append(",\"recordType\":");
  AppendName(RecordTypeName(static_cast<RecordType>(record.record_type())), record.record_type(),
             out);
  out->append(",\"recordVersion\":");
  AppendInteger(record.record_version(), out);
  out->append(",\"rejectionReason\":");
  AppendString(StringOrEmpty(record.rejection_reason()), out);
  out->append(",\"rejectionType\":");
  AppendName(RejectionTypeName(static_cast<RejectionType>(record.rejection_type())),
             record.rejection_type(), out);
  out->append(",\"sourceRecordPosition\":");
  AppendInteger(record.source_record_position(), out);
  out->append(",\"timestamp\":");
  AppendInteger(record.timestamp(), out);
  out->append(",\"value\":");
  AppendValue(record, out);
  out->append(",\"valueType\":");
  AppendName(ValueTypeName(value_type), record.value_type(), out);
  out->push_back('}');
}

Result<std::string> EncodedRecordToJson(std::string_view bytes) {
  AlignedBytes aligned(bytes);
  Result<const fb::Record*> record = VerifyRecord(aligned.view());
  if (!record.ok()) return record.status();
  std::string text;
  AppendRecordJson(**record, &text);
  return text;
}

}  // namespace waggle::record
