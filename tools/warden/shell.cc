#include "shell.h"

#include "server/version.h"

#include <algorithm>
#include <cstdio>

namespace wd::shell {

Shell::Shell(ShellOptions options) : options_(std::move(options)) {
    watcher_ = client::make_watcher([this](const client::WatchEvent& e) { on_event(e); });
}

Shell::~Shell() {
    client_.reset();
}

const std::vector<Shell::Command>& Shell::commands() {
    static const std::vector<Command> table = {
        {"addWatch",
         "addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE]"
         " - default is PERSISTENT_RECURSIVE",
         "m:", 1, &Shell::cmd_add_watch, true},
        {"addauth", "addauth scheme auth", "", 2, &Shell::cmd_addauth, true},
        {"close", "close ", "", 0, &Shell::cmd_close, false},
        {"config", "config [-c] [-w] [-s]", "cws", 0, &Shell::cmd_config, true},
        {"connect", "connect host:port", "", 0, &Shell::cmd_connect, false},
        {"create", "create [-s] [-e] [-c] [-t ttl] path [data] [acl]", "sect:", 1,
         &Shell::cmd_create, true},
        {"delete", "delete [-v version] path", "v:", 1, &Shell::cmd_delete, true},
        {"deleteall", "deleteall path [-b batch size]", "b:", 1, &Shell::cmd_deleteall, true},
        {"delquota", "delquota [-n|-b|-N|-B] path", "nbNB", 1, &Shell::cmd_delquota, true},
        {"export", "export path [file]", "", 1, &Shell::cmd_export, true},
        {"get", "get [-s] [-w] path", "sw", 1, &Shell::cmd_get, true},
        {"getAcl", "getAcl [-s] path", "s", 1, &Shell::cmd_get_acl, true},
        {"getAllChildrenNumber", "getAllChildrenNumber path", "", 1,
         &Shell::cmd_get_all_children_number, true},
        {"getEphemerals", "getEphemerals path", "", 0, &Shell::cmd_get_ephemerals, true},
        {"history", "history ", "", 0, &Shell::cmd_history, false},
        {"import", "import file [path]", "", 1, &Shell::cmd_import, true},
        {"listquota", "listquota path", "", 1, &Shell::cmd_listquota, true},
        {"ls", "ls [-s] [-w] [-R] path", "swR", 1, &Shell::cmd_ls, true},
        {"printwatches", "printwatches on|off", "", 0, &Shell::cmd_printwatches, false},
        {"quit", "quit ", "", 0, &Shell::cmd_quit, false},
        {"reconfig",
         "reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3"
         "[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
         "sv:", 0, &Shell::cmd_reconfig, true},
        {"redo", "redo cmdno", "", 1, nullptr, false},
        {"removewatches", "removewatches path [-c|-d|-a] [-l]", "cdal", 1,
         &Shell::cmd_remove_watches, true},
        {"set", "set [-s] [-v version] path data", "sv:", 2, &Shell::cmd_set, true},
        {"setAcl", "setAcl [-s] [-v version] [-R] path acl", "sv:R", 2, &Shell::cmd_set_acl, true},
        {"setquota", "setquota -n|-b|-N|-B val path", "n:b:N:B:", 1, &Shell::cmd_setquota,
         true},
        {"stat", "stat [-w] path", "w", 1, &Shell::cmd_stat, true},
        {"sync", "sync path", "", 1, &Shell::cmd_sync, true},
        {"tree", "tree [path]", "", 0, &Shell::cmd_tree, true},
        {"watch", "watch [-r] path", "r", 1, &Shell::cmd_watch, true},
        {"version", "version ", "", 0, &Shell::cmd_version, false},
        {"whoami", "whoami ", "", 0, &Shell::cmd_whoami, true},
    };
    return table;
}

std::string_view Shell::commands_usage(std::string_view name) {
    for (const auto& c : commands()) {
        if (c.name == name) return c.usage;
    }
    return name;
}

std::vector<std::string> Shell::command_names() {
    std::vector<std::string> names;
    for (const auto& c : commands()) names.emplace_back(c.name);
    return names;
}

void Shell::out(std::string_view text) {
    std::lock_guard lock(out_mutex_);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void Shell::err(std::string_view text) {
    std::lock_guard lock(out_mutex_);
    std::fflush(stdout);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

void Shell::print_json(const nlohmann::json& value) {
    out(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool Shell::fail(Code code, std::string_view path) {
    err(error_text(code, path));
    return false;
}

bool Shell::valid_path(std::string_view path, bool sequential) {
    auto problem = path_error(path, sequential);
    if (problem) err(*problem);
    return !problem;
}

void Shell::on_event(const client::WatchEvent& event) {
    if (!print_watches_) return;
    out("\nWATCHER::\n\n" + event_text(event));
}

void Shell::on_state(client::SessionState state) {
    if (options_.mode != Mode::interactive) return;
    using S = client::SessionState;
    using K = client::KeeperState;
    client::WatchEvent event;
    switch (state) {
        case S::connected: event.state = K::sync_connected; break;
        case S::connected_read_only: event.state = K::connected_read_only; break;
        case S::disconnected: event.state = K::disconnected; break;
        case S::expired: event.state = K::expired; break;
        case S::auth_failed: event.state = K::auth_failed; break;
        case S::closed: event.state = K::closed; break;
        case S::connecting: return;
    }
    on_event(event);
}

bool Shell::connect(const std::string& server) {
    client_.reset();
    closed_ = true;
    server_ = server;
    client::ClientOptions o;
    o.session_timeout_ms = options_.timeout_ms;
    o.can_be_read_only = options_.read_only;
    o.state_listener = [this](client::SessionState s) { on_state(s); };
    auto made = client::SyncClient::connect(server, o);
    if (!made.ok()) {
        err("Invalid connect string: " + server);
        return false;
    }
    client_ = std::move(*made);
    if (!client_->wait_connected(options_.timeout_ms) || client::is_terminal(client_->state())) {
        err("Unable to connect to " + server + ": " +
            std::string(client::session_state_name(client_->state())));
        // A session that never came up closes at once (no closeSession round trip).
        client_.reset();
        return false;
    }
    closed_ = false;
    return true;
}

std::string Shell::prompt() const {
    std::string state = "CLOSED";
    if (client_ && !closed_) {
        switch (client_->state()) {
            case client::SessionState::connected: state = "CONNECTED"; break;
            case client::SessionState::connected_read_only: state = "CONNECTEDREADONLY"; break;
            case client::SessionState::connecting:
            case client::SessionState::disconnected: state = "CONNECTING"; break;
            case client::SessionState::auth_failed: state = "AUTH_FAILED"; break;
            default: break;
        }
    }
    return "[zk: " + server_ + "(" + state + ") " + std::to_string(history_.size()) + "] ";
}

bool Shell::execute(const std::string& line) {
    return execute_words(tokenize(line), line);
}

bool Shell::execute_words(std::vector<std::string> words, std::string line) {
    if (words.empty()) return true;
    size_t index = history_.size();
    history_.push_back(line);
    if (words[0] == "redo") {
        if (words.size() < 2) {
            err("redo cmdno");
            return false;
        }
        char* end = nullptr;
        long n = std::strtol(words[1].c_str(), &end, 0);
        if (*end != '\0' || n < 0 || static_cast<size_t>(n) >= index) {
            err("Command index out of range");
            return false;
        }
        std::string again = history_[static_cast<size_t>(n)];
        words = tokenize(again);
        if (!words.empty() && words[0] == "redo") {
            err("No redoing redos");
            return false;
        }
        history_[index] = again;
    }
    return dispatch(words);
}

bool Shell::print_usage_all(const std::string& name) {
    std::string text = "warden -server host:port cmd args";
    for (const auto& c : commands()) text += "\n\t" + std::string(c.usage);
    err(text);
    err("Command not found: Command not found " + name);
    return false;
}

bool Shell::dispatch(const std::vector<std::string>& words) {
    auto it = std::find_if(commands().begin(), commands().end(),
                           [&](const Command& c) { return c.name == words[0]; });
    if (it == commands().end() || it->handler == nullptr) return print_usage_all(words[0]);
    if (it->needs_session && (!client_ || closed_)) {
        out("Not connected");
        return false;
    }
    std::vector<std::string> rest(words.begin() + 1, words.end());
    auto args = parse_args(rest, it->spec);
    if (!args || args->positional.size() < it->min_args) {
        err(it->usage);
        return false;
    }
    return (this->*(it->handler))(*args);
}

bool Shell::cmd_connect(const ParsedArgs& args) {
    std::string server = args.positional.empty() ? server_ : args.positional[0];
    return connect(server);
}

bool Shell::cmd_close(const ParsedArgs&) {
    if (client_ && !closed_) (void)client_->close();
    closed_ = true;
    return true;
}

bool Shell::cmd_quit(const ParsedArgs&) {
    quit_ = true;
    return true;
}

bool Shell::cmd_history(const ParsedArgs&) {
    size_t last = history_.size() - 1;
    size_t first = last >= 10 ? last - 10 : 0;
    for (size_t i = first; i <= last; ++i) out(std::to_string(i) + " - " + history_[i]);
    return true;
}

// zkCli prints its own build; the shell speaks the same protocol release as the server.
bool Shell::cmd_version(const ParsedArgs&) {
    out("ZooKeeper CLI version: " + server::version_string());
    return true;
}

bool Shell::cmd_printwatches(const ParsedArgs& args) {
    if (args.positional.empty()) {
        out(std::string("printwatches is ") + (print_watches_ ? "on" : "off"));
        return true;
    }
    print_watches_ = args.positional[0] == "on";
    return true;
}

std::vector<std::string> Shell::complete_path(const std::string& prefix) {
    std::vector<std::string> matches;
    if (!client_ || closed_ || prefix.empty() || prefix[0] != '/') return matches;
    size_t slash = prefix.rfind('/');
    std::string parent = slash == 0 ? "/" : prefix.substr(0, slash);
    std::string stem = prefix.substr(slash + 1);
    auto children = zk().get_children(parent);
    if (!children.ok()) return matches;
    std::sort(children->begin(), children->end());
    for (const auto& child : *children) {
        if (child.rfind(stem, 0) != 0) continue;
        matches.push_back((parent == "/" ? "" : parent) + "/" + child);
    }
    return matches;
}

}  // namespace wd::shell
