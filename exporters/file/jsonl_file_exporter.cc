#include "exporters/file/jsonl_file_exporter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "common/record/json.h"
#include "exporters/arguments.h"

namespace waggle::exporters {
namespace {

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

// Closes a descriptor at scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// The offset just after the last '\n' before `end`, or 0 when there is none.
Result<off_t> LineStartBefore(int fd, off_t end, const std::string& path) {
  char chunk[64 * 1024];
  while (end > 0) {
    off_t begin = std::max<off_t>(0, end - static_cast<off_t>(sizeof(chunk)));
    ssize_t n = ::pread(fd, chunk, end - begin, begin);
    if (n != end - begin) return Errno("read " + path);
    for (off_t i = end - begin; i > 0; --i) {
      if (chunk[i - 1] == '\n') return begin + i;
    }
    end = begin;
  }
  return off_t{0};
}

// The position in the last complete line of `path`, nullopt when it has no
// complete line. A partial line after the last complete one (a write torn by
// a crash) is cut off when `repair` is set.
Result<std::optional<int64_t>> LastPositionIn(const std::string& path, bool repair) {
  int fd = ::open(path.c_str(), repair ? O_RDWR : O_RDONLY);
  if (fd < 0) return Errno("open " + path);
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("stat " + path);
  Result<off_t> complete_end = LineStartBefore(fd, st.st_size, path);
  if (!complete_end.ok()) return complete_end.status();
  if (*complete_end < st.st_size && repair && ::ftruncate(fd, *complete_end) != 0) {
    return Errno("truncate torn line of " + path);
  }
  if (*complete_end == 0) return std::optional<int64_t>();
  Result<off_t> line_start = LineStartBefore(fd, *complete_end - 1, path);
  if (!line_start.ok()) return line_start.status();
  std::string line(*complete_end - 1 - *line_start, '\0');
  if (::pread(fd, line.data(), line.size(), *line_start) != static_cast<ssize_t>(line.size())) {
    return Errno("read " + path);
  }
  nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  auto position = parsed.is_object() ? parsed.find("position") : parsed.end();
  if (!parsed.is_object() || position == parsed.end() || !position->is_number_integer()) {
    return Status::Corruption(path + ": last line is not an exported record");
  }
  return std::optional<int64_t>(position->get<int64_t>());
}

}  // namespace

JsonLinesFileExporter::~JsonLinesFileExporter() {
  Close();
}

Status JsonLinesFileExporter::Configure(const ExporterContext& context) {
  id_ = context.id;
  partition_id_ = context.partition_id;
  ArgumentReader args(context.id, context.arguments);
  Result<std::string> directory = args.String("directory", std::nullopt);
  if (!directory.ok()) return directory.status();
  directory_ = *directory;
  Status s = args.ReadInts({
      {"maxFileBytes", &max_file_bytes_, 128 << 20, 1, int64_t{1} << 40},
      {"maxFiles", &max_files_, 10, 1, 1000000},
      {"flushEveryRecords", &flush_every_records_, 1, 1, 1000000},
      {"flushIntervalMs", &flush_interval_ms_, 1000, 0, 3600000},
  });
  if (!s.ok()) return s;
  Result<bool> fsync = args.Bool("fsync", false);
  if (!fsync.ok()) return fsync.status();
  fsync_ = *fsync;
  return args.RejectUnread();
}

std::string JsonLinesFileExporter::PathOf(uint64_t file_number) const {
  char name[64];
  std::snprintf(name, sizeof(name), "partition-%d-%06llu.jsonl", partition_id_,
                static_cast<unsigned long long>(file_number));
  return directory_ + "/" + name;
}

Status JsonLinesFileExporter::Open(Controller* controller) {
  controller_ = controller;
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec)
    return Status::IOError("exporter '" + id_ + "': create " + directory_ + ": " + ec.message());
  Status s = Recover();
  if (!s.ok()) return s;
  ScheduleFlush();
  return Status::OK();
}

