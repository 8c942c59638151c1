// The official zbctl 8.4 binary (from npm) against a real `waggle gateway`
// process in front of an in-process fake broker: what zbctl prints, and what
// the broker received.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "common/record/intent.h"
#include "common/record/key.h"
#include "tests/gateway/fake_broker.h"
#include "tests/process/cluster_processes.h"

namespace waggle::gateway::test {
namespace {

using std::chrono::milliseconds;

using test_processes::RunShell;
using Output = test_processes::ShellResult;

// `waggle gateway` as a child process; learns its port from its first line.
class GatewayProcess {
 public:
  explicit GatewayProcess(const std::string& contact_point) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execl(WAGGLE_BINARY, WAGGLE_BINARY, "gateway", "--host", "127.0.0.1", "--port", "0",
            "--monitoring-port", "0", "--contact-points", contact_point.c_str(),
            "--request-timeout-ms", "5000", nullptr);
      _exit(127);
    }
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
    char line[512];
    if (fgets(line, sizeof line, stdout_) != nullptr) {
      std::sscanf(line, "gateway: listening on port %d", &port_);
    }
  }
  ~GatewayProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  int port_ = 0;
};

class ZbctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_.Start();
    broker_.SetHandler(EngineLikeAnswer);
    broker_.SetTopology(MakeTopology({{0, broker_.port()}}, {0, 0, 0}, 1));
    gateway_ = std::make_unique<GatewayProcess>(broker_.address());
    ASSERT_GT(gateway_->port(), 0) << "waggle gateway did not start";
    // Until the gateway knows a leader for every partition.
    for (int i = 0; i < 100; ++i) {
      if (Zbctl("status").text.find("Partition 3 : Leader") != std::string::npos) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "the gateway never reported the topology";
  }
  void TearDown() override {
    gateway_.reset();
    broker_.Stop();
  }

  Output Zbctl(const std::string& args) {
    return RunShell(std::string(WAGGLE_ZBCTL) + " --insecure --address 127.0.0.1:" +
                    std::to_string(gateway_->port()) + " " + args);
  }

  FakeBroker broker_{0};
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(ZbctlTest, StatusShowsTheTopology) {
  Output out = Zbctl("status");
  ASSERT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("Cluster size: 1"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("Partitions count: 3"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("Gateway version: 8.4.0+waggle.0.1.0"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("Broker 0 - 127.0.0.1:" + std::to_string(broker_.port())),
            std::string::npos)
      << out.text;
  for (int p = 1; p <= 3; ++p) {
    EXPECT_NE(out.text.find("Partition " + std::to_string(p) + " : Leader, Healthy"),
              std::string::npos)
        << out.text;
  }
}

TEST_F(ZbctlTest, DeployCreateAndPublish) {
  const std::string file = ::testing::TempDir() + "/order.bpmn";
  std::ofstream(file) << "<definitions id=\"order\"/>";
  Output deployed = Zbctl("deploy " + file);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.text;
  // zbctl 8.4 deploys through DeployProcess and prints its response as JSON.
  EXPECT_NE(deployed.text.find("\"bpmnProcessId\":  \"order-process\""), std::string::npos)
      << deployed.text;
  EXPECT_NE(deployed.text.find("\"tenantId\":  \"<default>\""), std::string::npos) << deployed.text;
  EXPECT_NE(deployed.text.find(std::to_string(record::EncodeKey(1, 100))), std::string::npos)
      << deployed.text;

  Output created = Zbctl("create instance order-process --variables '{\"amount\": 3}'");
  ASSERT_EQ(created.exit_code, 0) << created.text;
  EXPECT_NE(created.text.find("\"processInstanceKey\""), std::string::npos) << created.text;

  Output published = Zbctl("publish message paid --correlationKey order-7");
  ASSERT_EQ(published.exit_code, 0) << published.text;
  EXPECT_NE(published.text.find("\"key\""), std::string::npos) << published.text;

  std::vector<ReceivedCommand> received = broker_.received();
  ASSERT_EQ(received.size(), 3u);
  const auto* deployment = received[0].command.typed_value.AsDeploymentRecord();
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(received[0].partition_id, 1);
  EXPECT_EQ(deployment->resources[0]->resource_name, file);
  EXPECT_EQ(std::string(deployment->resources[0]->resource.begin(),
                        deployment->resources[0]->resource.end()),
            "<definitions id=\"order\"/>");
  const auto* creation = received[1].command.typed_value.AsProcessInstanceCreationRecord();
  ASSERT_NE(creation, nullptr);
  EXPECT_EQ(creation->bpmn_process_id, "order-process");
  EXPECT_EQ(creation->version, -1);
  EXPECT_NE(creation->variables.find("\"amount\""), std::string::npos);
  const auto* message = received[2].command.typed_value.AsMessageRecord();
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->name, "paid");
  EXPECT_EQ(message->correlation_key, "order-7");
  EXPECT_EQ(received[2].command.intent, record::IntentCode(record::MessageIntent::kPublish));
}

TEST_F(ZbctlTest, RejectionReachesZbctlWithItsCode) {
  broker_.SetHandler([](const ReceivedCommand& received) {
    return std::optional(RecordReply(RejectionOf(received.command, 1, "no such process")));
  });
  Output out = Zbctl("create instance missing");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("NotFound"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("Command 'CREATE' rejected with code 'NOT_FOUND': no such process"),
            std::string::npos)
      << out.text;
}

}  // namespace
}  // namespace waggle::gateway::test
