#include "cmd/flags.h"

#include <charconv>
#include <cstdlib>

namespace waggle::cmd {

Result<Flags> Flags::Parse(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return Status::InvalidArgument("unexpected argument '" + arg +
                                     "' (flags look like --name value)");
    }
    std::string name = arg.substr(2);
    std::string value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument("flag --" + name + " needs a value");
    }
    flags.values_[name] = value;
    flags.used_[name] = false;
  }
  return flags;
}

Result<std::string> Flags::String(const std::string& name, const std::string& fallback) {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  used_[name] = true;
  return it->second;
}

Result<int64_t> Flags::Int(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  used_[name] = true;
  const std::string& text = it->second;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Status::InvalidArgument("--" + name + " must be a whole number from " +
                                   std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                                   text + "'");
  }
  return value;
}

Status Flags::CheckAllUsed() const {
  for (const auto& [name, used] : used_) {
    if (!used) return Status::InvalidArgument("unknown flag --" + name);
  }
  return Status::OK();
}

Result<std::map<raft::NodeId, std::string>> ParseMemberList(const std::string& flag,
                                                            const std::string& text) {
  std::map<raft::NodeId, std::string> members;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() : comma + 1;
    const size_t eq = item.find('=');
    char* end = nullptr;
    const unsigned long long id =
        eq == std::string::npos ? 0 : std::strtoull(item.c_str(), &end, 10);
    if (eq == std::string::npos || id == 0 || end != item.c_str() + eq || eq + 1 == item.size()) {
      return Status::InvalidArgument("--" + flag + ": '" + item +
                                     "' is not ID=HOST:PORT with an ID of at least 1");
    }
    members[id] = item.substr(eq + 1);
  }
  if (members.empty()) {
    return Status::InvalidArgument("--" + flag + ": at least one member is needed");
  }
  return members;
}

}  // namespace waggle::cmd
