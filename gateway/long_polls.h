// LongPolls: ActivateJobs requests that found no job, parked per job type
// until a broker reports jobs of that type (JobsAvailable) or their long-poll
// timeout passes. Thread-safe.
//
// A notice that arrives while a request is still visiting partitions is not
// lost: each type has a generation that every notice bumps, and a request
// parks only if the generation is still the one it saw before its visit.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace waggle::gateway {

class LongPolls {
 public:
  class Waiter {
   public:
    virtual ~Waiter() = default;
    // Taken off the registry: activate again (or, after Close, find that
    // parking is refused). Called without the registry's lock held.
    virtual void Wake() = 0;
  };

  enum class ParkResult {
    kParked,
    kNotifiedSince,  // jobs became available during the visit: visit again
    kClosed,         // shutting down: answer now
  };

  uint64_t Generation(const std::string& type);
  ParkResult Park(const std::string& type, uint64_t seen_generation,
                  std::shared_ptr<Waiter> waiter);
  // Takes `waiter` off the registry; false if it was not parked (already
  // woken).
  bool Remove(const std::string& type, const Waiter* waiter);
  // Jobs of these types became available: wakes every waiter of them.
  void Notify(const std::vector<std::string>& types);
  // Wakes every waiter and refuses parking from now on.
  void Close();

  size_t parked() const;

 private:
  struct Type {
    uint64_t generation = 0;
    std::map<const Waiter*, std::shared_ptr<Waiter>> waiters;
  };

  mutable std::mutex mu_;
  bool closed_ = false;
  std::map<std::string, Type, std::less<>> types_;
};

}  // namespace waggle::gateway
