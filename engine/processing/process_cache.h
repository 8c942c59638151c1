// Parsed process models by definition key. Parsing a resource is costly, so
// each definition is parsed once, when deployed or first used after a
// restart, and shared read-only afterwards (definitions never change).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "engine/bpmn/process.h"
#include "engine/state/engine_state.h"

namespace waggle::engine {

struct DeployedProcess {
  int64_t key = -1;
  std::string bpmn_process_id;
  int32_t version = -1;
  std::shared_ptr<const bpmn::Process> model;
};

class ProcessCache {
 public:
  // The definition with `key`, parsed from the state on first use; null when
  // no such definition is deployed (or its resource no longer parses).
  std::shared_ptr<const DeployedProcess> Get(const state::EngineState& state, int64_t key);
  void Add(std::shared_ptr<const DeployedProcess> process);
  // Forgets everything (after a rollback: the cache may hold definitions
  // whose deployment was not committed).
  void Clear() { by_key_.clear(); }

 private:
  std::unordered_map<int64_t, std::shared_ptr<const DeployedProcess>> by_key_;
};

}  // namespace waggle::engine
