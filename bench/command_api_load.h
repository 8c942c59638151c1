// CommandApiLoad: the load generator's client for the brokers' command API
// (common/protocol/broker_api.proto), following not-leader answers itself.
#pragma once

#include <memory>
#include <string>

#include "bench/load_client.h"

namespace waggle::bench {

// `addresses`: every broker's command API, host:port,... in node id order.
std::unique_ptr<LoadClient> NewCommandApiLoad(const std::string& addresses, int partitions);

}  // namespace waggle::bench
