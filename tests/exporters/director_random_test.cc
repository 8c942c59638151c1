// The director under random schedules: flaky exporters that fail, acknowledge
// late or in batches and filter; records committing in random chunks; the
// leader failing over to a new director opened with acknowledged positions
// that lag behind (replication is not instant). Whatever happens, each
// director hands each exporter exactly the records its filter accepts, in
// order, from the position it was opened with, without a gap; and across
// failovers every accepted record is acknowledged by its exporter at least
// once (never acknowledged on its behalf while it was still pending).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "exporters/director.h"
#include "tests/exporters/fakes.h"

namespace waggle::exporters {
namespace {

using namespace std::chrono_literals;
using record::ValueType;

// What one exporter id received, one list per director ("epoch"), and what
// it made durable: a record counts as kept only once the exporter acknowledged
// it (before that a real sink may still lose it, e.g. from a buffer).
struct Sink {
  std::vector<int64_t> starts;  // the position each epoch was opened with
  std::vector<std::vector<int64_t>> epochs;
  std::set<int64_t> durable;
};

class FlakyExporter : public Exporter {
 public:
  FlakyExporter(std::mt19937_64* rng, Sink* sink, const bool* healed)
      : rng_(rng), sink_(sink), healed_(healed) {}

  Status Configure(const ExporterContext&) override { return Status::OK(); }
  Status Open(Controller* controller) override {
    controller_ = controller;
    sink_->epochs.emplace_back();
    Tick();
    return Status::OK();
  }
  Status Export(const record::fb::Record& record) override {
    if (!*healed_ && Chance(0.2)) return Status::IOError("flaky");
    const int64_t position = record.position();
    sink_->epochs.back().push_back(position);
    last_ = position;
    pending_.push_back(position);
    if (Chance(0.3)) Acknowledge(position);
    if (Chance(0.2)) {
      controller_->ScheduleTask(std::chrono::milliseconds((*rng_)() % 50),
                                [this, position] { Acknowledge(position); });
    }
    return Status::OK();
  }
  void Close() override {}

 private:
  bool Chance(double p) { return std::uniform_real_distribution<>(0, 1)(*rng_) < p; }
  void Acknowledge(int64_t position) {
    std::erase_if(pending_, [&](int64_t p) {
      if (p <= position) sink_->durable.insert(p);
      return p <= position;
    });
    controller_->UpdateLastExportedPosition(position, "at-" + std::to_string(position));
  }
  // Acknowledges everything exported every 20 ms, so tails get acknowledged.
  void Tick() {
    controller_->ScheduleTask(20ms, [this] {
      if (last_ >= 0) Acknowledge(last_);
      Tick();
    });
  }

  std::mt19937_64* rng_;
  Sink* sink_;
  const bool* healed_;
  Controller* controller_ = nullptr;
  int64_t last_ = -1;
  std::vector<int64_t> pending_;  // exported, not yet acknowledged
};

RecordFilter JobsOnly() {
  ArgumentReader args("jobs", {{"valueTypes", {"JOB"}}});
  return *RecordFilter::Parse(args);
}

void RunSeed(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  testing::FakeSource source;
  testing::FakeStore store;
  std::map<std::string, ExporterPosition> replicated;
  std::map<std::string, Sink> sinks;
  std::vector<ValueType> types;  // of position i + 1
  bool healed = false;
  DirectorOptions options;
  options.max_records_per_poll = 1 + rng() % 20;
  options.max_backoff = 200ms;
  std::unique_ptr<ExporterDirector> director;

  auto open = [&] {
    director = std::make_unique<ExporterDirector>(&source, &store, options);
    std::vector<LoadedExporter> exporters;
    for (const char* id : {"all", "jobs"}) {
      Sink& sink = sinks[id];
      sink.starts.push_back(replicated.contains(id) ? replicated[id].position : -1);
      exporters.push_back({id, std::string(id) == "jobs" ? JobsOnly() : RecordFilter(),
                           std::make_unique<FlakyExporter>(&rng, &sink, &healed)});
    }
    ASSERT_TRUE(director->Open(std::move(exporters), replicated, 0ms).ok());
  };
  open();
  TimePoint now = 0ms;
  for (int step = 0; step < 300; ++step) {
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
        for (int n = rng() % 10; n > 0; --n) {
          types.push_back(rng() % 3 == 0 ? ValueType::kJob : ValueType::kProcessInstance);
          int64_t position = static_cast<int64_t>(types.size());
          source.Append(position, testing::MakeRecord(position, types.back()));
        }
        break;
      case 3:
        // Failover: the new leader knows only what was replicated.
        director.reset();
        now = 0ms;
        open();
        break;
      default:
        now += std::chrono::milliseconds(rng() % 100);
        director->Poll(now);
        break;
    }
    if (rng() % 3 == 0) replicated = store.positions;
  }
  // Heal and let everything drain.
  healed = true;
  const int64_t last = static_cast<int64_t>(types.size());
  const int64_t drained = last == 0 ? -1 : last;
  for (int i = 0; i < 10000 && director->LowestPosition() != drained; ++i) {
    now += 10ms;
    director->Poll(now);
  }
  EXPECT_EQ(director->LowestPosition(), drained);

  for (auto& [id, sink] : sinks) {
    SCOPED_TRACE("exporter " + id);
    auto accepted = [&](int64_t position) {
      return id == "all" || types[position - 1] == ValueType::kJob;
    };
    for (size_t e = 0; e < sink.epochs.size(); ++e) {
      const std::vector<int64_t>& got = sink.epochs[e];
      if (got.empty()) continue;
      // Exactly the accepted records from the start position on, in order.
      std::vector<int64_t> expected;
      for (int64_t p = sink.starts[e] + 1; p <= got.back(); ++p) {
        if (p >= 1 && accepted(p)) expected.push_back(p);
      }
      EXPECT_EQ(got, expected) << "epoch " << e;
    }
    for (int64_t p = 1; p <= last; ++p) {
      if (accepted(p)) {
        EXPECT_TRUE(sink.durable.contains(p)) << "position " << p << " never acknowledged";
      }
    }
  }
}

TEST(DirectorRandomTest, EveryAcceptedRecordArrivesInOrderAcrossFailovers) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    RunSeed(seed);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace waggle::exporters
