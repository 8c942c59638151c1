// ActivateJobs: one server-streaming call. It visits the partitions
// round-robin from a per-type cursor, asking each (JOB_BATCH ACTIVATE) for
// the jobs still missing and streaming every non-empty batch as it comes,
// until maxJobsToActivate jobs went out or every partition was asked. With
// none found it long-polls (LongPolls) until jobs of its type are reported,
// then visits again; at its timeout it ends with no jobs. Jobs that could not
// be written to the client are given back (JOB FAIL with their retries
// unchanged). No thread waits for any of it.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <chrono>

#include "gateway/proto/gateway.pb.h"

namespace waggle::gateway {

class Dispatcher;
class JobTypeRoundRobin;
class LongPolls;
class TimerQueue;
class TopologyCache;

struct ActivateJobsEnv {
  Dispatcher* dispatcher;
  TopologyCache* topology;
  TimerQueue* timers;
  LongPolls* long_polls;
  JobTypeRoundRobin* cursors;
  // requestTimeout 0 means this long poll.
  std::chrono::milliseconds long_poll_timeout;
};

// The reactor for one ActivateJobs call; it owns itself until gRPC is done
// with it.
grpc::ServerWriteReactor<gateway_protocol::ActivateJobsResponse>* StartActivateJobs(
    const ActivateJobsEnv& env, const gateway_protocol::ActivateJobsRequest& request);

}  // namespace waggle::gateway
