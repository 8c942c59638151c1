#include "engine/state/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "engine/state/fnv1a.h"
#include "engine/state/key_codec.h"

namespace waggle::engine::state {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "WGLSTATE";
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 8 + 4 + 8;
constexpr size_t kTrailerSize = 8;
constexpr size_t kWriteBufferSize = 1 << 20;
constexpr size_t kRestoreBatchBytes = 4 << 20;

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

void AppendEntry(std::string* out, std::string_view key, std::string_view value) {
  AppendUint32(out, static_cast<uint32_t>(key.size()));
  out->append(key);
  AppendUint32(out, static_cast<uint32_t>(value.size()));
  out->append(value);
}

std::string EncodeHeader(uint64_t entry_count) {
  std::string header(kMagic);
  AppendUint32(&header, kVersion);
  AppendUint64(&header, entry_count);
  return header;
}

Status SyncDirectory(const fs::path& dir) {
  const std::string path = dir.empty() ? "." : dir.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open directory", path);
  const int result = ::fsync(fd);
  ::close(fd);
  if (result != 0) return ErrnoStatus("fsync directory", path);
  return Status::OK();
}

// Writes a new file through a buffer; the file is removed unless Finish
// succeeds.
class FileWriter {
 public:
  explicit FileWriter(std::string path) : path_(std::move(path)) {}
  ~FileWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) ::unlink(path_.c_str());
  }

  Status Open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    return fd_ < 0 ? ErrnoStatus("create", path_) : Status::OK();
  }

  Status Append(std::string_view data) {
    buffer_.append(data);
    return buffer_.size() >= kWriteBufferSize ? Flush() : Status::OK();
  }

  // Overwrites bytes already written at `offset`.
  Status WriteAt(uint64_t offset, std::string_view data) {
    if (Status flushed = Flush(); !flushed.ok()) return flushed;
    if (::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset)) !=
        static_cast<ssize_t>(data.size())) {
      return ErrnoStatus("write", path_);
    }
    return Status::OK();
  }

  // Flushes, fsyncs and closes the file, which is then kept.
  Status Finish() {
    if (Status flushed = Flush(); !flushed.ok()) return flushed;
    if (::fsync(fd_) != 0) return ErrnoStatus("fsync", path_);
    const int result = ::close(fd_);
    fd_ = -1;
    if (result != 0) return ErrnoStatus("close", path_);
    finished_ = true;
    return Status::OK();
  }

 private:
  Status Flush() {
    std::string_view rest = buffer_;
    while (!rest.empty()) {
      const ssize_t written = ::write(fd_, rest.data(), rest.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", path_);
      }
      rest.remove_prefix(static_cast<size_t>(written));
    }
    buffer_.clear();
    return Status::OK();
  }

  std::string path_;
  int fd_ = -1;
  bool finished_ = false;
  std::string buffer_;
};

Status WriteSnapshotFile(StateStore& store, const std::string& path) {
  FileWriter file(path);
  if (Status opened = file.Open(); !opened.ok()) return opened;
  // The header's count is known only at the end: room for it now, filled last.
  if (Status reserved = file.Append(std::string(kHeaderSize, '\0')); !reserved.ok()) {
    return reserved;
  }
  Fnv1a64 checksum;
  uint64_t entry_count = 0;
  Status written;
  std::string entry;
  Status iterated = store.ForEachEntry([&](std::string_view key, std::string_view value) {
    entry.clear();
    AppendEntry(&entry, key, value);
    checksum.Update(entry);
    ++entry_count;
    written = file.Append(entry);
    return written.ok();
  });
  if (!iterated.ok()) return iterated;
  if (!written.ok()) return written;
  const std::string header = EncodeHeader(entry_count);
  checksum.Update(header);
  std::string trailer;
  AppendUint64(&trailer, checksum.value());
  if (Status appended = file.Append(trailer); !appended.ok()) return appended;
  if (Status patched = file.WriteAt(0, header); !patched.ok()) return patched;
  return file.Finish();
}

using FileCloser = decltype([](std::FILE* file) { std::fclose(file); });

