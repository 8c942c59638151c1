#include "replication/driver/parallel_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace waggle::replication {
namespace {

TEST(ParallelRunnerTest, CallsEveryIndexOnceAndReturnsAfterAll) {
  ParallelRunner runner(3);
  for (size_t n : {0u, 1u, 2u, 7u, 100u}) {
    std::vector<std::atomic<int>> calls(n);
    runner.Run(n, [&](size_t i) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      calls[i]++;
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << "n " << n << " index " << i;
  }
}

TEST(ParallelRunnerTest, CallsRunAtTheSameTime) {
  // Four calls that each wait until all four have started: this returns only
  // if the caller and three workers run them together.
  ParallelRunner runner(3);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::set<std::thread::id> threads;
  runner.Run(4, [&](size_t) {
    std::unique_lock lock(mu);
    started++;
    threads.insert(std::this_thread::get_id());
    cv.notify_all();
    cv.wait(lock, [&] { return started == 4; });
  });
  EXPECT_EQ(threads.size(), 4u);
  EXPECT_TRUE(threads.count(std::this_thread::get_id()));
}

TEST(ParallelRunnerTest, WithoutWorkersTheCallerRunsEverything) {
  ParallelRunner runner(0);
  std::vector<size_t> order;
  runner.Run(5, [&](size_t i) { order.push_back(i); });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace waggle::replication
