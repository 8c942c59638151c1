// Trace: the record of what a simulated run did.
//
// Every event is folded into a hash, so two runs of one seed can be compared
// cheaply (they must match exactly), and printed when verbose, so a failing
// seed can be replayed and read step by step.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace waggle::sim {

class Trace {
 public:
  explicit Trace(bool verbose) : verbose_(verbose) {}

  bool verbose() const { return verbose_; }
  void set_step(uint64_t step) { step_ = step; }
  uint64_t hash() const { return hash_; }

  // Records one event. `format` is printed with each "{}" replaced by the
  // next argument; arguments are integers or strings.
  template <typename... Args>
  void event(std::string_view format, const Args&... args) {
    mix(format);
    (mix(args), ...);
    if (verbose_) print(format, {text(args)...});
  }

 private:
  void mix(std::string_view bytes);
  void mix(const char* bytes) { mix(std::string_view(bytes)); }
  void mix(const std::string& bytes) { mix(std::string_view(bytes)); }
  void mix(std::integral auto value) { mix_word(static_cast<uint64_t>(value)); }
  void mix_word(uint64_t word);

  static std::string text(std::string_view s) { return std::string(s); }
  static std::string text(const char* s) { return s; }
  static std::string text(bool b) { return b ? "true" : "false"; }
  static std::string text(std::integral auto value) { return std::to_string(value); }

  void print(std::string_view format, const std::vector<std::string>& args) const;

  const bool verbose_;
  uint64_t step_ = 0;
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace waggle::sim
