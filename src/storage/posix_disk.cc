// PosixDisk: the Disk interface over POSIX files (disk.h).
//
// Every error message names the operation, the path and the system's reason. ENOENT maps to
// Status::not_found so that callers can tell "absent" from "failed".
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include "storage/disk.h"

namespace wd::storage {

FileBytes FileBytes::adopt_mapping(const void* mapping, size_t size) {
    FileBytes bytes;
    bytes.mapping_ = mapping;
    bytes.mapping_size_ = size;
    bytes.size_ = size;
    return bytes;
}

FileBytes::FileBytes(FileBytes&& other) noexcept
    : owned_(std::move(other.owned_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_size_(std::exchange(other.mapping_size_, 0)),
      offset_(std::exchange(other.offset_, 0)),
      size_(std::exchange(other.size_, 0)) {}

FileBytes& FileBytes::operator=(FileBytes&& other) noexcept {
    if (this != &other) {
        release();
        owned_ = std::move(other.owned_);
        mapping_ = std::exchange(other.mapping_, nullptr);
        mapping_size_ = std::exchange(other.mapping_size_, 0);
        offset_ = std::exchange(other.offset_, 0);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

FileBytes::~FileBytes() {
    release();
}

void FileBytes::release() {
    if (mapping_ != nullptr) {
        ::munmap(const_cast<void*>(mapping_), mapping_size_);
        mapping_ = nullptr;
    }
}
namespace {

Status errno_status(const char* op, const std::string& path, int error) {
    std::string msg = std::string(op) + " " + path + ": " +
                      std::system_category().message(error);
    if (error == ENOENT) {
        return Status::not_found(std::move(msg));
    }
    return Status::io_error(std::move(msg));
}

Result<int> open_retrying(const std::string& path, int flags, mode_t mode) {
    for (;;) {
        int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
        if (fd >= 0) {
            return fd;
        }
        if (errno != EINTR) {
            return err(errno_status("open", path, errno));
        }
    }
}

// Writes at explicit offsets (pwrite) rather than O_APPEND, so that an append can land inside
// zeros written ahead of it (AppendOptions::preallocate_bytes).
class PosixAppendFile final : public AppendFile {
public:
    PosixAppendFile(std::string path, int fd, uint64_t size, AppendOptions options)
        : path_(std::move(path)), fd_(fd), size_(size), allocated_(size), options_(options) {}
    ~PosixAppendFile() override {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    Result<void> append(std::string_view bytes) override {
        WD_ASSERT(fd_ >= 0);
        WD_ASSERT(size_ <= allocated_);
        const uint64_t end = size_ + bytes.size();
        if (options_.preallocate_bytes > 0 && end > allocated_) {
            WD_TRY(extend(preallocated_size(allocated_, end, options_.preallocate_bytes)));
        }
        WD_TRY(write_at(size_, bytes));
        size_ = end;
        allocated_ = std::max(allocated_, end);
        return {};
    }

    Result<void> sync() override {
        WD_ASSERT(fd_ >= 0);
        while (::fdatasync(fd_) != 0) {
            if (errno != EINTR) {
                return err(errno_status("fdatasync", path_, errno));
            }
        }
        return {};
    }

    Result<void> close() override {
        WD_ASSERT(fd_ >= 0);
        // Never retry close(): on Linux the descriptor is released even when it fails.
        int rc = ::close(fd_);
        fd_ = -1;
        if (rc != 0 && errno != EINTR) {
            return err(errno_status("close", path_, errno));
        }
        return {};
    }

    uint64_t size() const override { return size_; }

private:
    // Writes zeros over [allocated_, target): real blocks, so that later appends into them
    // change no metadata (not fallocate; see AppendOptions).
    Result<void> extend(uint64_t target) {
        static constexpr char zeros[1 << 16] = {};
        WD_ASSERT(target > allocated_);
        // Each round writes at least one byte or fails, so the loop is bounded by the size.
        while (allocated_ < target) {
            const uint64_t n = std::min<uint64_t>(sizeof zeros, target - allocated_);
            WD_TRY(write_at(allocated_, std::string_view(zeros, n)));
            allocated_ += n;
        }
        return {};
    }

    // Writes every byte at `offset`; a write may be short or interrupted.
    Result<void> write_at(uint64_t offset, std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return err(errno_status("write", path_, errno));
            }
            WD_ASSERT(static_cast<size_t>(n) <= bytes.size());
            bytes.remove_prefix(static_cast<size_t>(n));
            offset += static_cast<uint64_t>(n);
        }
        return {};
    }

    std::string path_;
    int fd_;
    uint64_t size_;       // logical: where the next append goes
    uint64_t allocated_;  // the file's size on disk as written by us; >= size_
    AppendOptions options_;
};

class PosixDisk final : public Disk {
public:
    Result<void> create_dir(const std::string& path) override {
        if (::mkdir(path.c_str(), 0755) == 0) {
            return {};
        }
        const int error = errno;
        struct stat st {};
        if (error == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            return {};
        }
        return err(errno_status("mkdir", path, error));
    }

    Result<std::vector<std::string>> list(const std::string& dir) override {
        DIR* d = ::opendir(dir.c_str());
        if (d == nullptr) {
            return err(errno_status("opendir", dir, errno));
        }
        std::vector<std::string> names;
        errno = 0;
        while (const dirent* entry = ::readdir(d)) {
            std::string name = entry->d_name;
            if (name != "." && name != "..") {
                names.push_back(std::move(name));
            }
        }
        const int error = errno;
        ::closedir(d);
        if (error != 0) {
            return err(errno_status("readdir", dir, error));
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    Result<std::string> read_file(const std::string& path) override;
    Result<FileBytes> map_file(const std::string& path) override;
    Result<uint64_t> file_size(const std::string& path) override {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            return err(errno_status("stat", path, errno));
        }
        return static_cast<uint64_t>(st.st_size);
    }
    using Disk::open_append;
    Result<std::unique_ptr<AppendFile>> open_append(const std::string& path,
                                                    AppendOptions options) override;

    Result<void> truncate(const std::string& path, uint64_t size) override {
        while (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
            if (errno != EINTR) {
                return err(errno_status("truncate", path, errno));
            }
        }
        return {};
    }

    Result<void> rename(const std::string& from, const std::string& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            return err(errno_status("rename", from + " to " + to, errno));
        }
        return {};
    }

    Result<void> remove(const std::string& path) override {
        if (::unlink(path.c_str()) != 0) {
            return err(errno_status("unlink", path, errno));
        }
        return {};
    }

    Result<void> sync_dir(const std::string& dir) override {
        auto fd = open_retrying(dir, O_RDONLY | O_DIRECTORY, 0);
        if (!fd.ok()) {
            return err(fd.error());
        }
        int rc = 0;
        while ((rc = ::fsync(*fd)) != 0 && errno == EINTR) {
        }
        const int error = errno;
        ::close(*fd);
        if (rc != 0) {
            return err(errno_status("fsync", dir, error));
        }
        return {};
    }
};

Result<std::string> PosixDisk::read_file(const std::string& path) {
    auto fd = open_retrying(path, O_RDONLY, 0);
    if (!fd.ok()) {
        return err(fd.error());
    }
    // Straight into the result: sized from fstat, grown if the file grew meanwhile.
    std::string out;
    struct stat st {};
    size_t expected = 0;
    if (::fstat(*fd, &st) == 0 && st.st_size > 0) {
        expected = static_cast<size_t>(st.st_size);
    }
    out.resize(std::max<size_t>(expected + 1, 1 << 16));
    size_t filled = 0;
    for (;;) {
        if (filled == out.size()) {
            out.resize(out.size() * 2);
        }
        ssize_t n = ::read(*fd, out.data() + filled, out.size() - filled);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int error = errno;
            ::close(*fd);
            return err(errno_status("read", path, error));
        }
        if (n == 0) {
            break;
        }
        filled += static_cast<size_t>(n);
    }
    ::close(*fd);
    out.resize(filled);
    return out;
}

struct OpenedFile {
    int fd = -1;
    uint64_t size = 0;
};

// open_retrying, then the file's size; on failure nothing is left open.
Result<OpenedFile> open_with_size(const std::string& path, int flags, mode_t mode) {
    auto fd = open_retrying(path, flags, mode);
    if (!fd.ok()) {
        return err(fd.error());
    }
    struct stat st {};
    if (::fstat(*fd, &st) != 0) {
        const int error = errno;
        ::close(*fd);
        return err(errno_status("fstat", path, error));
    }
    return OpenedFile{*fd, static_cast<uint64_t>(st.st_size)};
}

// MAP_POPULATE maps every page of the file at once (it is read whole, front to back) rather
// than one fault per few pages. An empty file cannot be mapped; it is an empty FileBytes.
Result<FileBytes> PosixDisk::map_file(const std::string& path) {
    auto file = open_with_size(path, O_RDONLY, 0);
    if (!file.ok()) {
        return err(file.error());
    }
    if (file->size == 0) {
        ::close(file->fd);
        return FileBytes();
    }
    const auto size = static_cast<size_t>(file->size);
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, file->fd, 0);
    const int error = errno;
    ::close(file->fd);
    if (mapping == MAP_FAILED) {
        return err(errno_status("mmap", path, error));
    }
    return FileBytes::adopt_mapping(mapping, size);
}

Result<std::unique_ptr<AppendFile>> PosixDisk::open_append(const std::string& path,
                                                       AppendOptions options) {
    auto opened = open_with_size(path, O_WRONLY | O_CREAT, 0644);
    if (!opened.ok()) {
        return err(opened.error());
    }
    std::unique_ptr<AppendFile> file =
        std::make_unique<PosixAppendFile>(path, opened->fd, opened->size, options);
    return file;
}

}  // namespace

std::unique_ptr<Disk> make_posix_disk() { return std::make_unique<PosixDisk>(); }

}  // namespace wd::storage
