// Data-driven tests of the watch table: tests/data/watch/*.txt. Regenerate with WD_REWRITE=1.
//
// The harness keeps a fake stat table (`node`, `remove-node`) that set-watches consults, so a
// file can state what the tree looked like when a session reconnected.
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>

#include "support/datadriven.h"
#include "watch/watch_table.h"

namespace wd::watch {
namespace {

using datadriven::Command;
using proto::EventType;

std::string hex(int64_t session_id) {
    char id[32];
    std::snprintf(id, sizeof(id), "0x%" PRIx64, static_cast<uint64_t>(session_id));
    return id;
}

std::string print(const std::vector<Notification>& notifications) {
    std::string out;
    for (const Notification& n : notifications) {
        out += describe(n) + "\n";
    }
    return out.empty() ? "(none)" : out;
}

bool parse_kind(const std::string& text, Kind* kind) {
    static const std::map<std::string, Kind> kinds = {
        {"data", Kind::data},
        {"child", Kind::child},
        {"persistent", Kind::persistent},
        {"recursive", Kind::persistent_recursive},
        {"persistent_recursive", Kind::persistent_recursive}};
    auto it = kinds.find(text);
    if (it == kinds.end()) {
        return false;
    }
    *kind = it->second;
    return true;
}

bool parse_event(const std::string& text, EventType* type) {
    static const std::map<std::string, EventType> types = {
        {"created", EventType::node_created},
        {"deleted", EventType::node_deleted},
        {"changed", EventType::node_data_changed},
        {"children", EventType::node_children_changed}};
    auto it = types.find(text);
    if (it == types.end()) {
        return false;
    }
    *type = it->second;
    return true;
}

// children, data, any, persistent, persistent_recursive, or a raw number (e.g. 9).
proto::WatcherType parse_watcher_type(const Command& cmd) {
    static const std::map<std::string, int32_t> types = {
        {"children", 1}, {"data", 2}, {"any", 3}, {"persistent", 4}, {"persistent_recursive", 5}};
    auto it = types.find(cmd.get("type"));
    const int64_t value = it != types.end() ? it->second : cmd.get_int("type", 0);
    return static_cast<proto::WatcherType>(value);
}

class Harness {
public:
    std::string run(const Command& cmd);

private:
    std::string set_watches(const Command& cmd);
    std::string dump() const;
    std::optional<proto::Stat> stat_of(std::string_view path) const {
        auto it = stats_.find(std::string(path));
        return it == stats_.end() ? std::nullopt : std::optional<proto::Stat>(it->second);
    }

    WatchTable table_;
    std::map<std::string, proto::Stat> stats_;  // the fake tree set-watches looks at
};

// Every command, with one example each.
std::string Harness::run(const Command& cmd) {
    const int64_t session = cmd.get_int("session", 1);
    const std::string path = cmd.get("path");
    if (cmd.name == "add") {  // Example: add session=1 path=/a kind=data
        Kind kind = Kind::data;
        if (!parse_kind(cmd.get("kind"), &kind)) {
            cmd.fail("unknown kind " + cmd.get("kind"));
        }
        table_.add(session, path, kind);
        return "";
    }
    if (cmd.name == "trigger") {  // Example: trigger type=created path=/a/b
        EventType type = EventType::none;
        if (!parse_event(cmd.get("type"), &type)) {
            cmd.fail("unknown event type " + cmd.get("type"));
        }
        return print(table_.trigger(proto::TreeEvent{type, path}));
    }
    if (cmd.name == "node") {  // Example: node path=/a mzxid=3 pzxid=4
        proto::Stat& stat = stats_[path];
        stat.mzxid = cmd.get_int("mzxid", 0);
        stat.pzxid = cmd.get_int("pzxid", 0);
        return "";
    }
    if (cmd.name == "remove-node") {  // Example: remove-node path=/a
        stats_.erase(path);
        return "";
    }
    if (cmd.name == "set-watches") {  // Example: set-watches session=2 rel=5 data=(/a) exist=()
        return set_watches(cmd);
    }
    if (cmd.name == "remove") {  // Example: remove session=1 path=/a type=any
        return std::string(code_name(table_.remove(session, path, parse_watcher_type(cmd), true)));
    }
    if (cmd.name == "check") {  // Example: check session=1 path=/a type=data
        return std::string(code_name(table_.remove(session, path, parse_watcher_type(cmd), false)));
    }
    if (cmd.name == "remove-session") {  // Example: remove-session 1
        for (const std::string& id : cmd.positional()) {
            table_.remove_session(std::stoll(id));
        }
        return "";
    }
    if (cmd.name == "dump") {  // Example: dump
        return dump();
    }
    cmd.fail("unknown command " + cmd.name);
    return "";
}

// Fires what the session missed since rel and registers the rest (DataTree.setWatches).
std::string Harness::set_watches(const Command& cmd) {
    proto::SetWatches2 w;
    w.relative_zxid = cmd.get_int("rel", 0);
    w.data_watches = cmd.values("data");
    w.exist_watches = cmd.values("exist");
    w.child_watches = cmd.values("child");
    w.persistent_watches = cmd.values("persistent");
    w.persistent_recursive_watches = cmd.values("recursive");
    auto lookup = [this](std::string_view path) { return stat_of(path); };
    return print(table_.set_watches(cmd.get_int("session", 1), w, lookup));
}

// One line per watched path with its sessions per kind, then the accounting that the
// four-letter words report (wchs counts pairs; mntr counts a persistent watch twice).
std::string Harness::dump() const {
    std::string out;
    for (const auto& [path, sessions] : table_.by_path()) {
        out += path + ":";
        for (Kind kind : {Kind::data, Kind::child, Kind::persistent, Kind::persistent_recursive}) {
            std::string ids;
            for (int64_t id : sessions) {
                if (table_.contains(id, path, kind)) {
                    ids += (ids.empty() ? "" : ",") + hex(id);
                }
            }
            if (!ids.empty()) {
                out += " " + std::string(kind_name(kind)) + "=(" + ids + ")";
            }
        }
        out += "\n";
    }
    out += "watches=" + std::to_string(table_.watch_count()) +
           " paths=" + std::to_string(table_.path_count()) +
           " sessions=" + std::to_string(table_.session_count()) +
           " wchs=" + std::to_string(table_.watch_count(Scope::zk_reports)) +
           " mntr=" + std::to_string(table_.mntr_watch_count()) +
           " recursive=" + std::to_string(table_.recursive_count());
    return out;
}

class WatchDataDriven : public ::testing::TestWithParam<std::string> {};

TEST_P(WatchDataDriven, Run) {
    Harness harness;
    datadriven::run_file(GetParam(), [&](const Command& cmd) { return harness.run(cmd); });
}

INSTANTIATE_TEST_SUITE_P(Files, WatchDataDriven,
                         ::testing::ValuesIn(datadriven::files_in(WD_WATCH_TESTDATA_DIR)),
                         datadriven::test_name);

}  // namespace
}  // namespace wd::watch
