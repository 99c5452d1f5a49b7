// Commands beyond zkCli: tree, watch, export and import.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "shell.h"

namespace wd::shell {

namespace {

volatile sig_atomic_t g_interrupted = 0;
void on_sigint(int) {
    g_interrupted = 1;
}

// Blocks until SIGINT or end of input on stdin (other input is read and ignored).
void wait_for_interrupt() {
    struct sigaction action {};
    struct sigaction previous {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous);
    g_interrupted = 0;
    while (!g_interrupted) {
        pollfd fd{STDIN_FILENO, POLLIN, 0};
        int ready = poll(&fd, 1, 200);
        if (ready <= 0) continue;
        char buf[256];
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n <= 0) break;
    }
    sigaction(SIGINT, &previous, nullptr);
}

bool is_system_path(const std::string& path) {
    return path == "/zookeeper" || path.rfind("/zookeeper/", 0) == 0;
}

std::string relative_to(const std::string& root, const std::string& path) {
    if (path == root) return "";
    return root == "/" ? path : path.substr(root.size());
}

std::string join_path(const std::string& root, const std::string& rel) {
    if (rel.empty()) return root;
    return root == "/" ? rel : root + rel;
}

}  // namespace

bool Shell::tree_node(const std::string& path, const std::string& name, const std::string& indent,
                      bool last, nlohmann::json* into) {
    bool root = name.empty();
    auto listed = zk().get_children2(path);
    if (!listed.ok()) {
        return !root && listed.error() == Code::no_node ? true : fail(listed.error(), path);
    }
    std::vector<std::string> children = listed->children;
    std::sort(children.begin(), children.end());
    std::string size = " (" + std::to_string(listed->stat.data_length) + " B)";
    nlohmann::json node;
    if (into) {
        node = {{"path", path},
                {"dataLength", listed->stat.data_length},
                {"children", nlohmann::json::array()}};
    } else {
        out(root ? path + size : indent + (last ? "└── " : "├── ") + name + size);
    }
    std::string child_indent = root ? "" : indent + (last ? "    " : "│   ");
    for (size_t i = 0; i < children.size(); ++i) {
        std::string child = (path == "/" ? "" : path) + "/" + children[i];
        if (!tree_node(child, children[i], child_indent, i + 1 == children.size(),
                       into ? &node["children"] : nullptr)) {
            return false;
        }
    }
    if (into && into->is_array()) {
        into->push_back(std::move(node));
    } else if (into) {
        *into = std::move(node);
    }
    return true;
}

bool Shell::cmd_tree(const ParsedArgs& args) {
    std::string path = args.positional.empty() ? "/" : args.positional[0];
    if (!valid_path(path)) return false;
    if (!options_.json) return tree_node(path, "", "", true, nullptr);
    nlohmann::json tree;
    if (!tree_node(path, "", "", true, &tree)) return false;
    print_json(tree);
    return true;
}

bool Shell::cmd_watch(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    bool recursive = args.has('r');
    bool json = options_.json;
    auto printer = client::make_watcher([this, json](const client::WatchEvent& e) {
        using E = client::EventType;
        if (e.type == E::none || e.type == E::persistent_watch_removed ||
            e.type == E::data_watch_removed || e.type == E::child_watch_removed) {
            return;  // session events, and the removal when the watch ends
        }
        std::string type(event_type_name(e.type));
        if (json) {
            print_json({{"type", type}, {"path", e.path}});
        } else {
            out(type + " " + e.path);
        }
    });
    auto mode =
        recursive ? client::AddWatchMode::persistent_recursive : client::AddWatchMode::persistent;
    auto added = zk().add_watch(path, mode, printer);
    if (!added.ok()) return fail(added.error(), path);
    if (options_.mode == Mode::interactive) {
        err("Watching " + path + (recursive ? " and its subtree" : "") +
            "; Ctrl-C or Ctrl-D to stop");
    }
    wait_for_interrupt();
    (void)zk().remove_watches(path, client::WatcherType::any, printer);
    return true;
}

