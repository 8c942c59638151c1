// Variable behaviour as Zeebe defines it: scopes form a chain from an
// element instance up to its process instance; reading sees the nearest
// definition of each name; a local write sets the variable on the given
// scope; a propagating write updates the nearest scope that already has the
// variable and creates it on the process instance otherwise. Every change is
// a VARIABLE CREATED or UPDATED event (unchanged values write nothing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/processing/processing_context.h"

namespace waggle::engine {

class Variables {
 public:
  explicit Variables(ProcessingContext& context) : context_(context) {}

  // The variables visible from `scope_key`, as one JSON object.
  nlohmann::json Visible(int64_t scope_key) const;
  // Only `names` (all when empty), as workers fetch them.
  nlohmann::json Visible(int64_t scope_key, const std::vector<std::string>& names) const;

  // `instance` describes the process instance the scope belongs to (its key,
  // definition, process id), for the VARIABLE records.
  void SetLocal(int64_t scope_key, const record::fb::ProcessInstanceRecordT& instance,
                std::string_view name, const nlohmann::json& value);
  void MergeLocal(int64_t scope_key, const record::fb::ProcessInstanceRecordT& instance,
                  const nlohmann::json& document);
  void MergePropagate(int64_t scope_key, const record::fb::ProcessInstanceRecordT& instance,
                      const nlohmann::json& document);

 private:
  // The scope chain of `scope_key`, nearest first.
  std::vector<int64_t> ScopeChain(int64_t scope_key) const;

  ProcessingContext& context_;
};

// Parses a variables document as clients send it: empty means {}; anything
// but a JSON object is an error whose message names the field.
Result<nlohmann::json> ParseVariablesDocument(std::string_view text, std::string_view field);

}  // namespace waggle::engine
