#include "controller.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

namespace kafka_example {

namespace {

using nlohmann::json;
using wd::Code;
using wd::err;
using wd::client::CreateMode;
using wd::client::Multi;

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A child list as sorted integers (broker ids); names that are not numbers are skipped.
std::set<int32_t> as_ids(const std::vector<std::string>& names) {
    std::set<int32_t> ids;
    for (const auto& name : names) {
        if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
            ids.insert(std::stoi(name));
        }
    }
    return ids;
}

}  // namespace

ZkResult<void> Controller::take_over() {
    json claim = {{"version", 1}, {"brokerid", broker_id_},
                  {"timestamp", std::to_string(now_ms())}};
    // The previous controller's /controller goes with its session, which is what made us
    // leader; a moment of overlap is possible only while its close is being applied.
    for (int attempt = 0;; ++attempt) {
        auto made = client_.create("/controller", claim.dump(), {CreateMode::ephemeral});
        if (made.ok()) {
            break;
        }
        if (made.error() != Code::node_exists || attempt == 100) {
            return err(made.error());
        }
        auto holder = client_.get_data("/controller");
        if (holder.ok() && holder->stat.ephemeral_owner == client_.session_id()) {
            break;  // ours already: leadership came back after a disconnection
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto current = client_.get_data("/controller_epoch");
        if (!current.ok() && current.error() == Code::no_node) {
            auto made = client_.create("/controller_epoch", std::string("0"));
            if (!made.ok() && made.error() != Code::node_exists) {
                return err(made.error());
            }
            continue;
        }
        if (!current.ok()) {
            return err(current.error());
        }
        int64_t next = std::stoll(current->data.value_or("0")) + 1;
        auto set = client_.set_data("/controller_epoch", std::to_string(next),
                                    current->stat.version);
        if (set.ok()) {
            epoch_ = next;
            epoch_zk_version_ = set->version;
            return {};
        }
        if (set.error() != Code::bad_version) {
            return err(set.error());
        }
    }
    return err(Code::bad_version);
}

void Controller::resign() {
    auto current = client_.get_data("/controller");
    if (current.ok() && current->stat.ephemeral_owner == client_.session_id()) {
        (void)client_.remove("/controller", current->stat.version);
    }
}

ZkResult<void> Controller::reconcile() {
    auto ids = client_.get_children("/brokers/ids", watcher_);
    if (!ids.ok()) {
        return err(ids.error());
    }
    std::set<int32_t> live = as_ids(*ids);
    auto topics = client_.get_children("/brokers/topics", watcher_);
    if (!topics.ok()) {
        return err(topics.error());
    }
    for (const auto& topic : *topics) {
        auto assignment = client_.get_data("/brokers/topics/" + topic);
        if (!assignment.ok()) {
            continue;  // deleted meanwhile
        }
        json parsed = json::parse(assignment->data.value_or("{}"), nullptr, false);
        if (parsed.is_discarded() || !parsed.contains("partitions")) {
            std::cerr << "controller: bad assignment for topic " << topic << "\n";
            continue;
        }
        for (const auto& [partition, replicas] : parsed["partitions"].items()) {
            auto done = reconcile_partition(topic, partition,
                                            replicas.get<std::vector<int32_t>>(), live);
            if (!done.ok()) {
                return done;
            }
        }
    }
    return {};
}

ZkResult<void> Controller::reconcile_partition(const std::string& topic,
                                               const std::string& partition,
                                               const std::vector<int32_t>& replicas,
                                               const std::set<int32_t>& live) {
    std::string dir = "/brokers/topics/" + topic + "/partitions/" + partition;
    std::string path = dir + "/state";
    auto current = client_.get_data(path);
    if (!current.ok() && current.error() != Code::no_node) {
        return err(current.error());
    }
    json state = {{"leader", -1}, {"leader_epoch", -1}, {"isr", json::array()}};
    if (current.ok()) {
        state = json::parse(current->data.value_or("{}"), nullptr, false);
    }
    int32_t leader = state.value("leader", -1);
    std::vector<int32_t> old_isr = state.value("isr", std::vector<int32_t>{});
    std::vector<int32_t> isr;
    for (int32_t replica : replicas) {
        if (live.count(replica)) {
            isr.push_back(replica);
        }
    }
    int32_t new_leader = leader;
    if (!live.count(leader)) {
        // Prefer a replica that was in sync, in ISR order; then any live replica.
        auto in_sync = std::find_if(old_isr.begin(), old_isr.end(),
                                    [&](int32_t r) { return live.count(r) != 0; });
        new_leader = in_sync != old_isr.end() ? *in_sync : (isr.empty() ? -1 : isr.front());
    }
    if (current.ok() && new_leader == leader && isr == old_isr) {
        return {};  // already right
    }
    state["version"] = 1;
    state["controller_epoch"] = epoch_;
    state["leader"] = new_leader;
    state["isr"] = isr;
    if (new_leader != leader || !current.ok()) {
        state["leader_epoch"] = state.value("leader_epoch", -1) + 1;
    }
    Multi multi;
    multi.check("/controller_epoch", epoch_zk_version_);
    if (current.ok()) {
        multi.set_data(path, state.dump(), current->stat.version);
    } else {
        // Persistent parents: ensure_path would make the ancestors containers.
        (void)client_.create("/brokers/topics/" + topic + "/partitions", std::nullopt);
        (void)client_.create(dir, std::nullopt);
        multi.create(path, state.dump());
    }
    auto out = client_.multi(multi);
    if (!out.ok()) {
        return err(out.error());
    }
    if (out->code != Code::ok) {
        // The check on /controller_epoch failing means we were deposed: report BADVERSION.
        return err(out->code);
    }
    std::cout << "controller " << broker_id_ << ": " << topic << "-" << partition << " leader "
              << leader << " -> " << new_leader << " isr " << json(isr).dump() << std::endl;
    return {};
}

std::string assignment_json(int32_t partitions, int32_t replication,
                            const std::vector<int32_t>& brokers) {
    json assignment = {{"version", 2}, {"partitions", json::object()}};
    auto n = static_cast<int32_t>(brokers.size());
    for (int32_t p = 0; p < partitions; ++p) {
        std::vector<int32_t> replicas;
        for (int32_t i = 0; i < std::min(replication, n); ++i) {
            replicas.push_back(brokers[static_cast<size_t>((p + i) % n)]);
        }
        assignment["partitions"][std::to_string(p)] = replicas;
    }
    return assignment.dump();
}

}  // namespace kafka_example
