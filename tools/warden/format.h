// Text and JSON renderings of ZooKeeper values as zkCli prints them, and the zkCli parsers
// for command lines and ACL strings. Pure functions; no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/types.h"

namespace wd::shell {

// Splits a command line as zkCli does: whitespace-separated words, where a word starting with
// a quote runs to the matching quote and the quotes are dropped.
std::vector<std::string> tokenize(std::string_view line);

// A command's words split into options and positional arguments, getopt-style: `spec` lists
// the option letters, a letter followed by ':' takes a value ("sv:" for [-s] [-v version]).
// Options may appear anywhere (as zkCli's commons-cli parser allows).
struct ParsedArgs {
    std::vector<std::pair<char, std::string>> options;
    std::vector<std::string> positional;
    bool has(char option) const;
    std::optional<std::string> value(char option) const;
};
// nullopt when a word is an unknown option or an option lacks its value.
std::optional<ParsedArgs> parse_args(const std::vector<std::string>& words, std::string_view spec);

// Java's Date.toString() of milliseconds since the epoch, in the local time zone.
std::string java_date(int64_t epoch_ms);
// The eleven "name = value" lines of zkCli's StatPrinter.
std::string stat_text(const client::Stat& stat);
nlohmann::json stat_json(const client::Stat& stat);

// "cdrwa" letters of a permission mask, in zkCli's order.
std::string perms_text(int32_t perms);
// zkCli's getAcl lines: "'scheme,'id" then ": perms", for each entry.
std::string acl_text(const std::vector<client::Acl>& acl);
nlohmann::json acl_json(const std::vector<client::Acl>& acl);
// zkCli's AclParser: "scheme:id:perms[,...]". Malformed entries are skipped with a message
// appended to `warnings` (as zkCli prints them on stderr).
std::vector<client::Acl> parse_acl(std::string_view text, std::vector<std::string>& warnings);

// "WatchedEvent state:SyncConnected type:NodeCreated path:/a" (path "null" when empty).
std::string event_text(const client::WatchEvent& event);
std::string_view event_type_name(client::EventType type);

// The message zkCli prints for an operation on `path` that failed with `code`.
std::string error_text(Code code, std::string_view path);
// The message of PathUtils.validatePath for an invalid path, nullopt when valid.
std::optional<std::string> path_error(std::string_view path, bool sequential = false);

bool is_utf8(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// Data as JSON: {"data": text-or-null, "encoding": "utf8"|"base64"} merged into `into`.
void put_data(nlohmann::json& into, const client::Data& data);
std::optional<client::Data> get_data(const nlohmann::json& from);

}  // namespace wd::shell
