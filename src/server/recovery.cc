// Start-up recovery, periodic work and shutdown of the pipeline.
#include <spdlog/spdlog.h>

#include "proto/codec.h"
#include "server/pipeline.h"
#include "server/snapshotter.h"
#include "storage/snapshot.h"

namespace wd::server {

using proto::OpCode;

namespace {
std::string snap_dir_of(const Config& c) {
    return c.data_dir + "/snapshots";
}
std::string wal_dir_of(const Config& c) {
    return c.data_log_dir + "/wal";
}
}  // namespace

// Every session in the tree gets a full timeout from now, and ids this server gave out are
// not given again.
void Pipeline::track_restored_sessions() {
    const int64_t now = clock_->monotonic_ms();
    for (const tree::SessionInfo& s : tree_.sessions()) {
        tracker_.add(s.session_id, s.timeout_ms, now);
        note_session_id(s.session_id);
    }
}

void Pipeline::start_snapshotter(std::string snap_dir, std::string wal_dir,
                                 int32_t retain_count) {
    snapshotter_ = std::make_unique<Snapshotter>(disk_, std::move(snap_dir), std::move(wal_dir),
                                                 config_.snap_count, retain_count, rng_.next(),
                                                 env_.snapshot_in_process);
}

void Pipeline::open_disk() {
    if (env_.disk != nullptr) {
        disk_ = env_.disk;
    } else {
        owned_disk_ = storage::make_posix_disk();
        disk_ = owned_disk_.get();
    }
}

Result<void> Pipeline::recover() {
    const int64_t t0 = clock_->monotonic_ms();
    open_disk();
    WD_TRY(disk_->create_dir(config_.data_dir));
    WD_TRY(disk_->create_dir(config_.data_log_dir));
    WD_TRY(disk_->create_dir(snap_dir_of(config_)));
    WD_TRY(disk_->create_dir(wal_dir_of(config_)));
    tree::Options options{config_.extended_types_enabled, config_.enforce_quota,
                          config_.jute_max_buffer};
    auto snapshot = storage::load_newest_snapshot(disk_, snap_dir_of(config_));
    if (!snapshot.ok()) {
        return err(snapshot.error());
    }
    const int64_t t_read = clock_->monotonic_ms();
    int64_t snapshot_zxid = 0;
    if (snapshot->has_value()) {
        const storage::LoadedSnapshot& loaded = **snapshot;
        for (const std::string& note : loaded.notes) {
            spdlog::warn("recovery: {}", note);
        }
        auto restored = tree::DataTree::deserialize(loaded.body.view(), options);
        if (!restored.ok()) {
            return err(Status::corruption(loaded.file + ": " + restored.error().to_string()));
        }
        tree_ = std::move(restored).value();
        snapshot_zxid = loaded.zxid;
        spdlog::info("recovery: loaded {} at zxid {:#x} ({} znodes)", loaded.file, loaded.zxid,
                     tree_.node_count());
    }
    const int64_t t_decoded = clock_->monotonic_ms();
    int64_t replayed = 0;
    auto report = storage::read_wal(
        disk_, wal_dir_of(config_), snapshot_zxid,
        [&](int64_t zxid, std::string_view payload) -> Result<void> {
            auto entry = tree::decode_entry(payload);
            if (!entry.ok()) {
                return err(Status::corruption("log entry at zxid " + std::to_string(zxid) + ": " +
                                              entry.error().to_string()));
            }
            if (entry->zxid != zxid || zxid != tree_.last_zxid() + 1) {
                return err(Status::corruption("log entry zxid " + std::to_string(zxid) +
                                              " does not follow " +
                                              std::to_string(tree_.last_zxid())));
            }
            tree::ApplyResult applied = tree_.apply(*entry);
            WD_MAYBE(applied.err == 0);
            ++replayed;
            return {};
        });
    if (!report.ok()) {
        return err(report.error());
    }
    for (const std::string& note : report->notes) {
        spdlog::warn("recovery: {}", note);
    }
    const int64_t t_replayed = clock_->monotonic_ms();
    next_zxid_ = tree_.last_zxid() + 1;
    auto wal = storage::WalWriter::open(disk_, wal_dir_of(config_), tree_.last_zxid(),
                                        env_.wal);
    if (!wal.ok()) {
        return err(wal.error());
    }
    wal_ = std::move(wal).value();
    start_snapshotter(snap_dir_of(config_), wal_dir_of(config_), config_.snap_retain_count);
    // Sessions restored from disk get a full timeout from now to reconnect (ZooKeeper does
    // the same after a restart).
    track_restored_sessions();
    const int64_t t_end = clock_->monotonic_ms();
    spdlog::info("recovery: recovered {} znodes at zxid {:#x} in {} ms (snapshot read {} ms, "
                 "decode {} ms, log replay {} ms for {} entries, sessions {} ms)",
                 tree_.node_count(), tree_.last_zxid(), t_end - t0, t_read - t0,
                 t_decoded - t_read, t_replayed - t_decoded, replayed, t_end - t_replayed);
    return {};
}

void Pipeline::on_timer() {
    if (failed_ || shutting_down_) {
        return;
    }
    snapshotter_->poll();
    if (core_) {
        maybe_snapshot_replica(0);
        report_touches();
        expire_stuck_proposals();
        if (!is_leader()) {
            return;  // the leader alone expires sessions and removes containers
        }
        drive_membership();
    } else if (snapshotter_->maybe_start(tree_, 0)) {
        // A snapshot that came due while another was being written starts once that one is
        // done, not at the next write: after a burst of writes and then quiet, a restart
        // replays at most about one threshold of log (maybe_snapshot_replica does the same).
        wal_->request_roll();
    }
    for (int64_t session_id : tracker_.expired(clock_->monotonic_ms())) {
        spdlog::info("session {:#x} expired", session_id);
        if (env_.observer != nullptr) {
            env_.observer->expiring(session_id);
        }
        submit(nullptr, OpCode::close_session, {}, 0, clock_->monotonic_us());
        batch_.back().entry.session_id = session_id;
    }
    int64_t now = clock_->wall_ms();
    if (now - last_cleanup_ms_ >= config_.container_check_interval_ms) {
        last_cleanup_ms_ = now;
        // Bounded per pass like ZooKeeper's ContainerManager (maxPerMinute).
        size_t count_max = static_cast<size_t>(std::max<int64_t>(
            1, config_.container_max_per_minute * config_.container_check_interval_ms / 60000));
        for (const std::string& path : tree_.cleanup_candidates(now, count_max)) {
            submit(nullptr, OpCode::delete_container,
                   proto::encode_to_string(proto::PathRequest{path}), 0, clock_->monotonic_us());
        }
    }
}

void Pipeline::shutdown() {
    shutting_down_ = true;
    flush();
    if (snapshotter_) {
        snapshotter_->wait();
    }
}

}  // namespace wd::server
