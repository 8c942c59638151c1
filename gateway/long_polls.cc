#include "gateway/long_polls.h"

namespace waggle::gateway {

uint64_t LongPolls::Generation(const std::string& type) {
  std::lock_guard lock(mu_);
  return types_[type].generation;
}

LongPolls::ParkResult LongPolls::Park(const std::string& type, uint64_t seen_generation,
                                      std::shared_ptr<Waiter> waiter) {
  std::lock_guard lock(mu_);
  if (closed_) return ParkResult::kClosed;
  Type& t = types_[type];
  if (t.generation != seen_generation) return ParkResult::kNotifiedSince;
  const Waiter* key = waiter.get();
  t.waiters.emplace(key, std::move(waiter));
  return ParkResult::kParked;
}

bool LongPolls::Remove(const std::string& type, const Waiter* waiter) {
  std::lock_guard lock(mu_);
  auto t = types_.find(type);
  return t != types_.end() && t->second.waiters.erase(waiter) > 0;
}

void LongPolls::Notify(const std::vector<std::string>& types) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mu_);
    for (const std::string& type : types) {
      Type& t = types_[type];
      ++t.generation;
      for (auto& [key, waiter] : t.waiters) woken.push_back(std::move(waiter));
      t.waiters.clear();
    }
  }
  for (const auto& waiter : woken) waiter->Wake();
}

void LongPolls::Close() {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [name, t] : types_) {
      for (auto& [key, waiter] : t.waiters) woken.push_back(std::move(waiter));
      t.waiters.clear();
    }
  }
  for (const auto& waiter : woken) waiter->Wake();
}

size_t LongPolls::parked() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [name, t] : types_) n += t.waiters.size();
  return n;
}

}  // namespace waggle::gateway
