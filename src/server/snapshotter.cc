#include "server/snapshotter.h"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>

#include "storage/snapshot.h"
#include "storage/wal.h"

namespace wd::server {

namespace {
// The snapshot file is synced every this many bytes (storage::write_snapshot).
constexpr uint64_t snapshot_sync_bytes = 2 << 20;
// linux/ioprio.h: IOPRIO_WHO_PROCESS, and IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0).
constexpr int ioprio_who_process = 1;
constexpr int ioprio_idle = 3 << 13;
}  // namespace

Snapshotter::Snapshotter(storage::Disk* disk, std::string snap_dir, std::string wal_dir,
                         int64_t snap_count, int32_t retain_count, uint64_t seed,
                         bool in_process)
    : disk_(disk),
      snap_dir_(std::move(snap_dir)),
      wal_dir_(std::move(wal_dir)),
      snap_count_(snap_count),
      retain_count_(retain_count),
      rng_(seed),
      in_process_(in_process) {
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

// Writes the snapshot, then applies retention: checking the kept snapshots reads each one
// whole, which is why it runs in the child and not on the event loop. The writer only appends
// to the newest log segment, which purge_wal never removes. Returns 0 when written and purged,
// 2 when written but the purge failed, 1 when not written.
int Snapshotter::write_and_purge(storage::Disk* disk, const tree::DataTree& tree, int64_t zxid,
                                 std::string_view prefix) const {
    std::string body(prefix);
    body += tree.serialize();
    if (!storage::write_snapshot(disk, snap_dir_, zxid, body, snapshot_sync_bytes).ok()) {
        return 1;
    }
    body.clear();
    body.shrink_to_fit();
    auto oldest = storage::purge_snapshots(disk, snap_dir_, static_cast<size_t>(retain_count_));
    if (!oldest.ok()) {
        return 2;
    }
    if (oldest->has_value() && !storage::purge_wal(disk, wal_dir_, **oldest).ok()) {
        return 2;
    }
    return 0;
}

bool Snapshotter::start(const tree::DataTree& tree, int64_t file_zxid, std::string_view prefix) {
    if (running()) {
        return false;
    }
    int64_t zxid = file_zxid >= 0 ? file_zxid : tree.last_zxid();
    if (in_process_) {
        // Written now; reported by a later poll(), as a child's exit would be after a while.
        child_zxid_ = zxid;
        in_process_status_ = write_and_purge(disk_, tree, zxid, prefix);
        in_process_polls_ = static_cast<int>(rng_.range(1, 8));
        return true;
    }
    const pid_t parent = getpid();
    const auto fork_start = std::chrono::steady_clock::now();
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
        // The server's requests come first: lower CPU priority, and the idle I/O class (which
        // mq-deadline and bfq honour) for the snapshot's writes.
        static_cast<void>(setpriority(PRIO_PROCESS, 0, 10));
        static_cast<void>(syscall(SYS_ioprio_set, ioprio_who_process, 0, ioprio_idle));
        auto disk = storage::make_posix_disk();
        _exit(write_and_purge(disk.get(), tree, zxid, prefix));
    }
    last_fork_us_ = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - fork_start)
                        .count();
    child_ = pid;
    child_zxid_ = zxid;
    spdlog::info("snapshot: started at zxid {:#x} (pid {}, fork took {} us)", zxid, pid,
                 last_fork_us_);
    return true;
}

void Snapshotter::poll() {
    if (in_process_status_ && --in_process_polls_ <= 0) {
        const int status = *in_process_status_;
        in_process_status_.reset();
        finished(status);
        return;
    }
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
    if (in_process_status_) {
        in_process_polls_ = 0;
        poll();
        return;
    }
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
