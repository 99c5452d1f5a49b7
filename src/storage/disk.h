// The file system as the storage layer sees it (LevelDB's Env, narrowed).
//
// PosixDisk is the real one; tests and the simulator provide their own. Every method returns
// an error value; none throws. Paths are plain strings; directories are not created
// implicitly except by create_dir.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace wd::storage {

// How a file opened for appending grows.
struct AppendOptions {
    // 0: each append extends the file by exactly the bytes appended. Otherwise the file has
    // a *logical* size (the bytes appended) and an *allocated* size (its size on disk), and an
    // append that would pass the allocated size first extends the file with zero bytes by
    // whole multiples of preallocate_bytes. Appends then overwrite zeros inside the file, so
    // the common sync does not change the file size (on ext4 a size change makes fdatasync
    // commit the journal too). The zeros are real writes, never fallocate(): unwritten
    // extents would still need a metadata update at their first write.
    uint64_t preallocate_bytes = 0;
};

// The allocated size after an append that ends at `end`: `allocated` itself when it already
// covers `end`, else `allocated` plus the fewest whole chunks that do. REQUIRES: chunk > 0.
inline uint64_t preallocated_size(uint64_t allocated, uint64_t end, uint64_t chunk) {
    WD_ASSERT(chunk > 0);
    if (end <= allocated) {
        return allocated;
    }
    return allocated + (end - allocated + chunk - 1) / chunk * chunk;
}

// A whole file's bytes, read-only. A PosixDisk maps the file: no buffer is zero-filled and
// copied into, and the pages are the page cache's rather than the process's heap, gone with
// the FileBytes. Other disks hold a copy. Move-only.
class FileBytes {
public:
    FileBytes() = default;
    explicit FileBytes(std::string bytes) : owned_(std::move(bytes)), size_(owned_.size()) {}
    // Takes over a read-only mapping of `size` bytes at `mapping` (unmapped on destruction).
    static FileBytes adopt_mapping(const void* mapping, size_t size);
    FileBytes(FileBytes&& other) noexcept;
    FileBytes& operator=(FileBytes&& other) noexcept;
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;
    ~FileBytes();

    std::string_view view() const {
        return {(mapping_ != nullptr ? static_cast<const char*>(mapping_) : owned_.data()) +
                    offset_,
                size_};
    }
    size_t size() const { return size_; }
    // Narrows the view to [offset, offset + size) of the current one. REQUIRES: inside it.
    void narrow(size_t offset, size_t size) {
        WD_ASSERT(offset <= size_ && size <= size_ - offset);
        offset_ += offset;
        size_ = size;
    }

private:
    void release();
    std::string owned_;
    const void* mapping_ = nullptr;
    size_t mapping_size_ = 0;
    size_t offset_ = 0;
    size_t size_ = 0;
};

// A file open for appending. Not thread-safe.
// Bytes go at the logical end; with preallocation (AppendOptions) the file may hold zero
// bytes beyond it. Opening an existing file starts the logical size at its size on disk.
class AppendFile {
public:
    virtual ~AppendFile() = default;
    virtual Result<void> append(std::string_view bytes) = 0;
    // Makes everything appended so far durable (fdatasync), zero extension included.
    virtual Result<void> sync() = 0;
    virtual Result<void> close() = 0;
    // The logical size: the bytes the file held at open plus those appended since.
    virtual uint64_t size() const = 0;
};

class Disk {
public:
    virtual ~Disk() = default;
    virtual Result<void> create_dir(const std::string& path) = 0;  // ok if it exists
    virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;  // names, sorted
    virtual Result<std::string> read_file(const std::string& path) = 0;
    // The whole file, for reading it once (snapshots). The default holds read_file's copy;
    // PosixDisk maps the file.
    virtual Result<FileBytes> map_file(const std::string& path) {
        auto bytes = read_file(path);
        if (!bytes.ok()) {
            return err(bytes.error());
        }
        return FileBytes(std::move(*bytes));
    }
    // The file's size in bytes. The default reads the file; PosixDisk asks the file system.
    virtual Result<uint64_t> file_size(const std::string& path) {
        auto bytes = read_file(path);
        if (!bytes.ok()) {
            return err(bytes.error());
        }
        return static_cast<uint64_t>(bytes->size());
    }
    // Opens (creating if absent) for append; existing bytes are kept.
    virtual Result<std::unique_ptr<AppendFile>> open_append(const std::string& path,
                                                            AppendOptions options) = 0;
    // The same without preallocation. A derived class that overrides the virtual one names
    // this one with `using Disk::open_append;`.
    Result<std::unique_ptr<AppendFile>> open_append(const std::string& path) {
        return open_append(path, AppendOptions{});
    }
    virtual Result<void> truncate(const std::string& path, uint64_t size) = 0;
    virtual Result<void> rename(const std::string& from, const std::string& to) = 0;
    virtual Result<void> remove(const std::string& path) = 0;
    // Makes a directory's entries (creates, renames, removes) durable.
    virtual Result<void> sync_dir(const std::string& dir) = 0;
};

// The real disk: POSIX files, fdatasync, fsync of directories.
std::unique_ptr<Disk> make_posix_disk();

}  // namespace wd::storage
