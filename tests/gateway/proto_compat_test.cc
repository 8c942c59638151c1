// Wire compatibility of gateway/proto/gateway.proto with Zeebe's gateway
// protocol as zeebe-node 8.3.2 ships it (proto/zeebe.proto, installed by
// scripts/install-npm-clients.sh): protoc compiles Zeebe's file at test time,
// and every message, field, enum and RPC of it must exist in ours with the
// same numbers, names and types.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gateway/proto/gateway.pb.h"

namespace waggle::gateway {
namespace {

namespace pb = google::protobuf;

// Differences of `theirs` from `ours`, one line each; empty when compatible.
std::vector<std::string> Differences(const pb::FileDescriptor& theirs,
                                     const pb::DescriptorPool& ours) {
  std::vector<std::string> out;
  std::function<void(const pb::Descriptor*)> check_message = [&](const pb::Descriptor* m) {
    const pb::Descriptor* mine = ours.FindMessageTypeByName(m->full_name());
    if (mine == nullptr) {
      out.push_back("missing message " + m->full_name());
      return;
    }
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      const pb::FieldDescriptor* g = mine->FindFieldByNumber(f->number());
      const std::string where = m->full_name() + " field " + std::to_string(f->number());
      if (g == nullptr) {
        out.push_back(where + " (" + f->name() + ") missing");
        continue;
      }
      if (g->name() != f->name())
        out.push_back(where + " named " + g->name() + ", not " + f->name());
      if (g->type() != f->type()) out.push_back(where + " has type " + g->type_name());
      if (g->is_repeated() != f->is_repeated()) out.push_back(where + " repetition differs");
      if (f->message_type() != nullptr &&
          (g->message_type() == nullptr ||
           g->message_type()->full_name() != f->message_type()->full_name())) {
        out.push_back(where + " message type differs");
      }
      if (f->enum_type() != nullptr &&
          (g->enum_type() == nullptr ||
           g->enum_type()->full_name() != f->enum_type()->full_name())) {
        out.push_back(where + " enum type differs");
      }
      if ((f->containing_oneof() == nullptr) != (g->containing_oneof() == nullptr)) {
        out.push_back(where + " oneof membership differs");
      }
    }
    for (int i = 0; i < m->enum_type_count(); ++i) {
      const pb::EnumDescriptor* e = m->enum_type(i);
      const pb::EnumDescriptor* mine_enum = ours.FindEnumTypeByName(e->full_name());
      if (mine_enum == nullptr) {
        out.push_back("missing enum " + e->full_name());
        continue;
      }
      for (int v = 0; v < e->value_count(); ++v) {
        const pb::EnumValueDescriptor* value = mine_enum->FindValueByName(e->value(v)->name());
        if (value == nullptr || value->number() != e->value(v)->number()) {
          out.push_back(e->full_name() + "." + e->value(v)->name() + " differs");
        }
      }
    }
    for (int i = 0; i < m->nested_type_count(); ++i) check_message(m->nested_type(i));
  };
  for (int i = 0; i < theirs.message_type_count(); ++i) check_message(theirs.message_type(i));
  for (int s = 0; s < theirs.service_count(); ++s) {
    const pb::ServiceDescriptor* service = theirs.service(s);
    const pb::ServiceDescriptor* mine = ours.FindServiceByName(service->full_name());
    if (mine == nullptr) {
      out.push_back("missing service " + service->full_name());
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* rpc = service->method(i);
      const pb::MethodDescriptor* my_rpc = mine->FindMethodByName(rpc->name());
      if (my_rpc == nullptr) {
        out.push_back("missing rpc " + rpc->name());
        continue;
      }
      if (my_rpc->input_type()->full_name() != rpc->input_type()->full_name() ||
          my_rpc->output_type()->full_name() != rpc->output_type()->full_name() ||
          my_rpc->client_streaming() != rpc->client_streaming() ||
          my_rpc->server_streaming() != rpc->server_streaming()) {
        out.push_back("rpc " + rpc->name() + " differs in its types or streaming");
      }
    }
  }
  return out;
}

// Zeebe's proto compiled by protoc into a FileDescriptorProto.
pb::FileDescriptorProto ZeebeProto() {
  const std::string dir = std::string(WAGGLE_NPM_CLIENTS_DIR) + "/node_modules/zeebe-node/proto";
  // One file per process: ctest runs the tests of this file in parallel.
  const std::string out =
      ::testing::TempDir() + "/zeebe_descriptor." + std::to_string(::getpid()) + ".pb";
  const std::string command = std::string(WAGGLE_PROTOC) + " --proto_path=" + dir +
                              " --descriptor_set_out=" + out + " zeebe.proto";
  EXPECT_EQ(std::system(command.c_str()), 0)
      << command << " failed; run scripts/install-npm-clients.sh";
  std::ifstream in(out, std::ios::binary);
  pb::FileDescriptorSet set;
  EXPECT_TRUE(set.ParseFromIstream(&in));
  std::remove(out.c_str());
  EXPECT_EQ(set.file_size(), 1);
  return set.file_size() > 0 ? set.file(0) : pb::FileDescriptorProto();
}

TEST(ProtoCompat, OursServesEverythingZeebeNodeKnowsWithTheSameWireShape) {
  pb::DescriptorPool theirs_pool;
  const pb::FileDescriptor* theirs = theirs_pool.BuildFile(ZeebeProto());
  ASSERT_NE(theirs, nullptr);
  EXPECT_EQ(theirs->package(), "gateway_protocol");
  ASSERT_EQ(theirs->message_type_count(), 52);
  ASSERT_EQ(theirs->service(0)->method_count(), 19);

  const pb::DescriptorPool& ours = *gateway_protocol::TopologyRequest::descriptor()->file()->pool();
  const std::vector<std::string> differences = Differences(*theirs, ours);
  EXPECT_TRUE(differences.empty()) << ::testing::PrintToString(differences);
  // And the 8.4 RPCs beyond zeebe-node 8.3.2.
  const pb::ServiceDescriptor* gateway = ours.FindServiceByName("gateway_protocol.Gateway");
  ASSERT_NE(gateway, nullptr);
  EXPECT_NE(gateway->FindMethodByName("UpdateJobTimeout"), nullptr);
  EXPECT_NE(gateway->FindMethodByName("MigrateProcessInstance"), nullptr);
}

TEST(ProtoCompat, TheComparisonCatchesAChangedField) {
  pb::FileDescriptorProto changed = ZeebeProto();
  for (pb::DescriptorProto& message : *changed.mutable_message_type()) {
    if (message.name() == "PublishMessageRequest") {
      message.mutable_field(1)->set_number(42);  // correlationKey
    }
    if (message.name() == "ActivatedJob") {
      message.mutable_field(0)->set_type(pb::FieldDescriptorProto::TYPE_INT32);  // key
    }
  }
  pb::DescriptorPool pool;
  const pb::FileDescriptor* theirs = pool.BuildFile(changed);
  ASSERT_NE(theirs, nullptr);
  const std::vector<std::string> differences =
      Differences(*theirs, *gateway_protocol::TopologyRequest::descriptor()->file()->pool());
  ASSERT_EQ(differences.size(), 2u) << ::testing::PrintToString(differences);
  EXPECT_NE(differences[0].find("ActivatedJob field 1"), std::string::npos);
  EXPECT_NE(differences[1].find("PublishMessageRequest field 42"), std::string::npos);
}

}  // namespace
}  // namespace waggle::gateway
