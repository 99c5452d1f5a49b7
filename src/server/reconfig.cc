// Dynamic membership: ZooKeeper's `reconfig` operation and the /zookeeper/config node
// (docs/ensemble.md, "Reconfiguration").
//
// A reconfig request goes through the log like any write. Applying it (on every server, at the
// same point of the log) computes the new server list from the current one, writes it to
// /zookeeper/config in ZooKeeper's format (`server.N=...` lines and `version=<hex zxid>`) and
// updates the peer address book. The leader then moves the consensus membership toward that
// list one server at a time (a new voter first joins as a learner and is promoted once it has
// caught up; removals come last), which is how the core changes membership safely (thesis
// §4.1). The reply is sent when the new list is recorded; the membership follows within a
// few round trips.
#include <spdlog/spdlog.h>

#include <sstream>

#include "proto/codec.h"
#include "server/pipeline.h"
#include "tree/acl.h"

namespace wd::server {

using consensus::ConfChange;
using consensus::ConfChangeType;
using consensus::NodeId;
using proto::OpCode;

namespace {

std::string spec_line(const ServerSpec& s) {
    std::string line = "server." + std::to_string(s.id) + "=" + s.host + ":" +
                       std::to_string(s.peer_port) + ":" + std::to_string(s.election_port) + ":" +
                       (s.observer ? "observer" : "participant");
    if (s.client_port != 0) {
        line += ";" + (s.client_host.empty() ? std::string("0.0.0.0") : s.client_host) + ":" +
                std::to_string(s.client_port);
    }
    return line;
}

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> out;
    std::string item;
    std::stringstream ss{std::string(text)};
    while (std::getline(ss, item, sep)) {
        size_t a = item.find_first_not_of(" \t\r\n");
        size_t b = item.find_last_not_of(" \t\r\n");
        if (a != std::string::npos) {
            out.push_back(item.substr(a, b - a + 1));
        }
    }
    return out;
}

// Parses `server.N=...` specs (comma- or newline-separated) with the zoo.cfg parser.
Result<std::vector<ServerSpec>> parse_specs(std::string_view text) {
    std::string cfg = "dataDir=/\n";
    for (const std::string& item : split(text, text.find('\n') != std::string_view::npos ? '\n' : ',')) {
        if (item.starts_with("version=")) {
            continue;
        }
        cfg += item + "\n";
    }
    auto parsed = parse_config(cfg, "reconfig");
    if (!parsed.ok()) {
        return err(parsed.error());
    }
    return parsed->servers;
}

}  // namespace

std::string Pipeline::config_text(const std::vector<ServerSpec>& servers, int64_t version) const {
    std::string out;
    for (const ServerSpec& s : servers) {
        out += spec_line(s) + "\n";
    }
    out += fmt::format("version={:x}", version);
    return out;
}

// The server list recorded in /zookeeper/config, or the static one before the first record.
std::vector<ServerSpec> Pipeline::current_servers() const {
    auto data = tree_.get_data("/zookeeper/config", tree::Identity{{}, true});
    if (data.ok() && data->data && !data->data->empty()) {
        auto specs = parse_specs(*data->data);
        if (specs.ok() && !specs->empty()) {
            return *specs;
        }
    }
    return config_.servers;
}

int64_t Pipeline::current_config_version() const {
    auto data = tree_.get_data("/zookeeper/config", tree::Identity{{}, true});
    if (!data.ok() || !data->data) {
        return 0;
    }
    for (const std::string& line : split(*data->data, '\n')) {
        if (line.starts_with("version=")) {
            return static_cast<int64_t>(std::strtoull(line.c_str() + 8, nullptr, 16));
        }
    }
    return 0;
}

