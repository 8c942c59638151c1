// `waggle gateway`: a standalone gateway (Zeebe's gateway protocol) in front
// of brokers reached through their command APIs (--contact-points).
#pragma once

#include <string>
#include <vector>

namespace waggle::cmd {

// Runs until SIGINT or SIGTERM. Exit codes: 0 after a clean stop, 1 when the
// gateway could not start, 2 for bad flags (the message names the flag).
int RunGatewayCommand(const std::vector<std::string>& args);

}  // namespace waggle::cmd
