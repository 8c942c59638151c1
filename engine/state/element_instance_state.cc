#include "engine/state/element_instance_state.h"

namespace waggle::engine::state {

std::optional<fb::ElementInstanceT> ElementInstanceState::Get(int64_t key) const {
  return access_->GetTable<fb::ElementInstance>(ColumnFamily::kElementInstance, KeyOf(key));
}

void ElementInstanceState::Put(int64_t key, const fb::ElementInstanceT& instance) {
  access_->PutTable<fb::ElementInstance>(ColumnFamily::kElementInstance, KeyOf(key), instance);
}

void ElementInstanceState::Create(int64_t key, const fb::ElementInstanceT& instance) {
  Put(key, instance);
  const int64_t flow_scope_key = instance.value ? instance.value->flow_scope_key : -1;
  if (flow_scope_key >= 0) {
    access_->Put(ColumnFamily::kElementInstanceChildren, KeyOf(flow_scope_key, key), "");
  }
}

void ElementInstanceState::Remove(int64_t key, int64_t flow_scope_key) {
  access_->Delete(ColumnFamily::kElementInstance, KeyOf(key));
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
