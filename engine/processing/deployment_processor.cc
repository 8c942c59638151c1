// DEPLOYMENT CREATE, as Zeebe processes it: every resource is parsed and
// validated first, and nothing is written unless all are valid (a
// deployment is atomic). A process gets a new version only when its
// resource changed; otherwise the existing definition is returned, marked
// duplicate. The deployment partition then distributes the deployment to
// every other partition (COMMAND_DISTRIBUTION), which applies it with the
// same keys and versions and acknowledges.
#include <map>
#include <set>
#include <string>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "engine/bpmn/parser.h"
#include "engine/processing/processing_context.h"
#include "engine/state/fnv1a.h"

namespace waggle::engine {
namespace {

using record::CommandDistributionIntent;
using record::DeploymentIntent;
using record::ProcessIntent;
using record::RejectionType;
using record::fb::DeploymentRecordT;
using record::fb::ProcessMetadataT;
using record::fb::ProcessRecordT;
using record::fb::RecordT;

std::vector<uint8_t> Checksum(const std::vector<uint8_t>& resource) {
  state::Fnv1a64 hash;
  hash.Update({reinterpret_cast<const char*>(resource.data()), resource.size()});
  std::vector<uint8_t> bytes(8);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(hash.value() >> (56 - 8 * i));
  return bytes;
}

bool IsBpmnResource(std::string_view name) {
  return name.ends_with(".bpmn") || name.ends_with(".xml");
}

struct ParsedProcess {
  std::shared_ptr<const bpmn::Process> model;
  const record::fb::DeploymentResourceT* resource;
};

// Sends the deployment to every other partition and records the pending
// acknowledgements.
void Distribute(ProcessingContext& context, int64_t deployment_key,
                const DeploymentRecordT& deployment) {
  if (context.options.partition_count <= 1) return;
  const int64_t distribution_key = context.keys.Next();
  record::fb::CommandDistributionRecordT started;
  started.partition_id = context.options.partition_id;
  started.value_type = static_cast<uint8_t>(record::ValueType::kDeployment);
  started.intent = record::IntentCode(DeploymentIntent::kCreate);
  context.writers.Event(distribution_key, CommandDistributionIntent::kStarted, started);

  RecordT distributed;
  distributed.key = deployment_key;
  distributed.record_type = static_cast<uint8_t>(record::RecordType::kCommand);
  distributed.value_type = static_cast<uint8_t>(record::ValueType::kDeployment);
  distributed.intent = record::IntentCode(DeploymentIntent::kCreate);
  distributed.typed_value.Set(DeploymentRecordT(deployment));
  const std::string encoded = record::EncodeRecord(distributed);
  for (int32_t partition = 1; partition <= context.options.partition_count; ++partition) {
    if (partition == context.options.partition_id) continue;
    record::fb::CommandDistributionRecordT distributing = started;
    distributing.partition_id = partition;
    distributing.command_value.assign(encoded.begin(), encoded.end());
    context.writers.Event(distribution_key, CommandDistributionIntent::kDistributing, distributing);
    context.writers.SendTo(partition, deployment_key, DeploymentIntent::kCreate,
                           DeploymentRecordT(deployment));
  }
}

// A deployment distributed by another partition: keys and versions are
// decided; write what is not there yet and acknowledge.
void ApplyDistributed(ProcessingContext& context, const RecordT& command,
                      const DeploymentRecordT& deployment, int32_t origin_partition) {
  for (const auto& metadata : deployment.processes_metadata) {
    if (metadata->duplicate || context.state.processes.GetByKey(metadata->process_definition_key)) {
      continue;
    }
    for (const auto& resource : deployment.resources) {
      if (resource->resource_name != metadata->resource_name) continue;
      std::optional<int64_t> previous;
      if (metadata->version > context.state.processes.LatestVersion(metadata->bpmn_process_id)) {
        previous = context.state.processes.KeyOf(
            metadata->bpmn_process_id,
            context.state.processes.LatestVersion(metadata->bpmn_process_id));
      }
      ProcessRecordT process;
      process.bpmn_process_id = metadata->bpmn_process_id;
      process.version = metadata->version;
      process.process_definition_key = metadata->process_definition_key;
      process.resource_name = metadata->resource_name;
      process.checksum = metadata->checksum;
      process.resource = resource->resource;
      process.deployment_key = command.key;
      context.writers.Event(process.process_definition_key, ProcessIntent::kCreated, process);
      if (auto deployed = context.processes.Get(context.state, process.process_definition_key)) {
        OpenStartEvents(context, *deployed, previous, /*schedule_timers=*/false);
      }
    }
  }
  context.writers.Event(command.key, DeploymentIntent::kCreated, DeploymentRecordT(deployment));
  record::fb::CommandDistributionRecordT ack;
  ack.partition_id = context.options.partition_id;
  ack.value_type = static_cast<uint8_t>(record::ValueType::kDeployment);
  ack.intent = record::IntentCode(DeploymentIntent::kCreate);
  context.writers.SendTo(origin_partition, command.key, CommandDistributionIntent::kAcknowledge,
                         ack);
}

}  // namespace

void ProcessDeploymentCreate(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsDeploymentRecord();
  if (value == nullptr) {
    return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                     "Expected a deployment record, but the command has none");
  }
  if (command.key >= 0 && !value->processes_metadata.empty()) {
    // Only partition 1 deploys (the gateway routes deployments there), so a
    // deployment with decided keys comes from it.
    return ApplyDistributed(context, command, *value, 1);
  }
  if (value->resources.empty()) {
    return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                     "Expected to deploy at least one resource, but none given");
  }

  std::string errors;
  std::vector<ParsedProcess> parsed;
  std::set<std::string> process_ids;
  for (const auto& resource : value->resources) {
    const std::string& name = resource->resource_name;
    if (!IsBpmnResource(name)) {
      errors += "\n'" + name +
                "': resource type not supported (only BPMN processes, .bpmn or .xml, are "
                "deployed by this engine)";
      continue;
    }
    std::string_view xml(reinterpret_cast<const char*>(resource->resource.data()),
                         resource->resource.size());
    Result<bpmn::ParsedResource> result = bpmn::ParseBpmn(xml, name);
    if (!result.ok()) {
      errors += "\n" + result.status().message();
      continue;
    }
    for (const auto& model : result->processes) {
      if (!model->executable) continue;
      if (!process_ids.insert(model->id).second) {
        errors += "\nDuplicated process id in resources '" + model->id + "'";
        continue;
      }
      parsed.push_back({model, resource.get()});
    }
  }
  if (errors.empty() && parsed.empty()) {
    errors = "\nExpected to deploy at least one executable process, but none was found";
  }
  if (!errors.empty()) {
    return context.writers.Rejection(
        command, RejectionType::kInvalidArgument,
        "Expected to deploy new resources, but encountered the following errors:" + errors);
  }

  const int64_t deployment_key = context.keys.Next();
  DeploymentRecordT deployment;
  deployment.deployment_key = deployment_key;
  for (const auto& resource : value->resources) {
    deployment.resources.push_back(std::make_unique<record::fb::DeploymentResourceT>(*resource));
  }
  for (const ParsedProcess& process : parsed) {
    auto metadata = std::make_unique<ProcessMetadataT>();
    metadata->bpmn_process_id = process.model->id;
    metadata->resource_name = process.resource->resource_name;
    metadata->checksum = Checksum(process.resource->resource);
    metadata->deployment_key = deployment_key;
    const int32_t latest = context.state.processes.LatestVersion(process.model->id);
    std::optional<ProcessRecordT> previous;
    if (latest > 0) {
      if (auto key = context.state.processes.KeyOf(process.model->id, latest)) {
        previous = context.state.processes.GetByKey(*key);
      }
    }
    if (previous && previous->checksum == metadata->checksum &&
        previous->resource_name == metadata->resource_name) {
      metadata->version = previous->version;
      metadata->process_definition_key = previous->process_definition_key;
      metadata->duplicate = true;
    } else {
      std::optional<int64_t> previous_key;
      if (previous) previous_key = previous->process_definition_key;
      metadata->version = latest + 1;
      metadata->process_definition_key = context.keys.Next();
      auto deployed = std::make_shared<DeployedProcess>();
      deployed->key = metadata->process_definition_key;
      deployed->bpmn_process_id = process.model->id;
      deployed->version = metadata->version;
      deployed->model = process.model;
      context.processes.Add(deployed);

      ProcessRecordT record;
      record.bpmn_process_id = metadata->bpmn_process_id;
      record.version = metadata->version;
      record.process_definition_key = metadata->process_definition_key;
      record.resource_name = metadata->resource_name;
      record.checksum = metadata->checksum;
      record.resource = process.resource->resource;
      record.deployment_key = deployment_key;
      context.writers.Event(record.process_definition_key, ProcessIntent::kCreated, record);
      OpenStartEvents(context, *deployed, previous_key, /*schedule_timers=*/true);
    }
    deployment.processes_metadata.push_back(std::move(metadata));
  }
  context.writers.Event(deployment_key, DeploymentIntent::kCreated, DeploymentRecordT(deployment));
  context.writers.RespondTo(command, context.writers.last());
  Distribute(context, deployment_key, deployment);
}