// Reads a snapshot file, verifying its structure as it goes and its checksum
// at the end; `on_entry` sees each entry and may stop the read with an error.
// Only an OK result means the entries seen were the whole, intact file.
Status ReadSnapshotFile(
    const std::string& path,
    const std::function<Status(std::string_view key, std::string_view value)>& on_entry) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return ErrnoStatus("open", path);
  struct stat info;
  if (::fstat(::fileno(file.get()), &info) != 0) return ErrnoStatus("stat", path);
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (size < kHeaderSize + kTrailerSize) return Status::Corruption(path + ": truncated header");
  const uint64_t entries_end = size - kTrailerSize;
  uint64_t offset = 0;

  // Reads `length` bytes, refusing any that would run into the trailer.
  std::string bytes;
  auto read = [&](uint64_t length, uint64_t end) -> bool {
    if (length > end - offset) return false;
    bytes.resize(length);
    if (std::fread(bytes.data(), 1, length, file.get()) != length) return false;
    offset += length;
    return true;
  };
  auto read_field = [&](std::string* field) -> bool {
    uint32_t length;
    if (!read(4, entries_end)) return false;
    KeyReader(bytes).ReadUint32(&length);
    if (!read(length, entries_end)) return false;
    *field = std::move(bytes);
    return true;
  };

  if (!read(kHeaderSize, entries_end)) return Status::Corruption(path + ": truncated header");
  const std::string header = bytes;
  if (std::string_view(header).substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption(path + ": not a waggle state snapshot (bad magic)");
  }
  KeyReader header_fields(std::string_view(header).substr(kMagic.size()));
  uint32_t version;
  uint64_t entry_count;
  header_fields.ReadUint32(&version);
  header_fields.ReadUint64(&entry_count);
  if (version != kVersion) {
    return Status::Corruption(path + ": unsupported snapshot version " + std::to_string(version));
  }

  Fnv1a64 checksum;
  std::string key, value, previous_key, entry;
  for (uint64_t i = 0; i < entry_count; ++i) {
    if (!read_field(&key) || !read_field(&value)) {
      return Status::Corruption(path + ": entry " + std::to_string(i) + " of " +
                                std::to_string(entry_count) + " is truncated");
    }
    if (key.empty() || (i > 0 && key <= previous_key)) {
      return Status::Corruption(path + ": keys are not strictly ascending at entry " +
                                std::to_string(i));
    }
    entry.clear();
    AppendEntry(&entry, key, value);
    checksum.Update(entry);
    if (Status accepted = on_entry(key, value); !accepted.ok()) return accepted;
    previous_key = std::move(key);
  }
  if (offset != entries_end) {
    return Status::Corruption(path + ": bytes left after " + std::to_string(entry_count) +
                              " entries");
  }
  if (!read(kTrailerSize, size)) return Status::Corruption(path + ": truncated checksum");
  uint64_t stored_checksum;
  KeyReader(bytes).ReadUint64(&stored_checksum);
  checksum.Update(header);
  if (stored_checksum != checksum.value()) return Status::Corruption(path + ": checksum mismatch");
  return Status::OK();
}

// Builds a store in `dir` (which must not exist) from a verified snapshot.
Status BuildStore(const std::string& snapshot_file, const std::string& dir) {
  Result<std::unique_ptr<StateStore>> store = StateStore::Open(dir, StateStoreOptions{});
  if (!store.ok()) return store.status();
  std::optional<Transaction> batch;
  size_t batch_bytes = 0;
  Status read = ReadSnapshotFile(snapshot_file, [&](std::string_view key, std::string_view value) {
    if (!batch) batch.emplace((*store)->BeginTransaction());
    batch->Put(static_cast<ColumnFamily>(key[0]), key.substr(1), value);
    batch_bytes += key.size() + value.size();
    if (batch_bytes < kRestoreBatchBytes) return Status::OK();
    batch_bytes = 0;
    Status committed = batch->Commit();
    batch.reset();
    return committed;
  });
  if (!read.ok()) return read;
  return batch ? batch->Commit() : Status::OK();
}

}  // namespace

Status ExportSnapshot(StateStore& store, const std::string& snapshot_file) {
  const std::string temporary = snapshot_file + ".tmp";
  if (Status written = WriteSnapshotFile(store, temporary); !written.ok()) return written;
  if (std::rename(temporary.c_str(), snapshot_file.c_str()) != 0) {
    Status renamed = ErrnoStatus("rename to", snapshot_file);
    ::unlink(temporary.c_str());
    return renamed;
  }
  return SyncDirectory(fs::path(snapshot_file).parent_path());
}

Status RestoreSnapshot(const std::string& snapshot_file, const std::string& dir) {
  std::error_code error;
  if (fs::exists(dir, error) && (!fs::is_directory(dir, error) || !fs::is_empty(dir, error))) {
    return Status::InvalidArgument("restore target " + dir + " is not an empty directory");
  }
  if (Status verified = ReadSnapshotFile(
          snapshot_file, [](std::string_view, std::string_view) { return Status::OK(); });
      !verified.ok()) {
    return verified;
  }
  // Built aside and renamed into place when complete: never a partial store in
  // `dir`. The second read verifies again, in case the file changed meanwhile.
  const std::string building = dir + ".restoring";
  fs::remove_all(building, error);
  Status built = BuildStore(snapshot_file, building);
  if (built.ok()) {
    fs::remove(dir, error);  // empty, if it exists
    fs::rename(building, dir, error);
    if (error)
      built = Status::IOError("rename " + building + " to " + dir + ": " + error.message());
  }
  if (!built.ok()) {
    fs::remove_all(building, error);
    return built;
  }
  return SyncDirectory(fs::path(dir).parent_path());
}

Result<uint64_t> Digest(StateStore& store) {
  Fnv1a64 digest;
  std::string entry;
  Status iterated = store.ForEachEntry([&](std::string_view key, std::string_view value) {
    entry.clear();
    AppendEntry(&entry, key, value);
    digest.Update(entry);
    return true;
  });
  if (!iterated.ok()) return iterated;
  return digest.value();
}

}  // namespace waggle::engine::state
