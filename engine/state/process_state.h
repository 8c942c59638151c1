// Deployed process definitions: by key, by (process id, version), and the
// latest version of each process id.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

class ProcessState {
 public:
  explicit ProcessState(StateAccess* access) : access_(access) {}

  void Put(const record::fb::ProcessRecordT& process);
  std::optional<record::fb::ProcessRecordT> GetByKey(int64_t definition_key) const;
  // The key of `version` of `process_id`, if deployed.
  std::optional<int64_t> KeyOf(std::string_view process_id, int32_t version) const;
  // The latest version of `process_id`, or 0 when none is deployed.
  int32_t LatestVersion(std::string_view process_id) const;

 private:
  StateAccess* access_;
};

}  // namespace waggle::engine::state
