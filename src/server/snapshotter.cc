#include "server/snapshotter.h"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "storage/snapshot.h"
#include "storage/wal.h"

namespace wd::server {

Snapshotter::Snapshotter(storage::Disk* disk, std::string snap_dir, std::string wal_dir,
                         int64_t snap_count, int32_t retain_count, uint64_t seed)
    : disk_(disk),
      snap_dir_(std::move(snap_dir)),
      wal_dir_(std::move(wal_dir)),
      snap_count_(snap_count),
      retain_count_(retain_count),
      rng_(seed) {
    next_threshold();
}

Snapshotter::~Snapshotter() {
    wait();
}

void Snapshotter::next_threshold() {
    threshold_ = rng_.range(snap_count_ / 2 + 1, snap_count_);
}

bool Snapshotter::maybe_start(const tree::DataTree& tree, int64_t entries, int64_t file_zxid,
                              std::string_view prefix) {
    since_last_ += entries;
    poll();
    if (since_last_ < threshold_ || running() || !start(tree, file_zxid, prefix)) {
        return false;
    }
    since_last_ = 0;
    next_threshold();
    return true;
}

bool Snapshotter::start(const tree::DataTree& tree, int64_t file_zxid, std::string_view prefix) {
    if (running()) {
        return false;
    }
    int64_t zxid = file_zxid >= 0 ? file_zxid : tree.last_zxid();
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        spdlog::error("snapshot: fork failed: {}", std::strerror(errno));
        return false;
    }
    if (pid == 0) {
        // Child: only the copy-on-write image is touched; no sockets, no logging threads.
        // It dies with the server: a killed server's restart must not race its old child.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(1);
        }
        std::string body(prefix);
        body += tree.serialize();
        auto disk = storage::make_posix_disk();
        Result<void> written = storage::write_snapshot(disk.get(), snap_dir_, zxid, body);
        if (!written.ok()) {
            _exit(1);
        }
        // Retention runs here too: checking the kept snapshots reads each one whole, which
        // must not stall the event loop. The writer only appends to the newest log segment,
        // which purge_wal never removes. Exit status 2: written, but the purge failed.
        body.clear();
        body.shrink_to_fit();
        auto oldest = storage::purge_snapshots(disk.get(), snap_dir_,
                                               static_cast<size_t>(retain_count_));
        if (!oldest.ok()) {
            _exit(2);
        }
        if (oldest->has_value() && !storage::purge_wal(disk.get(), wal_dir_, **oldest).ok()) {
            _exit(2);
        }
        _exit(0);
    }
    child_ = pid;
    child_zxid_ = zxid;
    spdlog::info("snapshot: started at zxid {:#x} (pid {})", zxid, pid);
    return true;
}

void Snapshotter::poll() {
    if (child_ <= 0) {
        return;
    }
    int status = 0;
    pid_t done = waitpid(child_, &status, WNOHANG);
    if (done == 0) {
        return;
    }
    finished(done == child_ && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

void Snapshotter::wait() {
    if (child_ <= 0) {
        return;
    }
    int status = 0;
    pid_t done = waitpid(child_, &status, 0);
    finished(done == child_ && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

// `status`: the child's exit status (0 written and purged, 2 written but the purge failed).
void Snapshotter::finished(int status) {
    child_ = -1;
    if (status != 0 && status != 2) {
        spdlog::error("snapshot at zxid {:#x} failed; the log still holds every entry",
                      child_zxid_);
        return;
    }
    last_zxid_ = child_zxid_;
    spdlog::info("snapshot: zxid {:#x} written", child_zxid_);
    if (status == 2) {
        spdlog::warn("snapshot {:#x}: removing old snapshots or log segments failed",
                     child_zxid_);
    }
}

}  // namespace wd::server
