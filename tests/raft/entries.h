// Builders for log entries in Raft core tests.
#pragma once

#include <string>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::raft::testing {

inline Entry make_entry(Index index, Term term, std::string data = "") {
  Entry entry;
  entry.index = index;
  entry.term = term;
  entry.data = std::move(data);
  return entry;
}

// A log whose entry i + 1 has terms[i].
inline std::vector<Entry> log_of_terms(const std::vector<Term>& terms) {
  std::vector<Entry> out;
  for (size_t i = 0; i < terms.size(); ++i) out.push_back(make_entry(i + 1, terms[i]));
  return out;
}

}  // namespace waggle::raft::testing
