// Every FEEL expression in the real Modeler files under
// ../shared/fixtures/bpmn parses: attribute values and element texts that
// start with '=' (conditions, input/output mappings, job types, timers,
// correlation keys, collections). A few are evaluated as SOURCES.md says.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include <pugixml.hpp>

#include "engine/feel/feel.h"

namespace waggle::feel {
namespace {

struct FoundExpression {
  std::string file;
  std::string where;  // element name and attribute
  std::string text;   // without the leading '='
};

void Collect(const pugi::xml_node& node, const std::string& file,
             std::vector<FoundExpression>& out) {
  for (const pugi::xml_attribute& attribute : node.attributes()) {
    const std::string value = attribute.value();
    if (value.starts_with("=")) {
      out.push_back({file, std::string(node.name()) + "@" + attribute.name(), value.substr(1)});
    }
  }
  if (node.type() == pugi::node_element) {
    const std::string text = node.child_value();
    if (text.starts_with("=")) out.push_back({file, node.name(), text.substr(1)});
  }
  for (const pugi::xml_node& child : node.children()) Collect(child, file, out);
}

std::vector<FoundExpression> FixtureExpressions() {
  std::vector<FoundExpression> found;
  for (const auto& entry : std::filesystem::directory_iterator(WAGGLE_BPMN_FIXTURES)) {
    if (entry.path().extension() != ".bpmn") continue;
    pugi::xml_document document;
    const pugi::xml_parse_result loaded = document.load_file(entry.path().c_str());
    EXPECT_TRUE(loaded) << entry.path() << ": " << loaded.description();
    Collect(document, entry.path().filename().string(), found);
  }
  return found;
}

TEST(FixtureExpressionsTest, EveryExpressionParses) {
  const std::vector<FoundExpression> expressions = FixtureExpressions();
  std::set<std::string> distinct;
  for (const FoundExpression& e : expressions) {
    distinct.insert(e.text);
    auto parsed = Parse(e.text);
    EXPECT_TRUE(parsed.ok()) << e.file << " " << e.where << ": =" << e.text << "\n  "
                             << parsed.status().ToString();
  }
  // The fixtures hold 80 expression attributes and 15 expression bodies
  // (conditions and timer durations), 75 distinct texts; fewer would mean the
  // walk above missed some.
  EXPECT_GE(expressions.size(), 90u);
  EXPECT_GE(distinct.size(), 70u);
  EXPECT_TRUE(distinct.count(" loopAmount != totalLoops"));
  EXPECT_TRUE(distinct.count("duration(\"PT\" + string(action.pauses.after) + \"S\")"));
}

Result<nlohmann::json> Evaluated(std::string_view text, const nlohmann::json& variables) {
  auto parsed = Parse(text);
  if (!parsed.ok()) return parsed.status();
  return Evaluate(*parsed.value(), EvalContext{&variables, 1704067200000});
}

TEST(FixtureExpressionsTest, LoopingServiceTaskLoopsWhileCountsDiffer) {
  // zpt-looping-servicetask.bpmn: the start output sets loopAmount = 0, each
  // pass adds 1, the gateway loops while loopAmount != totalLoops. With no
  // totalLoops, 0 != null is true: it loops forever, as SOURCES.md says.
  const std::string condition = " loopAmount != totalLoops";
  EXPECT_EQ(Evaluated(condition, {{"loopAmount", 0}, {"totalLoops", 3}}).value(), true);
  EXPECT_EQ(Evaluated(condition, {{"loopAmount", 3}, {"totalLoops", 3}}).value(), false);
  EXPECT_EQ(Evaluated(condition, {{"loopAmount", 0}}).value(), true);
  EXPECT_EQ(Evaluated(" loopAmount + 1", {{"loopAmount", 2}}).value().dump(), "3");
  EXPECT_EQ(Evaluated(" 0", nlohmann::json::object()).value().dump(), "0");
}

TEST(FixtureExpressionsTest, ChaosExpressions) {
  const nlohmann::json variables = {
      {"action", {{"name", "kill"}, {"provider", {{"timeout", 30}}}, {"pauses", {{"after", 5}}}}},
      {"testReport", {{"failureMessages", nlohmann::json::array()}}},
      {"experiment", {{"title", "pods"}}},
      {"timeout", "PT30S"}};
  EXPECT_EQ(Evaluated("if (is defined(action.provider.timeout)) then \"PT\" + "
                      "string(action.provider.timeout) + \"S\" else \"PT1H\"",
                      variables)
                .value(),
            "PT30S");
  EXPECT_EQ(Evaluated("if (is defined(action.provider.timeout)) then \"PT\" + "
                      "string(action.provider.timeout) + \"S\" else \"PT1H\"",
                      nlohmann::json::object())
                .value(),
            "PT1H");
  EXPECT_EQ(Evaluated("duration(\"PT\" + string(action.pauses.after) + \"S\")", variables).value(),
            "PT5S");
  EXPECT_EQ(Evaluated("duration(timeout)", variables).value(), "PT30S");
  EXPECT_EQ(Evaluated("is defined(action.pauses)", variables).value(), true);
  EXPECT_EQ(Evaluated("append(testReport.failureMessages, (\" Chaos experiment '\" + "
                      "experiment.title + \"' failed.\"))",
                      variables)
                .value(),
            nlohmann::json::array({" Chaos experiment 'pods' failed."}));
}

TEST(FixtureExpressionsTest, KpiDemoPicksAPlaceDeterministically) {
  // connector-kpi.bpmn: a context whose entries use earlier entries and
  // random number(), which is seeded by the record timestamp.
  const std::string text =
      "{idx: 1 + floor(random number() * 5), places: "
      "[[\"Paris\",\"France\"],[\"London\",\"UK\"],[\"Berlin\",\"Germany\"],"
      "[\"Madrid\",\"Spain\"],[\"Rome\",\"Italy\"]], picked: places[idx], amount: floor(1000 + "
      "(random number() * 9000)), city: picked[1], country: picked[2]}";
  auto result = Evaluated(text, nlohmann::json::object());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const nlohmann::json& r = result.value();
  ASSERT_TRUE(r["idx"].is_number_integer());
  ASSERT_GE(r["idx"].get<int>(), 1);
  ASSERT_LE(r["idx"].get<int>(), 5);
  EXPECT_EQ(r["picked"], r["places"][r["idx"].get<int>() - 1]);
  EXPECT_EQ(r["city"], r["picked"][0]);
  EXPECT_GE(r["amount"].get<int>(), 1000);
  EXPECT_EQ(Evaluated(text, nlohmann::json::object()).value(), r);
}

TEST(FixtureExpressionsTest, FraudMeanCondition) {
  EXPECT_EQ(Evaluated("mean(fraud_score_result.fraud_rating_score) > 0",
                      {{"fraud_score_result", {{"fraud_rating_score", {0.5, 0.7}}}}})
                .value(),
            true);
  EXPECT_TRUE(Evaluated("mean(fraud_score_result.fraud_rating_score) > 0", nlohmann::json::object())
                  .value()
                  .is_null());
}

}  // namespace
}  // namespace waggle::feel
