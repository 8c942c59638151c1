#include "cmd/stream/stream_command.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "cmd/flags.h"
#include "common/protocol/broker_api.grpc.pb.h"
#include "common/record/json.h"

namespace waggle::cmd {

namespace {

namespace api = waggle::broker_api;

struct StreamOptions {
  std::vector<std::string> brokers;
  int32_t partition_id = 0;
  int64_t from_position = 0;
  int64_t count = 0;  // 0: forever
};

Result<StreamOptions> ParseStreamFlags(const std::vector<std::string>& args) {
  Result<Flags> flags = Flags::Parse(args);
  if (!flags.ok()) return flags.status();
  Result<std::string> brokers = flags->String("brokers", "");
  Result<int64_t> partition = flags->Int("partition", 0, 1, 8191);
  Result<int64_t> from = flags->Int("from", 0, 0, INT64_MAX);
  Result<int64_t> count = flags->Int("count", 0, 0, INT64_MAX);
  for (const Status& s : {brokers.status(), partition.status(), from.status(), count.status()}) {
    if (!s.ok()) return s;
  }
  if (Status s = flags->CheckAllUsed(); !s.ok()) return s;
  StreamOptions options;
  std::stringstream list(*brokers);
  for (std::string item; std::getline(list, item, ',');) {
    if (item.empty()) continue;
    if (item.find(':') == std::string::npos) {
      return Status::InvalidArgument("--brokers expects host:port,... but got '" + item + "'");
    }
    options.brokers.push_back(item);
  }
  if (options.brokers.empty()) {
    return Status::InvalidArgument("--brokers needs at least one broker command API host:port");
  }
  if (*partition == 0) return Status::InvalidArgument("--partition is required (1..8191)");
  options.partition_id = static_cast<int32_t>(*partition);
  options.from_position = *from;
  options.count = *count;
  return options;
}

}  // namespace

int RunStreamCommand(const std::vector<std::string>& args) {
  Result<StreamOptions> options = ParseStreamFlags(args);
  if (!options.ok()) {
    std::fprintf(stderr, "waggle stream: %s\n", options.status().message().c_str());
    return 2;
  }
  int64_t last = options->from_position - 1;  // the last position printed
  int64_t printed = 0;
  size_t broker = 0;
  int refusals = 0;  // brokers in a row that cannot serve the partition
  while (true) {
    const std::string& address = options->brokers[broker];
    auto stub =
        api::BrokerApi::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    api::StreamRecordsRequest request;
    request.set_partition_id(options->partition_id);
    request.set_from_position(last + 1);
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<api::RecordBatch>> reader =
        stub->StreamRecords(&context, request);
    api::RecordBatch batch;
    while (reader->Read(&batch)) {
      refusals = 0;
      for (const api::StreamedRecord& r : batch.records()) {
        if (r.position() <= last) continue;
        Result<std::string> json = record::EncodedRecordToJson(r.record());
        if (!json.ok()) {
          std::fprintf(stderr, "waggle stream: position %lld: %s\n",
                       static_cast<long long>(r.position()), json.status().message().c_str());
          return 1;
        }
        json->push_back('\n');
        std::fwrite(json->data(), 1, json->size(), stdout);
        last = r.position();
        if (options->count > 0 && ++printed == options->count) {
          std::fflush(stdout);
          context.TryCancel();
          return 0;
        }
      }
      std::fflush(stdout);
    }
    const grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      std::fprintf(stderr, "waggle stream: %s\n", status.error_message().c_str());
      return 1;
    }
    if (status.error_code() == grpc::StatusCode::NOT_FOUND &&
        ++refusals >= static_cast<int>(options->brokers.size())) {
      std::fprintf(stderr, "waggle stream: no broker hosts partition %d\n", options->partition_id);
      return 1;
    }
    std::fprintf(stderr, "waggle stream: %s: %s; going on from position %lld at the next broker\n",
                 address.c_str(), status.error_message().c_str(), static_cast<long long>(last + 1));
    broker = (broker + 1) % options->brokers.size();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace waggle::cmd
