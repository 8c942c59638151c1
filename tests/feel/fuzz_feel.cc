// libFuzzer target: any bytes as FEEL text. Parse must return a value or an
// error, and evaluation against a small fixed set of variables likewise:
// no crash, no hang, no sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/feel/feel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::json variables = nlohmann::json::parse(R"({
    "a": 1, "b": 2.5, "s": "text", "t": true, "n": null, "xs": [1, 2, 3],
    "people": [{"name": "Ann", "age": 31}, {"name": "Bob", "age": 17}],
    "order": {"customer": {"name": "Zoe"}, "total": 100}, "when": "2024-01-31T10:00:00Z"
  })");
  auto parsed = waggle::feel::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) return 0;
  auto result =
      waggle::feel::Evaluate(*parsed.value(), waggle::feel::EvalContext{&variables, 1704067200000});
  if (result.ok()) (void)result.value().dump();
  return 0;
}
