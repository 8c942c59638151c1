#include "engine/feel/feel.h"

namespace waggle::feel {

class Expression {};

Result<std::shared_ptr<const Expression>> Parse(std::string_view) {
  return Status::InvalidArgument("FEEL parser not implemented yet");
}

Result<nlohmann::json> Evaluate(const Expression&, const EvalContext&) {
  return Status::InvalidArgument("FEEL evaluator not implemented yet");
}

}  // namespace waggle::feel
