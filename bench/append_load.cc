#include "bench/append_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "cmd/log_member/log_service.grpc.pb.h"

namespace waggle::bench {

namespace {

// How long a slot waits before replacing a stream that achieved nothing, so
// that a cluster without a leader is polled rather than spun on.
constexpr auto kRetryDelay = std::chrono::milliseconds(2);
// How long Stop waits for outstanding entries before cancelling the streams.
constexpr auto kDrainTimeout = std::chrono::seconds(2);

double Percentile(const std::vector<std::pair<uint32_t, uint32_t>>& sorted, uint64_t total,
                  double q) {
  const double rank = q * static_cast<double>(total);
  uint64_t seen = 0;
  for (const auto& [latency, weight] : sorted) {
    seen += weight;
    if (static_cast<double>(seen) >= rank) return latency;
  }
  return sorted.empty() ? 0 : sorted.back().first;
}

}  // namespace

// One Append stream to one member. Tells the load when the call has ended.
class AppendLoad::Stream final
    : public grpc::ClientBidiReactor<waggle::log::AppendRequest, waggle::log::AppendResponse> {
 public:
  Stream(AppendLoad* load, int slot, NodeId target, const std::shared_ptr<grpc::Channel>& channel,
         int credits)
      : load_(load),
        slot_(slot),
        target_(target),
        stub_(waggle::log::LogService::NewStub(channel)),
        credits_(credits) {}

  void Begin() {
    stub_->async()->Append(&context_, this);
    StartRead(&response_);
    WriteMore();
    StartCall();
  }

  // Sends nothing more; the stream ends once every outstanding request is
  // answered.
  void Close() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    MaybeWritesDone();
  }

  void Cancel() { context_.TryCancel(); }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) return;  // the call is over; OnDone follows
    }
    MaybeWritesDone();
    WriteMore();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    const Clock::time_point now = Clock::now();
    const bool accepted = response_.ok();
    InFlight request{};
    bool known = false;
    {
      std::lock_guard lock(mu_);
      auto it = inflight_.find(response_.id());
      if (it != inflight_.end()) {
        request = it->second;
        inflight_.erase(it);
        known = true;
      }
      if (accepted) {
        credits_ += request.entries;
        succeeded_ = true;
      } else {
        // Not the leader (any more): let the slot move to the one named.
        closing_ = true;
        hint_ = response_.leader_hint();
      }
    }
    if (known && accepted) load_->OnAcked(target_, request.sent, now, request.entries);
    if (!accepted) load_->OnRejected();
    StartRead(&response_);
    MaybeWritesDone();
    WriteMore();
  }

  // The load deletes the stream after this; nothing here may touch it after
  // OnStreamDone.
  void OnDone(const grpc::Status&) override { load_->OnStreamDone(this, slot_, hint_, succeeded_); }

 private:
  struct InFlight {
    Clock::time_point sent;
    uint32_t entries = 0;
  };

  void WriteMore() {
    {
      std::lock_guard lock(mu_);
      if (writing_ || closing_ || credits_ == 0) return;
      const int n = std::min(credits_, load_->options_.max_entries_per_request);
      credits_ -= n;
      request_.set_id(++last_id_);
      request_.set_group(load_->options_.group);
      request_.clear_entries();
      for (int i = 0; i < n; ++i) request_.add_entries(load_->payload_);
      inflight_[last_id_] = {Clock::now(), static_cast<uint32_t>(n)};
      writing_ = true;
    }
    StartWrite(&request_);
  }

  void MaybeWritesDone() {
    {
      std::lock_guard lock(mu_);
      if (!closing_ || writing_ || writes_done_ || !inflight_.empty()) return;
      writes_done_ = true;
    }
    StartWritesDone();
  }

  AppendLoad* const load_;
  const int slot_;
  const NodeId target_;
  const std::unique_ptr<waggle::log::LogService::Stub> stub_;
  grpc::ClientContext context_;
  waggle::log::AppendRequest request_;    // owned by the write in flight
  waggle::log::AppendResponse response_;  // owned by the read in flight

  std::mutex mu_;
  int credits_;  // entries this stream may send now
  uint64_t last_id_ = 0;
  std::map<uint64_t, InFlight> inflight_;
  bool writing_ = false;
  bool closing_ = false;
  bool writes_done_ = false;
  bool succeeded_ = false;  // some entry was acknowledged
  NodeId hint_ = 0;
};

