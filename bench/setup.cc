#include "bench/setup.h"

#include "bench/sync_client_asio.h"

namespace wd::bench {

namespace {

constexpr size_t create_batch = 4096;

// Creates parent/<name(i)> for i < n in batches, unless parent already has n children.
template <class Name>
Result<void> fill_parent(SyncClient& client, const std::string& parent, uint64_t n,
                         const std::string& data, Name name) {
    WD_TRY(client.create_all({parent}, ""));
    auto have = client.num_children(parent);
    if (!have.ok()) {
        return err(have.error());
    }
    if (have->value_or(0) >= 0 && static_cast<uint64_t>(have->value_or(0)) >= n) {
        return {};
    }
    std::vector<std::string> paths;
    for (uint64_t i = 0; i < n; ++i) {
        paths.push_back(name(i));
        if (paths.size() == create_batch || i + 1 == n) {
            WD_TRY(client.create_all(paths, data));
            paths.clear();
        }
    }
    return {};
}

Result<void> setup_on(SyncClient& client, const RunOptions& options) {
    const Workload& w = options.workload;
    WD_TRY(client.create_all({w.root}, ""));
    const std::string value = make_value(w.value_size, w.seed);
    switch (w.kind) {
        case WorkloadKind::create:
        case WorkloadKind::create_seq: {
            std::vector<std::string> parents{w.root + "/create"};
            for (uint32_t i = 0; i < options.sessions; ++i) {
                parents.push_back(create_parent(w, i));
            }
            return client.create_all(parents, "");
        }
        case WorkloadKind::children:
            return fill_parent(client, wide_parent(w), w.children, "",
                               [&w](uint64_t i) { return wide_child_path(w, i); });
        case WorkloadKind::watch_fanout: return client.create_all({watch_path(w)}, value);
        case WorkloadKind::session_churn: return client.create_all({churn_parent(w)}, "");
        case WorkloadKind::set:
        case WorkloadKind::get:
        case WorkloadKind::exists:
        case WorkloadKind::multi:
        case WorkloadKind::mix:
            return fill_parent(client, keys_parent(w), w.keys, value,
                               [&w](uint64_t i) { return key_path(w, i); });
    }
    WD_UNREACHABLE();
}

}  // namespace

Result<void> setup_workload(const RunOptions& options) {
    asio::io_context io;
    auto client = SyncClient::open(io, options.servers.front(), options.session_timeout_ms);
    if (!client.ok()) {
        return err(client.error());
    }
    WD_TRY(setup_on(**client, options));
    (*client)->close();
    return {};
}

Result<void> cleanup_workload(const RunOptions& options) {
    asio::io_context io;
    auto client = SyncClient::open(io, options.servers.front(), options.session_timeout_ms);
    if (!client.ok()) {
        return err(client.error());
    }
    WD_TRY((*client)->delete_tree(options.workload.root));
    (*client)->close();
    return {};
}

}  // namespace wd::bench