// Adds `path` to `nodes` unless it is ephemeral (or gone): its data and ACL. Container and
// TTL nodes cannot be told from persistent ones (servers report their ephemeralOwner as 0), so
// they come back as persistent nodes.
bool Shell::export_node(const std::string& path, const std::string& root, nlohmann::json& nodes) {
    auto got = zk().get_data(path);
    if (!got.ok()) return got.error() == Code::no_node ? true : fail(got.error(), path);
    if (got->stat.ephemeral_owner != 0) return true;
    auto acl = zk().get_acl(path);
    if (!acl.ok()) return acl.error() == Code::no_node ? true : fail(acl.error(), path);
    nlohmann::json node = {{"path", relative_to(root, path)}};
    put_data(node, got->data);
    node["acl"] = acl_json(acl->acl);
    nodes.push_back(std::move(node));
    return true;
}

bool Shell::cmd_export(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    if (!valid_path(path)) return false;
    auto all = subtree(path);
    if (!all.ok()) return fail(all.error(), path);
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& p : *all) {
        if (is_system_path(p)) continue;
        if (!export_node(p, path, nodes)) return false;
    }
    nlohmann::json doc = {
        {"format", "warden-export"}, {"version", 1}, {"root", path}, {"nodes", nodes}};
    std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    if (args.positional.size() < 2) {
        out(text);
        return true;
    }
    std::ofstream file(args.positional[1], std::ios::binary | std::ios::trunc);
    file << text << "\n";
    file.close();
    if (!file) {
        err("Cannot write " + args.positional[1]);
        return false;
    }
    out("Exported " + std::to_string(nodes.size()) + " znodes from " + path + " to " +
        args.positional[1]);
    return true;
}

static std::optional<client::CreateOptions> import_options(const nlohmann::json& node) {
    client::CreateOptions options;
    options.acl.clear();
    std::vector<std::string> warnings;
    for (const auto& a : node.value("acl", nlohmann::json::array())) {
        std::string text =
            a.value("scheme", "") + ":" + a.value("id", "") + ":" + a.value("perms", "");
        auto parsed = parse_acl(text, warnings);
        options.acl.insert(options.acl.end(), parsed.begin(), parsed.end());
    }
    if (!warnings.empty()) return std::nullopt;
    if (options.acl.empty()) options.acl = client::open_acl_unsafe();
    std::string mode = node.value("mode", "persistent");
    if (mode == "container") options.mode = client::CreateMode::container;
    if (mode == "ttl") {
        options.mode = client::CreateMode::persistent_with_ttl;
        options.ttl_ms = node.value("ttl", int64_t{0});
    }
    return options;
}

// Creates `path` from an exported node, or overwrites the data and ACL of an existing one.
bool Shell::import_node(const nlohmann::json& node, const std::string& path) {
    auto data = get_data(node);
    auto options = import_options(node);
    if (!data || !options) {
        err("Invalid node in import file: " + path);
        return false;
    }
    if (path == "/") return true;  // the root exists; its data and ACL are left alone
    auto made = zk().create(path, *data, *options);
    if (made.ok()) return true;
    if (made.error() != Code::node_exists) return fail(made.error(), path);
    auto set = zk().set_data(path, *data);
    if (!set.ok()) return fail(set.error(), path);
    auto acl = zk().set_acl(path, options->acl);
    if (!acl.ok()) return fail(acl.error(), path);
    return true;
}

bool Shell::cmd_import(const ParsedArgs& args) {
    std::ifstream file(args.positional[0], std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (!file || doc.is_discarded() || !doc.is_object() ||
        doc.value("format", "") != "warden-export" || !doc["nodes"].is_array()) {
        err("Not a warden export file: " + args.positional[0]);
        return false;
    }
    std::string root =
        args.positional.size() > 1 ? args.positional[1] : doc.value("root", std::string("/"));
    if (!valid_path(root)) return false;
    for (size_t slash = root.find('/', 1); slash != std::string::npos;
         slash = root.find('/', slash + 1)) {
        auto made = zk().create(root.substr(0, slash), std::nullopt);
        if (!made.ok() && made.error() != Code::node_exists) return fail(made.error(), root);
    }
    size_t count = 0;
    for (const auto& node : doc["nodes"]) {
        std::string rel = node.value("path", "");
        if (!rel.empty() && rel[0] != '/') rel = "/" + rel;
        if (!import_node(node, join_path(root, rel))) return false;
        ++count;
    }
    out("Imported " + std::to_string(count) + " znodes to " + root);
    return true;
}

}  // namespace wd::shell
