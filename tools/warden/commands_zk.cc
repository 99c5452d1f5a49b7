// zkCli's node commands, with zkCli's output (results on stdout; "Created", errors and
// warnings on stderr, as zkCli prints them) or JSON with --json.
#include <algorithm>
#include <charconv>

#include "shell.h"

namespace wd::shell {

namespace {

std::optional<int64_t> parse_number(const std::string& text) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string text = "[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) text += ", ";
        text += items[i];
    }
    return text + "]";
}

// -v version: -1 when absent, nullopt when not a number.
std::optional<int32_t> version_of(const ParsedArgs& args) {
    auto text = args.value('v');
    if (!text) return -1;
    auto n = parse_number(*text);
    if (!n) return std::nullopt;
    return static_cast<int32_t>(*n);
}

}  // namespace

client::ZkResult<std::vector<std::string>> Shell::subtree(const std::string& path) {
    std::vector<std::string> order;
    std::vector<std::string> stack{path};
    while (!stack.empty()) {
        std::string node = std::move(stack.back());
        stack.pop_back();
        auto children = zk().get_children(node);
        if (!children.ok()) {
            if (children.error() == Code::no_node && node != path) continue;
            return ::wd::err(children.error());
        }
        std::sort(children->rbegin(), children->rend());
        for (const auto& child : *children) {
            stack.push_back((node == "/" ? "" : node) + "/" + child);
        }
        order.push_back(std::move(node));
    }
    return order;
}

bool Shell::cmd_ls(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    if (args.has('R')) {
        auto all = subtree(path);
        if (!all.ok()) return fail(all.error(), path);
        if (options_.json) {
            print_json({{"path", path}, {"subtree", *all}});
        } else {
            for (const auto& p : *all) out(p);
        }
        return true;
    }
    auto listed = zk().get_children2(path, args.has('w') ? watcher_ : nullptr);
    if (!listed.ok()) return fail(listed.error(), path);
    std::vector<std::string> children = listed->children;
    std::sort(children.begin(), children.end());
    if (options_.json) {
        print_json({{"path", path}, {"children", children}, {"stat", stat_json(listed->stat)}});
        return true;
    }
    out(join_list(children));
    if (args.has('s')) out(stat_text(listed->stat));
    return true;
}

static std::optional<std::string> create_conflict(const ParsedArgs& args) {
    bool ttl = args.has('t');
    if (args.has('c') && (args.has('s') || args.has('e'))) {
        return "-c cannot be combined with -s or -e. Containers cannot be ephemeral or "
               "sequential.";
    }
    if (ttl && args.has('e')) return "TTLs cannot be used with Ephemeral znodes";
    if (ttl && args.has('c')) return "TTLs cannot be used with Container znodes";
    return std::nullopt;
}

bool Shell::cmd_create(const ParsedArgs& args) {
    if (auto conflict = create_conflict(args)) {
        err(*conflict);
        return false;
    }
    bool sequential = args.has('s');
    client::CreateOptions options;
    using M = client::CreateMode;
    if (auto ttl = args.value('t')) {
        auto ms = parse_number(*ttl);
        if (!ms) {
            err("ttl must be a number: " + *ttl);
            return false;
        }
        options.mode = sequential ? M::persistent_sequential_with_ttl : M::persistent_with_ttl;
        options.ttl_ms = *ms;
    } else if (args.has('c')) {
        options.mode = M::container;
    } else if (args.has('e')) {
        options.mode = sequential ? M::ephemeral_sequential : M::ephemeral;
    } else if (sequential) {
        options.mode = M::persistent_sequential;
    }
    const auto& pos = args.positional;
    const std::string& path = pos[0];
    if (!valid_path(path, sequential)) return false;
    client::Data data;
    if (pos.size() > 1) data = pos[1];
    if (pos.size() > 2) {
        std::vector<std::string> warnings;
        options.acl = parse_acl(pos[2], warnings);
        for (const auto& w : warnings) err(w);
    }
    auto made = zk().create(path, std::move(data), options);
    if (!made.ok()) {
        if (made.error() == Code::invalid_acl) err("KeeperErrorCode = InvalidACL for " + path);
        if (made.error() == Code::ephemeral_on_local_session) {
            err("Unable to create ephemeral node on a local session");
        }
        return fail(made.error(), path);
    }
    err("Created " + *made);
    return true;
}

bool Shell::cmd_get(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto got = zk().get_data(path, args.has('w') ? watcher_ : nullptr);
    if (!got.ok()) return fail(got.error(), path);
    if (options_.json) {
        nlohmann::json j = {{"path", path}};
        put_data(j, got->data);
        j["stat"] = stat_json(got->stat);
        print_json(j);
        return true;
    }
    out(got->data ? *got->data : std::string("null"));
    if (args.has('s')) out(stat_text(got->stat));
    return true;
}

bool Shell::cmd_set(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    auto version = version_of(args);
    if (!version) {
        err("set [-s] [-v version] path data");
        return false;
    }
    if (!valid_path(path)) return false;
    auto stat = zk().set_data(path, args.positional[1], *version);
    if (!stat.ok()) return fail(stat.error(), path);
    if (args.has('s')) out(stat_text(*stat));
    return true;
}