void ProcessCommandDistributionAcknowledge(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsCommandDistributionRecord();
  if (value == nullptr) return;
  // Find the distribution whose pending entry this acknowledges: entries are
  // keyed by (distribution key, partition); the command carries the
  // distributed command's key (the deployment key), so look it up by scan.
  std::optional<int64_t> distribution_key;
  context.state.access.Iterate(
      state::ColumnFamily::kCommandDistribution, state::KeyRange::All(),
      [&](std::string_view key, std::string_view bytes) {
        state::KeyReader reader(key);
        int64_t distribution, partition;
        if (!reader.ReadInt64(&distribution) || !reader.ReadInt64(&partition)) return true;
        if (partition != value->partition_id) return true;
        auto stored = record::DecodeRecord(bytes);
        if (stored.ok() && stored->key == command.key) {
          distribution_key = distribution;
          return false;
        }
        return true;
      });
  if (!distribution_key) return;  // already acknowledged: a retried ack
  context.writers.Event(*distribution_key, CommandDistributionIntent::kAcknowledged,
                        record::fb::CommandDistributionRecordT(*value));
  bool others_pending = false;
  context.state.access.ForEachWithPrefix(state::ColumnFamily::kCommandDistribution,
                                         state::KeyOf(*distribution_key),
                                         [&](std::string_view, std::string_view) {
                                           others_pending = true;
                                           return false;
                                         });
  if (!others_pending) {
    record::fb::CommandDistributionRecordT finished;
    finished.partition_id = context.options.partition_id;
    finished.value_type = value->value_type;
    finished.intent = value->intent;
    context.writers.Event(*distribution_key, CommandDistributionIntent::kFinished, finished);
  }
}

}  // namespace waggle::engine
