// raft_sim: runs the deterministic Raft simulation over many seeds.
//
//   raft_sim --seeds N [--first-seed S]   seeds S..S+N-1 (S defaults to 1)
//   raft_sim --seed S [--verbose]         one seed; --verbose prints every event
//   raft_sim --soak SECONDS               fresh random seeds until time is up
//   --steps K                             length of the chaotic phase
//   --broken-disks                        disks lose synced entries in crashes:
//                                         shows the checker catching it
//
// Prints one FAILED line per failing seed with the command that replays it,
// then "raft_sim: N seeds passed, M failed" and "N passed, M failed"; exits 1
// if any seed failed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "tests/sim/sim_cluster.h"

namespace {

using waggle::sim::SimOptions;
using waggle::sim::SimResult;

struct Flags {
  uint64_t first_seed = 1;
  uint64_t seeds = 1;
  bool single_seed = false;
  uint64_t soak_seconds = 0;
  SimOptions options;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr,
               "raft_sim: %s\nusage: raft_sim [--seeds N] [--first-seed S] [--seed S] "
               "[--verbose] [--soak SECONDS] [--steps K] [--broken-disks]\n",
               problem);
  std::exit(2);
}

uint64_t number(int argc, char** argv, int* i) {
  if (*i + 1 >= argc) usage("a flag lacks its value");
  char* end = nullptr;
  const uint64_t value = std::strtoull(argv[++*i], &end, 10);
  if (*end != '\0') usage("a flag's value is not a number");
  return value;
}

Flags parse(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--seeds") {
      flags.seeds = number(argc, argv, &i);
    } else if (flag == "--first-seed") {
      flags.first_seed = number(argc, argv, &i);
    } else if (flag == "--seed") {
      flags.first_seed = number(argc, argv, &i);
      flags.seeds = 1;
      flags.single_seed = true;
    } else if (flag == "--soak") {
      flags.soak_seconds = number(argc, argv, &i);
    } else if (flag == "--steps") {
      flags.options.steps = number(argc, argv, &i);
    } else if (flag == "--verbose") {
      flags.options.verbose = true;
    } else if (flag == "--broken-disks") {
      flags.options.broken_disks = true;
    } else {
      usage(("unknown flag " + flag).c_str());
    }
  }
  return flags;
}

// Runs one seed; reports it if it failed. Returns whether it passed.
bool run_seed(const Flags& flags, uint64_t seed) {
  SimOptions options = flags.options;
  options.seed = seed;
  const SimResult result = waggle::sim::run_simulation(options);
  if (flags.single_seed) {
    std::printf("seed %llu: %s\n", static_cast<unsigned long long>(seed), result.summary.c_str());
  }
  if (result.passed) return true;
  std::printf("FAILED seed=%llu step=%llu: %s\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(result.step), result.failure.c_str());
  std::string replay_flags;
  if (options.steps != SimOptions().steps)
    replay_flags += " --steps " + std::to_string(options.steps);
  if (options.broken_disks) replay_flags += " --broken-disks";
  std::printf("  replay: raft_sim --seed %llu%s --verbose\n", static_cast<unsigned long long>(seed),
              replay_flags.c_str());
  std::fflush(stdout);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse(argc, argv);
  uint64_t passed = 0;
  uint64_t failed = 0;
  if (flags.soak_seconds > 0) {
    // The wall clock only decides when to stop; each seed runs as always.
    const auto stop = std::chrono::steady_clock::now() + std::chrono::seconds(flags.soak_seconds);
    uint64_t seed = (static_cast<uint64_t>(std::random_device()()) << 32) | std::random_device()();
    std::printf("raft_sim: soaking from seed %llu\n", static_cast<unsigned long long>(seed));
    while (std::chrono::steady_clock::now() < stop) (run_seed(flags, seed++) ? passed : failed)++;
  } else {
    for (uint64_t seed = flags.first_seed; seed < flags.first_seed + flags.seeds; ++seed) {
      (run_seed(flags, seed) ? passed : failed)++;
    }
  }
  std::printf("raft_sim: %llu seeds passed, %llu failed\n", static_cast<unsigned long long>(passed),
              static_cast<unsigned long long>(failed));
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(passed),
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}
