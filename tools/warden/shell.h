// The `warden` shell: zkCli's commands over the client library's SyncClient, plus tree,
// watch, export and import. One Shell is one session at a time (connect/close switch it);
// commands run on the caller's thread, watch notifications print from the client's io thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "admin.h"
#include "client/sync_client_asio.h"
#include "format.h"

namespace wd::shell {

enum class Mode : uint8_t { interactive, one_shot, script };

struct ShellOptions {
    std::string server = "localhost:2181";
    int32_t timeout_ms = 30'000;
    bool read_only = false;
    bool json = false;
    Mode mode = Mode::interactive;
};

class Shell {
public:
    explicit Shell(ShellOptions options);
    ~Shell();
    Shell(const Shell&) = delete;
    Shell& operator=(const Shell&) = delete;

    // Opens a session to `server` (closing the current one) and waits for it up to the
    // timeout. False (with a message on stderr) when it did not come up.
    bool connect(const std::string& server);
    // Runs one command line as zkCli does, recording it in the history. True on success;
    // an empty line is a success.
    bool execute(const std::string& line);
    // The same for words already split (one-shot mode: the program's arguments); `line` is
    // what the history records.
    bool execute_words(std::vector<std::string> words, std::string line);
    bool quit_requested() const { return quit_; }
    std::string prompt() const;

    // For the line editor: command names, and the paths completing `prefix` (children of its
    // parent whose name starts with the last component).
    static std::vector<std::string> command_names();
    std::vector<std::string> complete_path(const std::string& prefix);

private:
    using Handler = bool (Shell::*)(const ParsedArgs& args);
    struct Command {
        std::string_view name;
        std::string_view usage;
        std::string_view spec;  // option letters, as parse_args
        size_t min_args;        // positional arguments
        Handler handler;
        bool needs_session;
    };
    static const std::vector<Command>& commands();
    static std::string_view commands_usage(std::string_view name);
    bool dispatch(const std::vector<std::string>& words);
    bool print_usage_all(const std::string& name);

    // Output: each call writes whole lines (a newline is added) and flushes, under a lock
    // shared with the watch printer.
    void out(std::string_view text);
    void err(std::string_view text);
    void print_json(const nlohmann::json& value);
    // Prints zkCli's message for `code` on `path` to stderr; returns false.
    bool fail(Code code, std::string_view path);
    // Prints the path's validation error and returns false when the path is invalid.
    bool valid_path(std::string_view path, bool sequential = false);
    void on_event(const client::WatchEvent& event);
    void on_state(client::SessionState state);

    // Session-level commands (shell.cc).
    bool cmd_connect(const ParsedArgs& args);
    bool cmd_close(const ParsedArgs& args);
    bool cmd_quit(const ParsedArgs& args);
    bool cmd_history(const ParsedArgs& args);
    bool cmd_version(const ParsedArgs& args);
    bool cmd_printwatches(const ParsedArgs& args);
    // zkCli's node commands (commands_zk.cc).
    bool cmd_ls(const ParsedArgs& args);
    bool cmd_create(const ParsedArgs& args);
    bool cmd_get(const ParsedArgs& args);
    bool cmd_set(const ParsedArgs& args);
    bool cmd_stat(const ParsedArgs& args);
    bool cmd_delete(const ParsedArgs& args);
    bool cmd_deleteall(const ParsedArgs& args);
    bool cmd_sync(const ParsedArgs& args);
    bool cmd_get_acl(const ParsedArgs& args);
    bool cmd_set_acl(const ParsedArgs& args);
    bool cmd_addauth(const ParsedArgs& args);
    bool cmd_add_watch(const ParsedArgs& args);
    bool cmd_remove_watches(const ParsedArgs& args);
    bool cmd_get_ephemerals(const ParsedArgs& args);
    bool cmd_get_all_children_number(const ParsedArgs& args);
    bool cmd_whoami(const ParsedArgs& args);
    // zkCli's configuration and quota commands (commands_admin.cc).
    bool cmd_config(const ParsedArgs& args);
    bool cmd_reconfig(const ParsedArgs& args);
    bool cmd_setquota(const ParsedArgs& args);
    bool cmd_listquota(const ParsedArgs& args);
    bool cmd_delquota(const ParsedArgs& args);
    // Prints zkCli's message and returns false when a quota exists above or below `path`.
    bool check_quota_tree(const std::string& path);
    void warn_quota(const QuotaRecord& limits, const QuotaRecord& stats);
    bool write_quota(const std::string& path, std::string_view key, int64_t value);
    // Beyond zkCli (commands_extra.cc).
    bool cmd_tree(const ParsedArgs& args);
    bool cmd_watch(const ParsedArgs& args);
    bool cmd_export(const ParsedArgs& args);
    bool cmd_import(const ParsedArgs& args);

    // The subtree under `path` in depth-first pre-order with sorted children (path first).
    client::ZkResult<std::vector<std::string>> subtree(const std::string& path);
    // Draws one node and its subtree (or, with `into`, adds it to a JSON tree instead).
    bool tree_node(const std::string& path, const std::string& name, const std::string& indent,
                   bool last, nlohmann::json* into);
    bool export_node(const std::string& path, const std::string& root, nlohmann::json& nodes);
    bool import_node(const nlohmann::json& node, const std::string& path);

    client::SyncClient& zk() { return *client_; }

    ShellOptions options_;
    std::unique_ptr<client::SyncClient> client_;
    std::string server_;
    client::Watcher watcher_;
    std::atomic<bool> print_watches_{true};
    std::vector<std::string> history_;
    bool quit_ = false;
    bool closed_ = true;
    std::mutex out_mutex_;
};

}  // namespace wd::shell