Status JsonLinesFileExporter::Recover() {
  const std::string prefix = "partition-" + std::to_string(partition_id_) + "-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".jsonl")) continue;
    std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - 6);
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    files_.push_back(std::stoull(digits));
  }
  if (ec) return Status::IOError("list " + directory_ + ": " + ec.message());
  std::sort(files_.begin(), files_.end());
  // Only the newest file can end in a torn line; older ones were complete
  // when the next was started. It may also hold no complete line yet.
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    Result<std::optional<int64_t>> last = LastPositionIn(PathOf(*it), it == files_.rbegin());
    if (!last.ok()) return last.status();
    if (*last) {
      last_written_ = last_buffered_ = **last;
      break;
    }
  }
  if (!files_.empty()) {
    std::error_code size_ec;
    file_bytes_ = static_cast<int64_t>(std::filesystem::file_size(PathOf(files_.back()), size_ec));
    if (size_ec) return Status::IOError("stat " + PathOf(files_.back()) + ": " + size_ec.message());
  }
  return Status::OK();
}

Status JsonLinesFileExporter::Export(const record::fb::Record& record) {
  const int64_t position = record.position();
  if (position <= last_written_) {
    // Already in the files (written before a restart): acknowledge, don't repeat.
    controller_->UpdateLastExportedPosition(position);
    return Status::OK();
  }
  // A record already buffered is being handed again after a failed flush.
  if (position > last_buffered_) {
    // Rendered straight into the buffer; taken out again (rarely) when it
    // must start the next file.
    const size_t start = buffer_.size();
    record::AppendRecordJson(record, &buffer_);
    buffer_.push_back('\n');
    const int64_t pending = file_bytes_ + static_cast<int64_t>(start);
    if (pending > 0 && pending + static_cast<int64_t>(buffer_.size() - start) > max_file_bytes_) {
      std::string line(buffer_, start);
      buffer_.resize(start);
      Status s = Flush();
      if (s.ok()) s = Rotate();
      if (!s.ok()) return s;
      buffer_ += line;
    }
    last_buffered_ = position;
    ++buffered_records_;
  }
  if (buffered_records_ >= flush_every_records_) return Flush();
  return Status::OK();
}

Status JsonLinesFileExporter::Flush() {
  if (buffer_.empty() && !needs_sync_) return Status::OK();
  if (fd_ < 0) {
    if (files_.empty()) files_.push_back(1);
    std::string path = PathOf(files_.back());
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return Errno("exporter '" + id_ + "': open " + path);
  }
  // Written bytes leave the buffer at once, so a retry after a partial write
  // continues where it stopped instead of repeating part of a line.
  while (!buffer_.empty()) {
    ssize_t n = ::write(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("exporter '" + id_ + "': write " + PathOf(files_.back()));
    buffer_.erase(0, n);
    file_bytes_ += n;
    needs_sync_ = fsync_;
  }
  last_written_ = last_buffered_;
  buffered_records_ = 0;
  if (needs_sync_) {
    if (::fdatasync(fd_) != 0)
      return Errno("exporter '" + id_ + "': fsync " + PathOf(files_.back()));
    needs_sync_ = false;
  }
  controller_->UpdateLastExportedPosition(last_written_);
  return Status::OK();
}

Status JsonLinesFileExporter::Rotate() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  files_.push_back(files_.empty() ? 1 : files_.back() + 1);
  file_bytes_ = 0;
  while (static_cast<int64_t>(files_.size()) > max_files_) {
    std::string oldest = PathOf(files_.front());
    if (::unlink(oldest.c_str()) != 0 && errno != ENOENT) {
      return Errno("exporter '" + id_ + "': delete " + oldest);
    }
    files_.erase(files_.begin());
  }
  return Status::OK();
}

void JsonLinesFileExporter::ScheduleFlush() {
  if (flush_interval_ms_ == 0) return;
  flush_task_ = controller_->ScheduleTask(std::chrono::milliseconds(flush_interval_ms_), [this] {
    // A failed flush keeps its data buffered; the next Export or tick retries.
    (void)Flush();
    ScheduleFlush();
  });
}

void JsonLinesFileExporter::Close() {
  flush_task_.Cancel();
  if (controller_ != nullptr) {
    // Best effort: what is not written now is exported again by the next director.
    (void)Flush();
    controller_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace waggle::exporters
