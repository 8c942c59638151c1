// Thin POSIX file helpers for the journal: every failure becomes a Status
// naming the path and errno, and short reads/writes are retried.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace waggle::journal {

// An owned file descriptor, closed on destruction.
class File {
 public:
  File() = default;
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // flags as for open(2); O_CLOEXEC is added. Files are created with mode 0644.
  static Result<File> Open(const std::string& path, int flags);

  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Reads exactly n bytes at offset; a file that ends first is kCorruption.
  Status ReadAt(uint64_t offset, size_t n, char* out) const;
  Status WriteAt(uint64_t offset, std::string_view data) const;
  Status Truncate(uint64_t size) const;
  Status DataSync() const;
  Result<uint64_t> Size() const;

 private:
  friend class MappedFile;

  int fd_ = -1;
  std::string path_;
};

// A whole file mapped read-only, for scanning it once; unmapped on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  static Result<MappedFile> Map(const std::string& path);

  std::string_view contents() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}

  void* data_ = nullptr;
  size_t size_ = 0;
};

std::string JoinPath(const std::string& dir, std::string_view name);

// Creates dir if it does not exist (its parent must).
Status CreateDirIfMissing(const std::string& dir);
// Names of the entries of dir, "." and ".." excluded, in no particular order.
Result<std::vector<std::string>> ListDir(const std::string& dir);
Status RemoveFile(const std::string& path);
// Makes creations, renames and deletions of dir's entries durable.
Status SyncDir(const std::string& dir);

// Replaces dir/name with the concatenation of parts so that a crash leaves
// either the old or the new contents: writes dir/name.tmp, syncs it, renames
// it over dir/name and syncs dir. With sync == false the two syncs are
// skipped (tests), which keeps the atomicity against process crashes only.
Status WriteFileAtomically(const std::string& dir, const std::string& name,
                           std::initializer_list<std::string_view> parts, bool sync);
inline constexpr std::string_view kTempSuffix = ".tmp";

// The whole contents of path; kNotFound if it does not exist.
Status ReadFile(const std::string& path, std::string* out);

}  // namespace waggle::journal
