#include "common/record/json.h"

#include <flatbuffers/reflection.h>

#include <string>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/record_bfbs_generated.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"
#include "common/record/value_type.h"

namespace waggle::record {

namespace {

using nlohmann::json;

const reflection::Schema& Schema() {
  static const reflection::Schema* schema = reflection::GetSchema(fb::RecordBinarySchema::data());
  return *schema;
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

bool HasAttribute(const reflection::Field& field, const char* attribute) {
  return field.attributes() != nullptr && field.attributes()->LookupByKey(attribute) != nullptr;
}

std::string_view AbsentString(const reflection::Field& field) {
  const reflection::KeyValue* absent =
      field.attributes() == nullptr ? nullptr : field.attributes()->LookupByKey("absent");
  return absent == nullptr || absent->value() == nullptr ? std::string_view()
                                                         : absent->value()->string_view();
}

// A code by its name, or by its number when the code has no name (JSON of
// an unverified value enum must not fail).
json NameOr(std::optional<std::string_view> name, int64_t code) {
  if (name) return std::string(*name);
  return code;
}

std::string Base64(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    uint32_t group = uint32_t{data[i]} << 16;
    if (i + 1 < size) group |= uint32_t{data[i + 1]} << 8;
    if (i + 2 < size) group |= data[i + 2];
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(group >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[group & 63] : '=';
  }
  return out;
}

// Variables and headers are stored as JSON text; an empty one is {}.
json ParseDocument(std::string_view text) {
  if (text.empty()) return json::object();
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return document.is_discarded() ? json(std::string(text)) : document;
}

json RenderTable(const reflection::Object& object, const flatbuffers::Table& table);

// The value type a table's (intent) field refers to: its (value_type) field.
uint8_t ValueTypeCodeOf(const reflection::Object& object, const flatbuffers::Table& table) {
  for (const reflection::Field* field : *object.fields()) {
    if (HasAttribute(*field, "value_type")) {
      return static_cast<uint8_t>(flatbuffers::GetAnyFieldI(table, *field));
    }
  }
  return 0;
}

json RenderInteger(const reflection::Object& object, const flatbuffers::Table& table,
                   const reflection::Field& field) {
  int64_t code = flatbuffers::GetAnyFieldI(table, field);
  if (HasAttribute(field, "value_type")) {
    return NameOr(ValueTypeName(static_cast<ValueType>(code)), code);
  }
  if (HasAttribute(field, "intent")) {
    auto type = static_cast<ValueType>(ValueTypeCodeOf(object, table));
    return NameOr(IntentName(type, static_cast<uint8_t>(code)), code);
  }
  if (field.type()->index() >= 0) {
    const reflection::Enum* type = Schema().enums()->Get(field.type()->index());
    const reflection::EnumVal* value = type->values()->LookupByKey(code);
    if (value != nullptr) return value->name()->str();
  }
  return code;
}

json RenderVector(const flatbuffers::Table& table, const reflection::Field& field) {
  json array = json::array();
  switch (field.type()->element()) {
    case reflection::String: {
      auto* strings =
          flatbuffers::GetFieldV<flatbuffers::Offset<flatbuffers::String>>(table, field);
      if (strings != nullptr) {
        for (flatbuffers::uoffset_t i = 0; i < strings->size(); ++i) {
          array.push_back(strings->Get(i)->str());
        }
      }
      return array;
    }
    case reflection::Obj: {
      auto* tables = flatbuffers::GetFieldV<flatbuffers::Offset<flatbuffers::Table>>(table, field);
      const reflection::Object& element = *Schema().objects()->Get(field.type()->index());
      if (tables != nullptr) {
        for (flatbuffers::uoffset_t i = 0; i < tables->size(); ++i) {
          array.push_back(RenderTable(element, *tables->Get(i)));
        }
      }
      return array;
    }
    case reflection::UByte: {
      auto* bytes = flatbuffers::GetFieldV<uint8_t>(table, field);
      if (HasAttribute(field, "record")) {
        // Verified with its container; an absent one renders as {}.
        if (bytes == nullptr) return json::object();
        AlignedBytes command(
            std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
        return RecordToJson(*fb::GetRecord(command.view().data()))["value"];
      }
      return bytes == nullptr ? "" : Base64(bytes->data(), bytes->size());
    }
    default: {
      const flatbuffers::VectorOfAny* values = flatbuffers::GetFieldAnyV(table, field);
      if (values == nullptr) return array;
      for (flatbuffers::uoffset_t i = 0; i < values->size(); ++i) {
        array.push_back(flatbuffers::GetAnyVectorElemI(values, field.type()->element(), i));
      }
      return array;
    }
  }
}

json RenderField(const reflection::Object& object, const flatbuffers::Table& table,
                 const reflection::Field& field) {
  switch (field.type()->base_type()) {
    case reflection::Bool: return flatbuffers::GetAnyFieldI(table, field) != 0;
    case reflection::Float:
    case reflection::Double: return flatbuffers::GetAnyFieldF(table, field);
    case reflection::String: {
      const flatbuffers::String* s = flatbuffers::GetFieldS(table, field);
      std::string_view text = s == nullptr ? AbsentString(field) : s->string_view();
      return HasAttribute(field, "json") ? ParseDocument(text) : json(std::string(text));
    }
    case reflection::Obj: {
      const flatbuffers::Table* child = flatbuffers::GetFieldT(table, field);
      if (child == nullptr) return nullptr;
      return RenderTable(*Schema().objects()->Get(field.type()->index()), *child);
    }
    case reflection::Vector: return RenderVector(table, field);
    default: return RenderInteger(object, table, field);
  }
}

json RenderTable(const reflection::Object& object, const flatbuffers::Table& table) {
  json out = json::object();
  for (const reflection::Field* field : *object.fields()) {
    out[CamelCase(field->name()->string_view())] = RenderField(object, table, *field);
  }
  return out;
}

json RenderValue(const fb::Record& record) {
  if (record.typed_value_type() == fb::RecordValue::NONE) return json::object();
  const reflection::Schema& schema = Schema();
  const reflection::Object& record_object = *schema.root_table();
  const reflection::Field& value_field = *record_object.fields()->LookupByKey("typed_value");
  const auto& table = *reinterpret_cast<const flatbuffers::Table*>(&record);
  return RenderTable(flatbuffers::GetUnionType(schema, record_object, value_field, table),
                     *reinterpret_cast<const flatbuffers::Table*>(record.typed_value()));
}

}  // namespace

json RecordToJson(const fb::Record& record) {
  auto value_type = static_cast<ValueType>(record.value_type());
  auto string_or_empty = [](const flatbuffers::String* s) { return s == nullptr ? "" : s->str(); };
  return json{
      {"partitionId", record.partition_id()},
      {"position", record.position()},
      {"sourceRecordPosition", record.source_record_position()},
      {"key", record.key()},
      {"timestamp", record.timestamp()},
      {"recordType",
       NameOr(RecordTypeName(static_cast<RecordType>(record.record_type())), record.record_type())},
      {"valueType", NameOr(ValueTypeName(value_type), record.value_type())},
      {"intent", NameOr(IntentName(value_type, record.intent()), record.intent())},
      {"rejectionType",
       NameOr(RejectionTypeName(static_cast<RejectionType>(record.rejection_type())),
              record.rejection_type())},
      {"rejectionReason", string_or_empty(record.rejection_reason())},
      {"brokerVersion", string_or_empty(record.broker_version())},
      {"recordVersion", record.record_version()},
      {"value", RenderValue(record)},
  };
}

Result<json> EncodedRecordToJson(std::string_view bytes) {
  AlignedBytes aligned(bytes);
  Result<const fb::Record*> record = VerifyRecord(aligned.view());
  if (!record.ok()) return record.status();
  return RecordToJson(**record);
}

std::string ToJsonText(const json& rendered) {
  return rendered.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace waggle::record