AppendLoad::AppendLoad(LoadOptions options, std::map<NodeId, std::string> addresses, NodeId leader)
    : options_(options), payload_(options.entry_bytes, 'x'), slots_(options.streams) {
  for (const auto& [id, address] : addresses) {
    channels_[id] = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  for (Slot& slot : slots_) slot.target = leader;
}

AppendLoad::~AppendLoad() {
  Stop();
}

int AppendLoad::SlotCredits(int slot) const {
  // Spread the concurrency evenly; the first slots take the remainder.
  const int slots = static_cast<int>(slots_.size());
  return options_.concurrency / slots + (slot < options_.concurrency % slots);
}

AppendLoad::Stream* AppendLoad::NewStream(int slot) {
  Slot& s = slots_[slot];
  s.stream = new Stream(this, slot, s.target, channels_.at(s.target), SlotCredits(slot));
  live_streams_++;
  return s.stream;
}

void AppendLoad::Start() {
  std::vector<Stream*> started;
  {
    std::lock_guard lock(mu_);
    for (int i = 0; i < static_cast<int>(slots_.size()); ++i) started.push_back(NewStream(i));
  }
  for (Stream* stream : started) stream->Begin();
  manager_ = std::thread([this] { Manage(); });
}

void AppendLoad::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (manager_.joinable()) manager_.join();
  // With the manager gone nothing deletes streams, so these stay valid; they
  // are called without mu_ because gRPC may run callbacks inline.
  std::vector<Stream*> live;
  {
    std::lock_guard lock(mu_);
    for (Slot& slot : slots_) {
      if (slot.stream != nullptr) live.push_back(slot.stream);
    }
  }
  for (Stream* stream : live) stream->Close();
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, kDrainTimeout, [&] { return live_streams_ == 0; })) {
    lock.unlock();
    for (Stream* stream : live) stream->Cancel();
    lock.lock();
    cv_.wait(lock, [&] { return live_streams_ == 0; });
  }
  for (Stream* stream : ended_) delete stream;
  ended_.clear();
}

void AppendLoad::BeginWindow() {
  std::lock_guard lock(mu_);
  window_open_ = true;
  window_start_ = Clock::now();
  window_ = WindowResult();
  samples_.clear();
}

WindowResult AppendLoad::EndWindow() {
  std::vector<std::pair<uint32_t, uint32_t>> sorted;
  WindowResult result;
  {
    std::lock_guard lock(mu_);
    window_open_ = false;
    window_.elapsed = Clock::now() - window_start_;
    result = window_;
    sorted.reserve(samples_.size());
    for (const Sample& s : samples_) sorted.emplace_back(s.latency_us, s.entries);
  }
  std::sort(sorted.begin(), sorted.end());
  uint64_t total = 0;
  for (const auto& [latency, weight] : sorted) total += weight;
  result.p50_us = Percentile(sorted, total, 0.5);
  result.p99_us = Percentile(sorted, total, 0.99);
  result.p999_us = Percentile(sorted, total, 0.999);
  result.max_us = sorted.empty() ? 0 : sorted.back().first;
  return result;
}

void AppendLoad::ArmFailover(NodeId old_leader) {
  std::lock_guard lock(mu_);
  failover_old_leader_ = old_leader;
  failover_armed_ = true;
  failover_at_.reset();
}

std::optional<Clock::time_point> AppendLoad::WaitFailover(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return failover_at_.has_value(); });
  failover_armed_ = false;
  return failover_at_;
}

void AppendLoad::OnAcked(NodeId from, Clock::time_point sent, Clock::time_point now,
                         uint32_t entries) {
  total_entries_ += entries;
  std::lock_guard lock(mu_);
  if (failover_armed_ && from != failover_old_leader_) {
    failover_at_ = now;
    failover_armed_ = false;
    cv_.notify_all();
  }
  if (!window_open_) return;
  window_.entries += entries;
  window_.requests++;
  // Latencies only of requests sent inside the window: the ones before it
  // may have waited behind the warm-up.
  if (sent >= window_start_) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count();
    samples_.push_back({static_cast<uint32_t>(us), entries});
  }
}

void AppendLoad::OnRejected() {
  std::lock_guard lock(mu_);
  if (window_open_) window_.rejected++;
}

void AppendLoad::OnStreamDone(Stream* stream, int slot, NodeId hint, bool succeeded) {
  {
    std::lock_guard lock(mu_);
    slots_[slot].stream = nullptr;
    live_streams_--;
    ended_.push_back(stream);
    finished_.emplace_back(slot, hint, succeeded);
  }
  cv_.notify_all();
}

NodeId AppendLoad::NextTarget(NodeId failed, NodeId hint) const {
  if (hint != 0 && hint != failed && channels_.count(hint)) return hint;
  auto it = channels_.upper_bound(failed);
  return it == channels_.end() ? channels_.begin()->first : it->first;
}

void AppendLoad::Manage() {
  // Replacement streams, due at a time.
  std::vector<std::pair<Clock::time_point, int>> due;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    for (Stream* stream : ended_) delete stream;
    ended_.clear();
    for (const auto& [slot, hint, succeeded] : finished_) {
      slots_[slot].target = NextTarget(slots_[slot].target, hint);
      due.emplace_back(Clock::now() + (succeeded ? Clock::duration::zero() : kRetryDelay), slot);
    }
    finished_.clear();
    std::vector<Stream*> started;
    const Clock::time_point now = Clock::now();
    for (auto it = due.begin(); it != due.end();) {
      if (it->first > now) {
        ++it;
        continue;
      }
      started.push_back(NewStream(it->second));
      it = due.erase(it);
    }
    if (!started.empty()) {
      // Begin may run callbacks inline, and they take mu_.
      lock.unlock();
      for (Stream* stream : started) stream->Begin();
      lock.lock();
      continue;
    }
    if (due.empty()) {
      cv_.wait(lock, [&] { return stopping_ || !finished_.empty(); });
    } else {
      Clock::time_point next = due.front().first;
      for (const auto& d : due) next = std::min(next, d.first);
      cv_.wait_until(lock, next, [&] { return stopping_ || !finished_.empty(); });
    }
  }
}

}  // namespace waggle::bench
