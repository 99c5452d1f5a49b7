// restart-phases: times the phases of wardend's start-up recovery on a copy of a data directory,
// calling the same storage and tree functions Pipeline::recover calls, each phase on its own.
//
//     restart-phases <dataDir> [rounds]
//
// Phases, each printed in ms (the median of `rounds`, default 3):
//   snapshot read      Disk::map_file of the newest snapshot file (as recovery reads it)
//   snapshot checksum  crc32c over that file (the storage layer's trailer check)
//   snapshot load      storage::load_newest_snapshot: read + checks, as recovery calls it
//   tree build         tree::DataTree::deserialize of the body (its own checksum + decode + build)
//   log read           storage::read_wal with a callback that does nothing (read + record CRCs)
//   log replay         storage::read_wal with decode_entry + DataTree::apply (what recovery does)
//   sessions           the session table rebuilt from the tree (DataTree::sessions)
//   total              snapshot load + tree build + log replay + sessions
// Nothing is written except what recovery itself writes: read_wal repairs the last log segment
// (truncates a torn tail, removes an empty one) as wardend would, so run it on a copy.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "base/crc32c.h"
#include "storage/disk.h"
#include "storage/snapshot.h"
#include "storage/wal.h"
#include "tree/data_tree.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Round {
    double read_ms = 0;
    double crc_ms = 0;
    double load_ms = 0;
    double build_ms = 0;
    double log_read_ms = 0;
    double replay_ms = 0;
    double sessions_ms = 0;
    size_t nodes = 0;
    int64_t replayed = 0;
    int64_t last_zxid = 0;
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "restart-phases: %s\n", what.c_str());
    std::exit(1);
}

// The snapshot phases; leaves the loaded tree in `tree`.
void time_snapshot(wd::storage::Disk* disk, const std::string& snap_dir, Round& r,
                   std::optional<wd::tree::DataTree>& tree, int64_t& snapshot_zxid) {
    auto start = Clock::now();
    auto loaded = wd::storage::load_newest_snapshot(disk, snap_dir);
    r.load_ms = ms_since(start);
    if (!loaded.ok()) {
        die(loaded.error().to_string());
    }
    if (!loaded->has_value()) {
        tree.emplace(wd::tree::Options{});
        return;
    }
    const wd::storage::LoadedSnapshot& snapshot = **loaded;
    snapshot_zxid = snapshot.zxid;
    start = Clock::now();
    auto file = disk->map_file(snap_dir + "/" + snapshot.file);
    r.read_ms = ms_since(start);
    if (!file.ok()) {
        die(file.error().to_string());
    }
    start = Clock::now();
    volatile uint32_t crc = wd::crc32c::value(file->view().data(), file->size() - 4);
    (void)crc;
    r.crc_ms = ms_since(start);
    start = Clock::now();
    auto restored = wd::tree::DataTree::deserialize(snapshot.body.view(), wd::tree::Options{});
    r.build_ms = ms_since(start);
    if (!restored.ok()) {
        die(restored.error().to_string());
    }
    tree.emplace(std::move(restored).value());
}

Round one_round(const std::string& data_dir) {
    Round r;
    auto disk = wd::storage::make_posix_disk();
    const std::string wal_dir = data_dir + "/wal";
    std::optional<wd::tree::DataTree> tree;
    int64_t snapshot_zxid = 0;
    time_snapshot(disk.get(), data_dir + "/snapshots", r, tree, snapshot_zxid);

    auto start = Clock::now();
    auto scan = wd::storage::read_wal(disk.get(), wal_dir, snapshot_zxid,
                                      [](int64_t, std::string_view) -> wd::Result<void> {
                                          return {};
                                      });
    r.log_read_ms = ms_since(start);
    if (!scan.ok()) {
        die(scan.error().to_string());
    }
    start = Clock::now();
    auto report = wd::storage::read_wal(
        disk.get(), wal_dir, snapshot_zxid,
        [&](int64_t zxid, std::string_view payload) -> wd::Result<void> {
            auto entry = wd::tree::decode_entry(payload);
            if (!entry.ok() || entry->zxid != zxid) {
                die("bad log entry at zxid " + std::to_string(zxid));
            }
            (void)tree->apply(*entry);
            ++r.replayed;
            return {};
        });
    r.replay_ms = ms_since(start);
    if (!report.ok()) {
        die(report.error().to_string());
    }
    start = Clock::now();
    std::vector<wd::tree::SessionInfo> sessions = tree->sessions();
    r.sessions_ms = ms_since(start);
    r.nodes = tree->node_count();
    r.last_zxid = tree->last_zxid();
    // Kept until the process exits, so that each round, like a starting server, builds its
    // tree in fresh memory, and no round's teardown shows in a profile.
    static std::vector<std::optional<wd::tree::DataTree>> kept;
    kept.push_back(std::move(tree));
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: restart-phases <dataDir> [rounds]\n");
        return 2;
    }
    const int rounds = argc == 3 ? std::max(1, std::atoi(argv[2])) : 3;
    std::vector<Round> all;
    for (int i = 0; i < rounds; ++i) {
        all.push_back(one_round(argv[1]));
    }
    auto col = [&](double Round::*field) {
        std::vector<double> v;
        for (const Round& r : all) {
            v.push_back(r.*field);
        }
        return median(v);
    };
    const Round& last = all.back();
    std::printf("%zu znodes, %lld log entries replayed, last zxid %#llx; median of %d rounds\n",
                last.nodes, static_cast<long long>(last.replayed),
                static_cast<unsigned long long>(last.last_zxid), rounds);
    std::printf("  snapshot read       %8.1f ms\n", col(&Round::read_ms));
    std::printf("  snapshot checksum   %8.1f ms\n", col(&Round::crc_ms));
    std::printf("  snapshot load       %8.1f ms  (map + checks)\n",
                col(&Round::load_ms));
    std::printf("  tree build          %8.1f ms  (deserialize)\n", col(&Round::build_ms));
    std::printf("  log read            %8.1f ms  (read_wal, no-op callback)\n",
                col(&Round::log_read_ms));
    std::printf("  log replay          %8.1f ms  (read_wal + decode + apply)\n",
                col(&Round::replay_ms));
    std::printf("  sessions            %8.1f ms\n", col(&Round::sessions_ms));
    std::printf("  total               %8.1f ms  (load + build + replay + sessions)\n",
                col(&Round::load_ms) + col(&Round::build_ms) + col(&Round::replay_ms) +
                    col(&Round::sessions_ms));
    std::fflush(stdout);
    std::_Exit(0);  // skips freeing the kept trees
}
