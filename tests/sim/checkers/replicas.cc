#include "checkers/replicas.h"

namespace wd::sim {

using proto::OpCode;

std::string key_path(uint64_t key) { return "/k" + std::to_string(key); }

void ReplicaChecker::fail(std::string message) {
    if (failure_.empty()) {
        failure_ = std::move(message);
    }
}

void ReplicaChecker::observe_leader(uint64_t term, int server) {
    auto [it, fresh] = leaders_.emplace(term, server);
    if (it->second != server) {
        fail("election safety: servers " + std::to_string(it->second) + " and " +
             std::to_string(server) + " both lead term " + std::to_string(term));
    }
}

void ReplicaChecker::observe_new_leader(int server, uint64_t term,
                                        const consensus::LogStorage& log) {
    if (term <= completeness_checked_term_) {
        return;
    }
    completeness_checked_term_ = term;
    const uint64_t first = log.first_index().value;
    const uint64_t last = log.last_index().value;
    for (auto it = committed_.lower_bound(first); it != committed_.end(); ++it) {
        const uint64_t index = it->first;
        auto held = index <= last ? log.term(consensus::LogIndex{index})
                                  : Result<consensus::Term>(consensus::Term{0});
        if (!held.ok() || held.value().value != it->second.term) {
            fail("leader completeness: server " + std::to_string(server) + " leads term " +
                 std::to_string(term) + " without the entry of term " +
                 std::to_string(it->second.term) + " at index " + std::to_string(index) +
                 " that server " + std::to_string(it->second.server) + " applied");
            return;
        }
    }
}

void ReplicaChecker::observe_applied(int server, const consensus::Entry& entry,
                                     int64_t session_id, int32_t xid) {
    auto [it, fresh] = committed_.emplace(
        entry.index.value,
        CommittedEntry{entry.term.value, entry.data, session_id, xid, server});
    if (fresh) {
        check_not_undoable(server, entry);
        return;
    }
    if (it->second.term != entry.term.value || it->second.data != entry.data) {
        fail("committed prefixes differ: at index " + std::to_string(entry.index.value) +
             " server " + std::to_string(it->second.server) + " applied an entry of term " +
             std::to_string(it->second.term) + ", server " + std::to_string(server) +
             " one of term " + std::to_string(entry.term.value));
    }
}

namespace {

std::pair<uint64_t, uint64_t> last_of(const consensus::LogStorage& log) {
    const consensus::LogIndex last = log.last_index();
    return {log.term(last).value().value, last.value};
}

}  // namespace

void ReplicaChecker::check_not_undoable(int server, const consensus::Entry& entry) {
    const size_t majority = logs_.size() / 2 + 1;
    for (const auto& [other, logs] : logs_) {
        const consensus::LogStorage& written = *logs.first;
        if (entry.index < written.first_index() || entry.index > written.last_index() ||
            written.term(entry.index).value() == entry.term) {
            continue;
        }
        const auto candidate = last_of(written);
        size_t electors = 0;
        for (const auto& [voter, voter_logs] : logs_) {
            electors += last_of(*voter_logs.second) <= candidate ? 1 : 0;
        }
        if (electors >= majority) {
            fail("committed entry can be undone: server " + std::to_string(server) +
                 " applied index " + std::to_string(entry.index.value) + " of term " +
                 std::to_string(entry.term.value) + ", but server " + std::to_string(other) +
                 " holds term " + std::to_string(written.term(entry.index).value().value) +
                 " there and " + std::to_string(electors) + " servers would vote for it");
            return;
        }
    }
}

void ReplicaChecker::observe_tree(int server, uint64_t index, uint64_t digest,
                                  int64_t last_zxid) {
    auto [it, fresh] = digests_.emplace(index, TreeSeen{digest, last_zxid, server});
    if (fresh) {
        return;
    }
    if (it->second.digest != digest) {
        fail("trees differ at applied index " + std::to_string(index) + ": server " +
             std::to_string(it->second.server) + " and server " + std::to_string(server));
    } else if (it->second.last_zxid != last_zxid) {
        fail("trees at applied index " + std::to_string(index) + " report last zxid " +
             std::to_string(it->second.last_zxid) + " on server " +
             std::to_string(it->second.server) + " and " + std::to_string(last_zxid) +
             " on server " + std::to_string(server));
    }
}

void ReplicaChecker::observe_append(int server, consensus::Term term,
                                    consensus::LogIndex commit_index,
                                    const consensus::LogStorage& log,
                                    const consensus::Message& m) {
    if (m.type != consensus::MessageType::append || m.term < term) {
        return;
    }
    for (const consensus::Entry& e : m.entries) {
        if (e.index > commit_index || e.index > log.last_index()) {
            return;
        }
        auto term = log.term(e.index);
        if (term.ok() && term.value() != e.term) {
            fail("committed entry replaced: server " + std::to_string(server) +
                 " committed index " + std::to_string(e.index.value) + " at term " +
                 std::to_string(term.value().value) + ", and leader " +
                 std::to_string(m.from.value) + " of term " + std::to_string(m.term.value) +
                 " sends term " + std::to_string(e.term.value) + " there");
            return;
        }
    }
}

void ReplicaChecker::observe_ephemerals(int server, const tree::Entry& entry,
                                        const EphemeralCounts& c) {
    const std::string where = "server " + std::to_string(server) + " zxid " +
                              std::to_string(entry.zxid) + ": ";
    if (entry.type == OpCode::close_session) {
        if (c.session_after != 0 || c.session_open_after) {
            fail(where + "session " + std::to_string(entry.session_id) +
                 " keeps ephemerals or stays open after its close_session");
        } else if (c.total_before - c.total_after != c.session_before) {
            fail(where + "close_session removed ephemerals of another session");
        }
        return;
    }
    if (c.total_after < c.total_before &&
        (entry.type != OpCode::remove || c.total_before - c.total_after > 1)) {
        fail(where + std::string(proto::opcode_name(entry.type)) +
             " removed an ephemeral before its session ended");
    }
}

void ReplicaChecker::check_orphans(int server, const tree::DataTree& tree, uint64_t keys) {
    for (uint64_t k = 0; k < keys; ++k) {
        auto stat = tree.exists(key_path(k));
        if (stat.ok() && stat->ephemeral_owner != 0 &&
            tree.session(stat->ephemeral_owner) == nullptr) {
            fail("server " + std::to_string(server) + ": " + key_path(k) +
                 " is an ephemeral of session " + std::to_string(stat->ephemeral_owner) +
                 ", which has ended");
        }
    }
}

}  // namespace wd::sim
