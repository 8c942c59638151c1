#include "exporters/filter.h"

#include "common/record/record_type.h"
#include "common/record/value_type.h"

namespace waggle::exporters {
namespace {

constexpr std::string_view kRecordTypesKey = "recordTypes";
constexpr std::string_view kValueTypesKey = "valueTypes";

// Sets the bit of each named code in `set`; all bits when `names` is empty.
Status ParseNames(ArgumentReader& arguments, std::string_view key,
                  std::span<const record::NamedCode> table, std::bitset<256>& set) {
  Result<std::vector<std::string>> names = arguments.StringList(key);
  if (!names.ok()) return names.status();
  if (names->empty()) {
    set.set();
    return Status::OK();
  }
  set.reset();
  for (const std::string& name : *names) {
    std::optional<uint8_t> code = record::CodeOfName(table, name);
    if (!code) return arguments.Invalid(key, "unknown name '" + name + "'");
    set.set(*code);
  }
  return Status::OK();
}

}  // namespace

RecordFilter::RecordFilter() {
  record_types_.set();
  value_types_.set();
}

Result<RecordFilter> RecordFilter::Parse(ArgumentReader& arguments) {
  RecordFilter filter;
  Status s = ParseNames(arguments, kRecordTypesKey, record::kRecordTypes, filter.record_types_);
  if (s.ok()) s = ParseNames(arguments, kValueTypesKey, record::kValueTypes, filter.value_types_);
  if (!s.ok()) return s;
  return filter;
}

}  // namespace waggle::exporters