bool Shell::cmd_stat(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto stat = zk().exists(path, args.has('w') ? watcher_ : nullptr);
    if (!stat.ok()) return fail(stat.error(), path);
    if (!stat->has_value()) return fail(Code::no_node, path);
    if (options_.json) {
        print_json({{"path", path}, {"stat", stat_json(**stat)}});
    } else {
        out(stat_text(**stat));
    }
    return true;
}

bool Shell::cmd_delete(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    auto version = version_of(args);
    if (!version) {
        err("delete [-v version] path");
        return false;
    }
    if (!valid_path(path)) return false;
    auto removed = zk().remove(path, *version);
    if (!removed.ok()) return fail(removed.error(), path);
    return true;
}

bool Shell::cmd_deleteall(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto all = subtree(path);
    if (!all.ok()) return fail(all.error(), path);
    for (auto it = all->rbegin(); it != all->rend(); ++it) {
        auto removed = zk().remove(*it);
        if (!removed.ok() && removed.error() != Code::no_node) {
            err("Failed to delete some node(s) in the subtree!");  // zkCli's message
            return false;
        }
    }
    return true;
}

bool Shell::cmd_sync(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto synced = zk().sync(path);
    if (!synced.ok()) {
        out("Sync has failed. rc=" + std::to_string(static_cast<int32_t>(synced.error())));
        return false;
    }
    out("Sync is OK");
    return true;
}

bool Shell::cmd_get_acl(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto got = zk().get_acl(path);
    if (!got.ok()) return fail(got.error(), path);
    if (options_.json) {
        print_json({{"path", path}, {"acl", acl_json(got->acl)}, {"stat", stat_json(got->stat)}});
        return true;
    }
    out(acl_text(got->acl));
    if (args.has('s')) out(stat_text(got->stat));
    return true;
}

bool Shell::cmd_set_acl(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    auto version = version_of(args);
    if (!version) {
        err("setAcl [-s] [-v version] [-R] path acl");
        return false;
    }
    if (!valid_path(path)) return false;
    std::vector<std::string> warnings;
    auto acl = parse_acl(args.positional[1], warnings);
    for (const auto& w : warnings) err(w);
    if (acl.empty()) {
        err("Acl is not valid : null");
        return false;
    }
    if (args.has('R')) {
        auto all = subtree(path);
        if (!all.ok()) return fail(all.error(), path);
        bool ok = true;
        for (const auto& p : *all) {
            auto set = zk().set_acl(p, acl, *version);
            if (!set.ok()) ok = fail(set.error(), p);
        }
        return ok;
    }
    auto stat = zk().set_acl(path, acl, *version);
    if (!stat.ok()) return fail(stat.error(), path);
    if (args.has('s')) out(stat_text(*stat));
    return true;
}

bool Shell::cmd_addauth(const ParsedArgs& args) {
    auto added = zk().add_auth(args.positional[0], args.positional[1]);
    if (!added.ok()) return fail(added.error(), "");
    return true;
}

bool Shell::cmd_add_watch(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    std::string mode = args.value('m').value_or("PERSISTENT_RECURSIVE");
    client::AddWatchMode watch_mode = client::AddWatchMode::persistent_recursive;
    if (mode == "PERSISTENT") {
        watch_mode = client::AddWatchMode::persistent;
    } else if (mode != "PERSISTENT_RECURSIVE") {
        err(commands()[0].usage);
        return false;
    }
    if (!valid_path(path)) return false;
    auto added = zk().add_watch(path, watch_mode, watcher_);
    if (!added.ok()) return fail(added.error(), path);
    return true;
}

bool Shell::cmd_remove_watches(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    client::WatcherType type = client::WatcherType::any;
    if (args.has('c')) type = client::WatcherType::children;
    if (args.has('d')) type = client::WatcherType::data;
    if (!valid_path(path)) return false;
    // -l (remove locally when the server is unreachable) is accepted; the client library
    // removes the local watchers once the server answers.
    auto removed = zk().remove_watches(path, type);
    if (!removed.ok()) return fail(removed.error(), path);
    return true;
}

bool Shell::cmd_get_ephemerals(const ParsedArgs& args) {
    std::string path = args.positional.empty() ? "/" : args.positional[0];
    if (!valid_path(path)) return false;
    auto listed = zk().get_ephemerals(path);
    if (!listed.ok()) return fail(listed.error(), path);
    if (options_.json) {
        std::vector<std::string> sorted = *listed;
        std::sort(sorted.begin(), sorted.end());
        print_json({{"path", path}, {"ephemerals", sorted}});
    } else {
        out(join_list(*listed));
    }
    return true;
}

bool Shell::cmd_get_all_children_number(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto count = zk().get_all_children_number(path);
    if (!count.ok()) return fail(count.error(), path);
    if (options_.json) {
        print_json({{"path", path}, {"count", *count}});
    } else {
        out(std::to_string(*count));
    }
    return true;
}

bool Shell::cmd_whoami(const ParsedArgs&) {
    auto ids = zk().who_am_i();
    if (!ids.ok()) return fail(ids.error(), "");
    if (options_.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& id : *ids) list.push_back({{"scheme", id.auth_scheme}, {"user", id.user}});
        print_json({{"ids", list}});
        return true;
    }
    out("Auth scheme: User");
    for (const auto& id : *ids) out(id.auth_scheme + ": " + id.user);
    return true;
}

}  // namespace wd::shell
