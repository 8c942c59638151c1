// Runs the fuzz target (fuzz_bpmn.cc) over the seed corpus and a few
// thousand seeded mutations of it, so the normal test run exercises it.
// LLVMFuzzerTestOneInput aborts on any broken invariant.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tests/bpmn/bpmn_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace waggle::bpmn {
namespace {

void RunFuzzTarget(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::vector<std::string> Corpus() {
  std::vector<std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(WAGGLE_BPMN_CORPUS)) {
    corpus.push_back(testing::ReadFile(entry.path().string()));
  }
  return corpus;
}

// One random edit of the kinds that find parser bugs: flip a byte, delete or
// duplicate a range, insert XML punctuation, truncate.
std::string Mutate(std::string input, std::mt19937& random) {
  static const std::string kPunctuation = "<>/=\"'&;:! \n";
  int edits = 1 + static_cast<int>(random() % 4);
  for (int i = 0; i < edits && !input.empty(); ++i) {
    size_t at = random() % input.size();
    size_t length = std::min<size_t>(1 + random() % 64, input.size() - at);
    switch (random() % 5) {
      case 0: input[at] = static_cast<char>(random()); break;
      case 1: input.erase(at, length); break;
      case 2: input.insert(at, input.substr(at, length)); break;
      case 3: input.insert(at, 1, kPunctuation[random() % kPunctuation.size()]); break;
      case 4: input.resize(at); break;
    }
  }
  return input;
}

TEST(FuzzRegression, SeedCorpusParses) {
  std::vector<std::string> corpus = Corpus();
  ASSERT_GE(corpus.size(), 4u);
  for (const std::string& seed : corpus) {
    EXPECT_TRUE(ParseBpmn(seed, "seed.bpmn").ok());
    RunFuzzTarget(seed);
  }
}

TEST(FuzzRegression, MutatedInputsNeverCrash) {
  std::vector<std::string> corpus = Corpus();
  ASSERT_FALSE(corpus.empty());
  std::mt19937 random(20240601);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string input = Mutate(corpus[random() % corpus.size()], random);
    RunFuzzTarget(input);
    accepted += ParseBpmn(input, "m.bpmn").ok();
  }
  // Some mutations only touch diagram coordinates or names and still parse:
  // the accepted path with all its invariant checks is exercised too.
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace waggle::bpmn
