#include "engine/state/element_instance_state.h"

namespace waggle::engine::state {

std::optional<fb::ElementInstanceT> ElementInstanceState::Get(int64_t key) const {
  const fb::ElementInstanceT* instance = Find(key);
  if (instance == nullptr) return std::nullopt;
  return *instance;
}

void ElementInstanceState::Create(int64_t key, fb::ElementInstanceT instance) {
  const int64_t flow_scope_key = instance.value ? instance.value->flow_scope_key : -1;
  instances_.Create(key, std::move(instance));
  if (flow_scope_key >= 0) {
    access_->PutNew(ColumnFamily::kElementInstanceChildren, KeyOf(flow_scope_key, key), "");
  }
}

void ElementInstanceState::Remove(int64_t key, int64_t flow_scope_key) {
  instances_.Remove(key);
  if (flow_scope_key >= 0) {
    access_->Delete(ColumnFamily::kElementInstanceChildren, KeyOf(flow_scope_key, key));
  }
}

std::vector<int64_t> ElementInstanceState::Children(int64_t flow_scope_key) const {
  std::vector<int64_t> children;
  access_->ForEachWithPrefix(ColumnFamily::kElementInstanceChildren, KeyOf(flow_scope_key),
                             [&](std::string_view rest, std::string_view) {
                               KeyReader reader(rest);
                               int64_t child;
                               if (reader.ReadInt64(&child)) children.push_back(child);
                               return true;
                             });
  return children;
}

}  // namespace waggle::engine::state