// Deterministic: the same entry gives the same result on every server.
tree::ApplyResult Pipeline::apply_reconfig(const tree::Entry& entry) {
    tree::ApplyResult result;
    auto fail = [&result, &entry](Code code) {
        spdlog::info("reconfig at zxid {:#x} refused: {}", entry.zxid, static_cast<int>(code));
        result.err = static_cast<int32_t>(code);
        return result;
    };
    proto::ReconfigRequest request;
    proto::JuteReader r(entry.body);
    request = proto::decode<proto::ReconfigRequest>(r);
    if (!r.ok()) {
        return fail(Code::marshalling_error);
    }
    if (!config_.reconfig_enabled) {
        return fail(Code::reconfig_disabled);
    }
    auto acl = tree_.get_acl("/zookeeper/config", tree::Identity{{}, true});
    if (!entry.identity.super &&
        (!acl.ok() || !tree::acl_permits(acl->acl, proto::perms::write, entry.identity))) {
        return fail(Code::no_auth);
    }
    if (request.cur_config_id != -1 && request.cur_config_id != current_config_version()) {
        return fail(Code::bad_version);
    }
    const bool incremental = !request.joining_servers.empty() || !request.leaving_servers.empty();
    if (incremental == !request.new_members.empty()) {
        return fail(Code::bad_arguments);
    }
    std::vector<ServerSpec> servers;
    if (incremental) {
        servers = current_servers();
        for (const std::string& id_text : split(request.leaving_servers, ',')) {
            int64_t id = std::strtoll(id_text.c_str(), nullptr, 10);
            std::erase_if(servers, [id](const ServerSpec& s) { return s.id == id; });
        }
        auto joining = parse_specs(request.joining_servers);
        if (!joining.ok()) {
            return fail(Code::bad_arguments);
        }
        for (const ServerSpec& j : *joining) {
            std::erase_if(servers, [&j](const ServerSpec& s) { return s.id == j.id; });
            servers.push_back(j);
        }
        std::sort(servers.begin(), servers.end(),
                  [](const ServerSpec& a, const ServerSpec& b) { return a.id < b.id; });
    } else {
        auto members = parse_specs(request.new_members);
        if (!members.ok()) {
            return fail(Code::bad_arguments);
        }
        servers = *members;
    }
    size_t voters = 0;
    for (const ServerSpec& s : servers) {
        voters += s.observer ? 0 : 1;
    }
    if (voters == 0) {
        return fail(Code::bad_arguments);
    }
    std::string text = config_text(servers, entry.zxid);
    tree::Entry set = entry;
    set.type = OpCode::set_data;
    set.body = proto::encode_to_string(proto::SetDataRequest{"/zookeeper/config", text, -1});
    set.identity.super = true;
    tree::ApplyResult applied = tree_.apply(set);
    if (applied.err != 0) {
        spdlog::warn("reconfig at zxid {:#x}: writing /zookeeper/config failed ({})", entry.zxid,
                     applied.err);
        return applied;
    }
    proto::JuteReader sr(applied.body);
    auto stat = proto::decode<proto::StatResponse>(sr);
    result.events = std::move(applied.events);
    result.body = proto::encode_to_string(proto::GetDataResponse{text, stat.stat});
    spdlog::info("reconfig at zxid {:#x}: {}", entry.zxid, text);
    peers_->set_members(servers);
    return result;
}

// Leader only, periodically: one membership step toward the recorded server list.
void Pipeline::drive_membership() {
    if (!is_leader()) {
        return;
    }
    const std::vector<ServerSpec> target = current_servers();
    const consensus::CoreStatus status = core_->status();
    const consensus::Membership& now = status.membership;
    auto caught_up = [&status](NodeId id) {
        auto it = status.progress.find(id);
        return it != status.progress.end() && it->second.match.value + 64 >= status.last_index.value;
    };
    auto propose = [this](ConfChangeType type, int64_t id) {
        auto index = core_->propose_change(ConfChange{type, NodeId{static_cast<uint64_t>(id)}});
        if (index.ok()) {
            spdlog::info("membership: proposing {} {} at index {}",
                         type == ConfChangeType::add_voter     ? "add_voter"
                         : type == ConfChangeType::add_learner ? "add_learner"
                                                               : "remove_node",
                         id, index->value);
        }
    };
    for (const ServerSpec& s : target) {
        NodeId id{static_cast<uint64_t>(s.id)};
        if (s.observer) {
            if (now.is_voter(id)) {
                propose(ConfChangeType::remove_node, s.id);  // re-added as a learner next
                return;
            }
            if (!now.is_learner(id)) {
                propose(ConfChangeType::add_learner, s.id);
                return;
            }
            continue;
        }
        if (now.is_voter(id)) {
            continue;
        }
        if (!now.is_learner(id)) {
            propose(ConfChangeType::add_learner, s.id);
            return;
        }
        if (caught_up(id)) {
            propose(ConfChangeType::add_voter, s.id);
            return;
        }
        return;  // wait for it to catch up before it counts toward commits
    }
    for (const std::vector<NodeId>* list : {&now.learners, &now.voters}) {
        for (NodeId id : *list) {
            bool wanted = std::any_of(target.begin(), target.end(), [id](const ServerSpec& s) {
                return static_cast<uint64_t>(s.id) == id.value;
            });
            if (!wanted) {
                propose(ConfChangeType::remove_node, static_cast<int64_t>(id.value));
                return;
            }
        }
    }
}

}  // namespace wd::server
