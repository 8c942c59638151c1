// Runs the fuzz target (fuzz_feel.cc) under the normal test build: every
// seed in tests/feel/corpus, then mutations of them from a fixed seed, so
// crashes the fuzzer would find in these neighbourhoods show up in ctest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> Corpus() {
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(WAGGLE_FEEL_CORPUS_DIR)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    seeds.push_back(contents.str());
  }
  return seeds;
}

void RunOne(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// Pieces of FEEL syntax that mutations splice in.
const std::vector<std::string>& Fragments() {
  static const std::vector<std::string> fragments = {"(",
                                                     ")",
                                                     "[",
                                                     "]",
                                                     "{",
                                                     "}",
                                                     ",",
                                                     ":",
                                                     ".",
                                                     "..",
                                                     "+",
                                                     "-",
                                                     "*",
                                                     "/",
                                                     "**",
                                                     "=",
                                                     "!=",
                                                     "<",
                                                     ">=",
                                                     "\"",
                                                     "\\",
                                                     "@\"",
                                                     "if ",
                                                     " then ",
                                                     " else ",
                                                     " for x in ",
                                                     " return ",
                                                     " some x in ",
                                                     " satisfies ",
                                                     " between ",
                                                     " and ",
                                                     " or ",
                                                     " in ",
                                                     "null",
                                                     "true",
                                                     "item",
                                                     "xs",
                                                     "a",
                                                     "order.customer",
                                                     "count(",
                                                     "date and time(",
                                                     "duration(\"P",
                                                     "string(",
                                                     "substring(",
                                                     "now()",
                                                     "1..3",
                                                     "//",
                                                     "/*",
                                                     "\n",
                                                     "0",
                                                     "-1",
                                                     "99999999999"};
  return fragments;
}

std::string Mutate(std::string input, std::mt19937_64& rng) {
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const size_t pos = input.empty() ? 0 : rng() % (input.size() + 1);
    switch (rng() % 5) {
      case 0:  // insert a fragment
        input.insert(pos, Fragments()[rng() % Fragments().size()]);
        break;
      case 1:  // delete a span
        if (!input.empty()) input.erase(pos, 1 + rng() % 4);
        break;
      case 2:  // replace a byte
        if (pos < input.size()) input[pos] = static_cast<char>(rng() % 256);
        break;
      case 3:  // duplicate a span (grows nesting)
        if (!input.empty()) input.insert(pos, input.substr(rng() % input.size(), 1 + rng() % 16));
        break;
      default:  // truncate
        input.resize(pos);
        break;
    }
  }
  return input;
}

TEST(FeelFuzzRegressionTest, SeedCorpus) {
  const std::vector<std::string> seeds = Corpus();
  ASSERT_GE(seeds.size(), 20u);
  for (const std::string& seed : seeds) RunOne(seed);
}

TEST(FeelFuzzRegressionTest, MutatedInputs) {
  const std::vector<std::string> seeds = Corpus();
  ASSERT_FALSE(seeds.empty());
  std::mt19937_64 rng(20240101);
  for (int i = 0; i < 4000; ++i) {
    std::string input = seeds[rng() % seeds.size()];
    // Mutating a mutant now and then goes further from the seeds.
    for (int generation = 0; generation < 1 + static_cast<int>(rng() % 3); ++generation) {
      input = Mutate(std::move(input), rng);
    }
    RunOne(input);
  }
}

TEST(FeelFuzzRegressionTest, PathologicalInputs) {
  RunOne(std::string(100000, '('));
  RunOne(std::string(60000, '['));
  RunOne(std::string(60000, '-') + "1");
  RunOne("\"" + std::string(60000, 'x'));
  std::string chain = "1";
  while (chain.size() < 60000) chain += "+1";
  RunOne(chain);
  RunOne("some a in 1..999999 satisfies a < 0");
  RunOne(std::string("\0\xff\xfe", 3));
}

}  // namespace
