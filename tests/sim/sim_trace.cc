#include "tests/sim/sim_trace.h"

#include <cstdio>

namespace waggle::sim {

void Trace::mix(std::string_view bytes) {
  for (unsigned char c : bytes) hash_ = (hash_ ^ c) * 0x100000001b3ULL;
  mix_word(bytes.size());
}

void Trace::mix_word(uint64_t word) {
  hash_ = (hash_ ^ word) * 0x100000001b3ULL;
  hash_ ^= hash_ >> 29;
}

void Trace::print(std::string_view format, const std::vector<std::string>& args) const {
  std::string line = "step " + std::to_string(step_) + ": ";
  size_t next_arg = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format.compare(i, 2, "{}") == 0 && next_arg < args.size()) {
      line += args[next_arg++];
      ++i;
    } else {
      line += format[i];
    }
  }
  std::printf("%s\n", line.c_str());
}

}  // namespace waggle::sim
