// GatewayLoad: the load generator's client for Zeebe's gateway protocol
// (gateway/proto/gateway.proto) through `waggle gateway`, as Zeebe's starter
// and worker use it: CreateProcessInstance, ActivateJobs (long polling) and
// CompleteJob.
#pragma once

#include <memory>
#include <string>

#include "bench/load_client.h"

namespace waggle::bench {

// `workers`: ActivateJobs calls kept open at once.
std::unique_ptr<LoadClient> NewGatewayLoad(const std::string& address, int workers);

}  // namespace waggle::bench
