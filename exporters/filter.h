// RecordFilter: which records an exporter wants, by record type and value
// type, configured in its arguments with Zeebe's names:
//   {"recordTypes": ["EVENT"], "valueTypes": ["JOB", "PROCESS_INSTANCE"]}
// An absent or empty list accepts every type. Records filtered out still
// count as handled: the director acknowledges them on the exporter's behalf
// when nothing exported is pending, so a filtering exporter does not pin log
// compaction.
#pragma once

#include <bitset>

#include "common/record/record_generated.h"
#include "common/status.h"
#include "exporters/arguments.h"

namespace waggle::exporters {

class RecordFilter {
 public:
  // Accepts everything.
  RecordFilter();

  // Reads "recordTypes" and "valueTypes"; an unknown name is an error naming it.
  static Result<RecordFilter> Parse(ArgumentReader& arguments);

  bool Accepts(const record::fb::Record& record) const {
    return record_types_.test(record.record_type()) && value_types_.test(record.value_type());
  }

 private:
  // Indexed by code (both fit in a byte).
  std::bitset<256> record_types_;
  std::bitset<256> value_types_;
};

}  // namespace waggle::exporters
