#include "engine/state/timer_state.h"

#include "engine/state/due_index.h"

namespace waggle::engine::state {
namespace {

std::string DueKey(const record::fb::TimerRecordT& timer, int64_t timer_key) {
  std::string key = KeyOf(timer.due_date, timer.element_instance_key);
  AppendInt64(&key, timer_key);
  return key;
}

}  // namespace

std::optional<record::fb::TimerRecordT> TimerState::Get(int64_t element_instance_key,
                                                        int64_t timer_key) const {
  auto stored = access_->GetTable<fb::StoredTimer>(ColumnFamily::kTimers,
                                                   KeyOf(element_instance_key, timer_key));
  if (!stored || stored->value == nullptr) return std::nullopt;
  return *stored->value;
}

void TimerState::Put(int64_t timer_key, const record::fb::TimerRecordT& timer) {
  fb::StoredTimerT stored;
  stored.value = std::make_unique<record::fb::TimerRecordT>(timer);
  access_->PutTable<fb::StoredTimer>(ColumnFamily::kTimers,
                                     KeyOf(timer.element_instance_key, timer_key), stored);
  access_->Put(ColumnFamily::kTimerDueDates, DueKey(timer, timer_key), "");
}

void TimerState::Remove(int64_t timer_key, const record::fb::TimerRecordT& timer) {
  access_->Delete(ColumnFamily::kTimers, KeyOf(timer.element_instance_key, timer_key));
  access_->Delete(ColumnFamily::kTimerDueDates, DueKey(timer, timer_key));
}

std::vector<std::pair<int64_t, record::fb::TimerRecordT>> TimerState::OfElementInstance(
    int64_t element_instance_key) const {
  std::vector<std::pair<int64_t, record::fb::TimerRecordT>> timers;
  access_->ForEachWithPrefix(ColumnFamily::kTimers, KeyOf(element_instance_key),
                             [&](std::string_view rest, std::string_view bytes) {
                               KeyReader reader(rest);
                               int64_t timer_key;
                               if (!reader.ReadInt64(&timer_key)) return true;
                               auto stored = Unpack<fb::StoredTimer>(bytes);
                               if (stored.ok() && stored->value)
                                 timers.emplace_back(timer_key, *stored->value);
                               return true;
                             });
  return timers;
}

void TimerState::ForEachDueBefore(int64_t now,
                                  const std::function<bool(int64_t, int64_t)>& visit) const {
  ForEachDueEntry(*access_, ColumnFamily::kTimerDueDates, now, [&](KeyReader& rest) {
    int64_t element_instance_key, timer_key;
    if (!rest.ReadInt64(&element_instance_key) || !rest.ReadInt64(&timer_key)) return true;
    return visit(element_instance_key, timer_key);
  });
}

std::optional<int64_t> TimerState::NextDueDate() const {
  return EarliestTime(*access_, ColumnFamily::kTimerDueDates);
}

}  // namespace waggle::engine::state
