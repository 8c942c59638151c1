// Flags: `--name value` command-line parsing with errors that name the flag.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::cmd {

class Flags {
 public:
  // Accepts `--name value` and `--name=value`. Errors name the bad argument.
  static Result<Flags> Parse(const std::vector<std::string>& args);

  // Each getter removes the flag from the unread set; a malformed value is an
  // error naming the flag and what it expects.
  Result<std::string> String(const std::string& name, const std::string& fallback);
  Result<int64_t> Int(const std::string& name, int64_t fallback, int64_t min, int64_t max);
  // Flags given but never read: a typo the user should hear about.
  Status CheckAllUsed() const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> used_;
};

// Parses `1=HOST:PORT,2=HOST:PORT,...` (the form of --members). Errors name
// `flag`.
Result<std::map<raft::NodeId, std::string>> ParseMemberList(const std::string& flag,
                                                            const std::string& text);

}  // namespace waggle::cmd
