// Malformed or hostile input gets a clear InvalidArgument naming the
// resource, never a crash or a hang.
#include <gtest/gtest.h>

#include <string>

#include "engine/bpmn/parser.h"

namespace waggle::bpmn {
namespace {

std::string Error(std::string_view xml) {
  auto result = ParseBpmn(xml, "bad.bpmn");
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(result.status().message().starts_with("'bad.bpmn': ")) << result.status().message();
  return result.status().message();
}

constexpr char kHeader[] =
    R"(<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">)";

TEST(Malformed, MismatchedTagReportsDescriptionLineAndOffset) {
  std::string xml = std::string(kHeader) + "\n  <bpmn:process id=\"p\">\n  </bpmn:proc>\n";
  std::string message = Error(xml);
  EXPECT_NE(message.find("malformed XML: Start-end tags mismatch at line 3"), std::string::npos)
      << message;
  EXPECT_NE(message.find("(offset "), std::string::npos);
}

TEST(Malformed, UnclosedDocument) {
  std::string message = Error(std::string(kHeader) + "<bpmn:process id=\"p\">");
  EXPECT_NE(message.find("malformed XML: "), std::string::npos) << message;
}

TEST(Malformed, EmptyAndBinaryInput) {
  EXPECT_NE(Error("").find("malformed XML: No document element found"), std::string::npos);
  std::string binary("\x00\xff\xfe<\x01\x02>&&", 10);
  EXPECT_NE(Error(binary).find("'bad.bpmn': "), std::string::npos);
}

TEST(Malformed, NotBpmnRoot) {
  EXPECT_NE(Error("<definitions id=\"d\" />").find("not a BPMN 2.0 definitions element"),
            std::string::npos);
  EXPECT_NE(Error("<html><body /></html>").find("not a BPMN 2.0 definitions element"),
            std::string::npos);
}

TEST(Malformed, UnknownEntityIsAnError) {
  // pugixml does not expand DTD entities, so there is no entity expansion
  // attack; an undeclared entity stays literal text in an attribute.
  std::string xml = R"(<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>)" +
                    std::string(kHeader) + R"(<bpmn:process id="&b;" isExecutable="true">
      <bpmn:startEvent id="s" /></bpmn:process></bpmn:definitions>)";
  auto result = ParseBpmn(xml, "entities.bpmn");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->processes[0]->id, "&b;");
}

TEST(Malformed, ResourceLargerThanLimit) {
  std::string xml = std::string(kHeader) + "<!--" + std::string(kMaxResourceBytes, 'x') +
                    "--></bpmn:definitions>";
  EXPECT_NE(Error(xml).find("exceeds the limit of 4194304 bytes"), std::string::npos);
}

std::string Nested(int depth) {
  std::string xml = std::string(kHeader) + R"(<bpmn:process id="p" isExecutable="true">)";
  for (int i = 0; i < depth; ++i) xml += "<a>";
  for (int i = 0; i < depth; ++i) xml += "</a>";
  return xml + "<bpmn:startEvent id=\"s\" /></bpmn:process></bpmn:definitions>";
}

TEST(Malformed, NestingDepthIsLimited) {
  EXPECT_TRUE(ParseBpmn(Nested(kMaxXmlDepth - 3), "ok.bpmn").ok());
  EXPECT_NE(Error(Nested(kMaxXmlDepth)).find("elements nest deeper than 64 levels"),
            std::string::npos);
  // Far deeper than any stack would allow recursion for.
  EXPECT_NE(Error(Nested(200000)).find("nest deeper"), std::string::npos);
}

TEST(Malformed, DeeplyNestedSubProcessesAreRejectedNotRecursedInto) {
  std::string xml = std::string(kHeader) + R"(<bpmn:process id="p" isExecutable="true">)";
  for (int i = 0; i < 1000; ++i) xml += "<bpmn:subProcess id=\"s" + std::to_string(i) + "\">";
  for (int i = 0; i < 1000; ++i) xml += "</bpmn:subProcess>";
  xml += "</bpmn:process></bpmn:definitions>";
  EXPECT_NE(Error(xml).find("nest deeper"), std::string::npos);
}

TEST(Malformed, ManyNamespaceDeclarationsStayLinear) {
  // Thousands of declarations on an ancestor of thousands of elements: each
  // lookup must not scan them all.
  std::string xml = R"(<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL")";
  for (int i = 0; i < 20000; ++i)
    xml += " xmlns:n" + std::to_string(i) + "=\"urn:" + std::to_string(i) + "\"";
  xml += R"( id="d"><bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" />)";
  for (int i = 0; i < 20000; ++i) xml += "<n1:x/>";
  xml += "</bpmn:process></bpmn:definitions>";
  auto result = ParseBpmn(xml, "many-ns.bpmn");
  EXPECT_TRUE(result.ok()) << result.status().message();
}

TEST(Malformed, RejectionListsAtMostAHundredProblems) {
  std::string xml = std::string(kHeader) + R"(<bpmn:process id="p" isExecutable="true">)";
  for (int i = 0; i < 5000; ++i) xml += "<bpmn:serviceTask id=\"t" + std::to_string(i) + "\" />";
  xml += "</bpmn:process></bpmn:definitions>";
  std::string message = Error(xml);
  EXPECT_NE(message.find("- Element: t99\n"), std::string::npos);  // the 100th problem
  EXPECT_EQ(message.find("- Element: t100\n"), std::string::npos);
  EXPECT_NE(message.find("(and 4901 more problems)"), std::string::npos) << message.substr(0, 200);
}

TEST(Malformed, MissingIdsAreProblemsNotCrashes) {
  std::string xml = std::string(kHeader) + R"(<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent /><bpmn:sequenceFlow sourceRef="a" targetRef="b" />
      <bpmn:boundaryEvent id="b" /></bpmn:process></bpmn:definitions>)";
  std::string message = Error(xml);
  EXPECT_NE(message.find("startEvent without id in 'p'"), std::string::npos) << message;
  EXPECT_NE(message.find("sequenceFlow without id in 'p'"), std::string::npos);
  EXPECT_NE(message.find("boundaryEvent 'b': must have an event definition"), std::string::npos);
  EXPECT_NE(message.find("boundaryEvent 'b': not attached to an activity"), std::string::npos);
}

}  // namespace
}  // namespace waggle::bpmn
