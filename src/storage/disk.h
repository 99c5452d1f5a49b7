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

// A file open for appending. Not thread-safe.
class AppendFile {
public:
    virtual ~AppendFile() = default;
    virtual Result<void> append(std::string_view bytes) = 0;
    // Makes everything appended so far durable (fdatasync).
    virtual Result<void> sync() = 0;
    virtual Result<void> close() = 0;
    virtual uint64_t size() const = 0;
};

class Disk {
public:
    virtual ~Disk() = default;
    virtual Result<void> create_dir(const std::string& path) = 0;  // ok if it exists
    virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;  // names, sorted
    virtual Result<std::string> read_file(const std::string& path) = 0;
    // Opens (creating if absent) for append; existing bytes are kept.
    virtual Result<std::unique_ptr<AppendFile>> open_append(const std::string& path) = 0;
    virtual Result<void> truncate(const std::string& path, uint64_t size) = 0;
    virtual Result<void> rename(const std::string& from, const std::string& to) = 0;
    virtual Result<void> remove(const std::string& path) = 0;
    // Makes a directory's entries (creates, renames, removes) durable.
    virtual Result<void> sync_dir(const std::string& dir) = 0;
};

// The real disk: POSIX files, fdatasync, fsync of directories.
std::unique_ptr<Disk> make_posix_disk();

}  // namespace wd::storage
