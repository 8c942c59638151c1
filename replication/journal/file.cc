#include "replication/journal/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace waggle::journal {
namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int error) {
  std::string msg = what + " " + path + ": " + std::strerror(error);
  if (error == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

}  // namespace

File::File(File&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Result<File> File::Open(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  return File(fd, path);
}

Status File::ReadAt(uint64_t offset, size_t n, char* out) const {
  while (n > 0) {
    ssize_t r = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pread", path_, errno);
    }
    if (r == 0) {
      return Status::Corruption("pread " + path_ + ": file ends before offset " +
                                std::to_string(offset + n));
    }
    out += r;
    offset += static_cast<uint64_t>(r);
    n -= static_cast<size_t>(r);
  }
  return Status::OK();
}

Status File::WriteAt(uint64_t offset, std::string_view data) const {
  while (!data.empty()) {
    ssize_t w = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pwrite", path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(w));
    offset += static_cast<uint64_t>(w);
  }
  return Status::OK();
}

Status File::Truncate(uint64_t size) const {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return ErrnoStatus("ftruncate", path_, errno);
  return Status::OK();
}

Status File::DataSync() const {
  if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_, errno);
  return Status::OK();
}

Result<uint64_t> File::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus("fstat", path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Result<MappedFile> MappedFile::Map(const std::string& path) {
  auto file = File::Open(path, O_RDONLY);
  if (!file.ok()) return file.status();
  auto size = file->Size();
  if (!size.ok()) return size.status();
  if (*size == 0) return MappedFile();  // mmap refuses empty mappings
  void* data = ::mmap(nullptr, *size, PROT_READ, MAP_PRIVATE, file->fd_, 0);
  if (data == MAP_FAILED) return ErrnoStatus("mmap", path, errno);
  return MappedFile(data, *size);
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

Status CreateDirIfMissing(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", dir, errno);
  return Status::OK();
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("opendir", dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int error = errno;
  ::closedir(d);
  if (error != 0) return ErrnoStatus("readdir", dir, error);
  return names;
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  auto file = File::Open(dir, O_RDONLY | O_DIRECTORY);
  if (!file.ok()) return file.status();
  return file->DataSync();
}

Status WriteFileAtomically(const std::string& dir, const std::string& name,
                           std::initializer_list<std::string_view> parts, bool sync) {
  const std::string path = JoinPath(dir, name);
  const std::string temp = path + std::string(kTempSuffix);
  {
    auto file = File::Open(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!file.ok()) return file.status();
    uint64_t offset = 0;
    for (std::string_view part : parts) {
      Status s = file->WriteAt(offset, part);
      if (!s.ok()) return s;
      offset += part.size();
    }
    if (sync) {
      Status s = file->DataSync();
      if (!s.ok()) return s;
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", temp, errno);
  return sync ? SyncDir(dir) : Status::OK();
}

Status ReadFile(const std::string& path, std::string* out) {
  auto file = File::Open(path, O_RDONLY);
  if (!file.ok()) return file.status();
  auto size = file->Size();
  if (!size.ok()) return size.status();
  out->resize(*size);
  return file->ReadAt(0, out->size(), out->data());
}

}  // namespace waggle::journal
