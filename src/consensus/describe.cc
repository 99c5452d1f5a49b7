// Stable text renderings of Ready and CoreStatus for golden tests (etcd's DescribeReady).
#include "consensus/core.h"

namespace wd::consensus {
namespace {

void add_entries(std::string& out, const char* title, const std::vector<Entry>& entries) {
    if (entries.empty()) {
        return;
    }
    out += title;
    out += ":\n";
    for (const Entry& e : entries) {
        out += "  " + describe(e) + "\n";
    }
}

std::string_view reject_name(RejectCode code) {
    switch (code) {
        case RejectCode::not_leader:
            return "not_leader";
        case RejectCode::transfer_in_progress:
            return "transfer_in_progress";
        case RejectCode::config_change_pending:
            return "config_change_pending";
        case RejectCode::invalid_change:
            return "invalid_change";
        case RejectCode::storage_failed:
            return "storage_failed";
    }
    return "unknown";
}

}  // namespace

std::string_view role_name(RoleKind role) {
    switch (role) {
        case RoleKind::follower:
            return "follower";
        case RoleKind::pre_candidate:
            return "pre_candidate";
        case RoleKind::candidate:
            return "candidate";
        case RoleKind::leader:
            return "leader";
    }
    return "unknown";
}

std::string describe(const Ready& r) {
    std::string out;
    if (r.hard_state) {
        out += "hard_state " + describe(*r.hard_state) + "\n";
    }
    add_entries(out, "entries", r.entries);
    if (r.snapshot) {
        out += "snapshot " + describe(r.snapshot->meta) + "\n";
    }
    add_entries(out, "committed", r.committed);
    if (!r.messages.empty()) {
        out += "messages:\n";
        for (const Message& m : r.messages) {
            out += "  " + describe(m) + "\n";
        }
    }
    if (r.must_sync) {
        out += "must_sync\n";
    }
    return out;
}

std::string describe(const CoreStatus& s) {
    std::string out = std::to_string(s.id.value) + " " + std::string(role_name(s.role)) + " " +
                      describe(s.hard_state) + " leader=" + std::to_string(s.leader.value) +
                      " applied=" + std::to_string(s.applied_index.value) + " log=[" +
                      std::to_string(s.first_index.value) + "," +
                      std::to_string(s.last_index.value) + "] " + describe(s.membership);
    if (s.failed) {
        out += " failed";
    }
    if (s.transfer_target != node_none) {
        out += " transfer_to=" + std::to_string(s.transfer_target.value);
    }
    out += "\n";
    for (const auto& [id, p] : s.progress) {
        out += "  " + std::to_string(id.value) + ": " + describe(p) +
               (p.recent_active ? " active" : "") + "\n";
    }
    return out;
}

std::string describe(const Rejection& rejection) {
    return "rejected " + std::string(reject_name(rejection.code)) +
           " leader=" + std::to_string(rejection.leader.value);
}

}  // namespace wd::consensus
