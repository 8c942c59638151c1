// `waggle stream`: prints a partition's committed records as JSON lines (the
// exporters' record JSON), from a position on, as they commit: tail -f for a
// partition. Reads through the brokers' StreamRecords call and, when the
// broker it reads from goes away, goes on from the next record at another.
#pragma once

#include <string>
#include <vector>

namespace waggle::cmd {

// Exit codes: 0 after --count records, 1 when no broker can serve the
// records asked for (e.g. compacted), 2 for bad flags (naming the flag).
int RunStreamCommand(const std::vector<std::string>& args);

}  // namespace waggle::cmd
