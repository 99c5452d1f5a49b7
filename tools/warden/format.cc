#include "format.h"

#include <ctime>

namespace wd::shell {

std::vector<std::string> tokenize(std::string_view line) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i >= line.size()) break;
        char quote = line[i];
        if (quote == '"' || quote == '\'') {
            size_t end = line.find(quote, i + 1);
            if (end != std::string_view::npos) {
                words.emplace_back(line.substr(i + 1, end - i - 1));
                i = end + 1;
                continue;
            }
        }
        size_t end = i;
        while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
        words.emplace_back(line.substr(i, end - i));
        i = end;
    }
    return words;
}

bool ParsedArgs::has(char option) const {
    for (const auto& [name, value] : options) {
        if (name == option) return true;
    }
    return false;
}

std::optional<std::string> ParsedArgs::value(char option) const {
    for (const auto& [name, value] : options) {
        if (name == option) return value;
    }
    return std::nullopt;
}

std::optional<ParsedArgs> parse_args(const std::vector<std::string>& words, std::string_view spec) {
    ParsedArgs parsed;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        bool looks_like_option =
            word.size() == 2 && word[0] == '-' && std::isalpha(static_cast<unsigned char>(word[1]));
        if (!looks_like_option) {
            parsed.positional.push_back(word);
            continue;
        }
        size_t at = spec.find(word[1]);
        if (at == std::string_view::npos) return std::nullopt;
        bool takes_value = at + 1 < spec.size() && spec[at + 1] == ':';
        if (!takes_value) {
            parsed.options.emplace_back(word[1], "");
            continue;
        }
        if (i + 1 >= words.size()) return std::nullopt;
        parsed.options.emplace_back(word[1], words[++i]);
    }
    return parsed;
}

std::string java_date(int64_t epoch_ms) {
    std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof(buf), "%a %b %d %H:%M:%S %Z %Y", &tm);
    return std::string(buf, n);
}

static std::string hex(int64_t value) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0x%llx",
                  static_cast<unsigned long long>(static_cast<uint64_t>(value)));
    return buf;
}

std::string stat_text(const client::Stat& s) {
    std::string out;
    out += "cZxid = " + hex(s.czxid) + "\n";
    out += "ctime = " + java_date(s.ctime) + "\n";
    out += "mZxid = " + hex(s.mzxid) + "\n";
    out += "mtime = " + java_date(s.mtime) + "\n";
    out += "pZxid = " + hex(s.pzxid) + "\n";
    out += "cversion = " + std::to_string(s.cversion) + "\n";
    out += "dataVersion = " + std::to_string(s.version) + "\n";
    out += "aclVersion = " + std::to_string(s.aversion) + "\n";
    out += "ephemeralOwner = " + hex(s.ephemeral_owner) + "\n";
    out += "dataLength = " + std::to_string(s.data_length) + "\n";
    out += "numChildren = " + std::to_string(s.num_children);
    return out;
}

nlohmann::json stat_json(const client::Stat& s) {
    return {{"cZxid", s.czxid},
            {"ctime", s.ctime},
            {"mZxid", s.mzxid},
            {"mtime", s.mtime},
            {"pZxid", s.pzxid},
            {"cversion", s.cversion},
            {"dataVersion", s.version},
            {"aclVersion", s.aversion},
            {"ephemeralOwner", s.ephemeral_owner},
            {"dataLength", s.data_length},
            {"numChildren", s.num_children}};
}

std::string perms_text(int32_t perms) {
    std::string p;
    if (perms & proto::perms::create) p += 'c';
    if (perms & proto::perms::remove) p += 'd';
    if (perms & proto::perms::read) p += 'r';
    if (perms & proto::perms::write) p += 'w';
    if (perms & proto::perms::admin) p += 'a';
    return p;
}

std::string acl_text(const std::vector<client::Acl>& acl) {
    std::string out;
    for (const auto& a : acl) {
        if (!out.empty()) out += "\n";
        out += "'" + a.id.scheme + ",'" + a.id.id + "\n: " + perms_text(a.perms);
    }
    return out;
}

nlohmann::json acl_json(const std::vector<client::Acl>& acl) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : acl) {
        list.push_back({{"scheme", a.id.scheme}, {"id", a.id.id}, {"perms", perms_text(a.perms)}});
    }
    return list;
}

static int32_t parse_perms(std::string_view text, std::vector<std::string>& warnings) {
    int32_t perms = 0;
    for (char c : text) {
        switch (c) {
            case 'r': perms |= proto::perms::read; break;
            case 'w': perms |= proto::perms::write; break;
            case 'c': perms |= proto::perms::create; break;
            case 'd': perms |= proto::perms::remove; break;
            case 'a': perms |= proto::perms::admin; break;
            default: warnings.push_back(std::string("Unknown perm type: ") + c);
        }
    }
    return perms;
}

std::vector<client::Acl> parse_acl(std::string_view text, std::vector<std::string>& warnings) {
    std::vector<client::Acl> acl;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string_view entry = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        size_t first = entry.find(':');
        size_t last = entry.rfind(':');
        if (first == std::string_view::npos || first == last) {
            warnings.push_back(std::string(entry) + " does not have the form scheme:id:perm");
        } else {
            client::Acl a;
            a.id.scheme = std::string(entry.substr(0, first));
            a.id.id = std::string(entry.substr(first + 1, last - first - 1));
            a.perms = parse_perms(entry.substr(last + 1), warnings);
            acl.push_back(std::move(a));
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return acl;
}

std::string_view event_type_name(client::EventType type) {
    using E = client::EventType;
    switch (type) {
        case E::none: return "None";
        case E::node_created: return "NodeCreated";
        case E::node_deleted: return "NodeDeleted";
        case E::node_data_changed: return "NodeDataChanged";
        case E::node_children_changed: return "NodeChildrenChanged";
        case E::data_watch_removed: return "DataWatchRemoved";
        case E::child_watch_removed: return "ChildWatchRemoved";
        case E::persistent_watch_removed: return "PersistentWatchRemoved";
    }
    return "Unknown";
}

static std::string_view keeper_state_name(client::KeeperState state) {
    using K = client::KeeperState;
    switch (state) {
        case K::disconnected: return "Disconnected";
        case K::no_sync_connected: return "NoSyncConnected";
        case K::sync_connected: return "SyncConnected";
        case K::auth_failed: return "AuthFailed";
        case K::connected_read_only: return "ConnectedReadOnly";
        case K::sasl_authenticated: return "SaslAuthenticated";
        case K::expired: return "Expired";
        case K::closed: return "Closed";
        case K::unknown: break;
    }
    return "Unknown";
}

std::string event_text(const client::WatchEvent& e) {
    return "WatchedEvent state:" + std::string(keeper_state_name(e.state)) +
           " type:" + std::string(event_type_name(e.type)) +
           " path:" + (e.path.empty() ? std::string("null") : e.path);
}

// KeeperException.Code's message, as in "KeeperErrorCode = <message> for /path".
static std::string_view keeper_message(Code code) {
    switch (code) {
        case Code::system_error: return "SystemError";
        case Code::runtime_inconsistency: return "RuntimeInconsistency";
        case Code::data_inconsistency: return "DataInconsistency";
        case Code::connection_loss: return "ConnectionLoss";
        case Code::marshalling_error: return "MarshallingError";
        case Code::unimplemented: return "Unimplemented";
        case Code::operation_timeout: return "OperationTimeout";
        case Code::bad_arguments: return "BadArguments";
        case Code::unknown_session: return "Unknown session";
        case Code::new_config_no_quorum: return "NewConfigNoQuorum";
        case Code::reconfig_in_progress: return "ReconfigInProgress";
        case Code::api_error: return "APIError";
        case Code::no_node: return "NoNode";
        case Code::no_auth: return "NoAuth";
        case Code::bad_version: return "BadVersion";
        case Code::no_children_for_ephemerals: return "NoChildrenForEphemerals";
        case Code::node_exists: return "NodeExists";
        case Code::not_empty: return "Directory not empty";
        case Code::session_expired: return "Session expired";
        case Code::invalid_callback: return "Invalid callback";
        case Code::invalid_acl: return "InvalidACL";
        case Code::auth_failed: return "AuthFailed";
        case Code::session_moved: return "Session moved";
        case Code::not_read_only: return "Not a read-only call";
        case Code::ephemeral_on_local_session: return "Ephemeral node on local session";
        case Code::no_watcher: return "No such watcher";
        case Code::request_timeout: return "Request timeout";
        case Code::reconfig_disabled: return "Reconfig is disabled";
        case Code::session_closed_require_sasl_auth:
            return "Session closed because client failed to authenticate";
        case Code::quota_exceeded: return "Quota has exceeded";
        case Code::throttled_op: return "Op throttled due to high load";
        case Code::ok: return "ok";
    }
    return "Unknown";
}

std::string error_text(Code code, std::string_view path) {
    std::string p(path);
    switch (code) {
        case Code::no_node: return "Node does not exist: " + p;
        case Code::no_children_for_ephemerals: return "Ephemerals cannot have children: " + p;
        case Code::node_exists: return "Node already exists: " + p;
        case Code::not_empty: return "Node not empty: " + p;
        case Code::not_read_only: return "Not a read-only call: " + p;
        case Code::invalid_acl: return "Acl is not valid : " + p;
        case Code::no_auth: return "Insufficient permission : " + p;
        case Code::bad_arguments: return "Arguments are not valid : " + p;
        case Code::bad_version: return "version No is not valid : " + p;
        case Code::quota_exceeded: return "Quota has exceeded : " + p;
        case Code::reconfig_in_progress:
            return "Another reconfiguration is in progress -- concurrent reconfigs not "
                   "supported (yet)";
        case Code::new_config_no_quorum:
            // "commmitted" is zkCli's spelling.
            return "No quorum of new config is connected and up-to-date with the leader of "
                   "last commmitted config - try invoking reconfiguration after new servers "
                   "are connected and synced";
        default: break;
    }
    std::string text = "KeeperErrorCode = " + std::string(keeper_message(code));
    if (!p.empty()) text += " for " + p;
    return text;
}

static std::optional<std::string> path_reason(std::string_view path) {
    for (size_t i = 1; i < path.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(path[i]);
        char last = path[i - 1];
        bool segment_end = i + 1 == path.size() || path[i + 1] == '/';
        if (c == 0) return "null character not allowed @" + std::to_string(i);
        if (c == '/' && last == '/') return "empty node name specified @" + std::to_string(i);
        if (c == '.' && last == '.' && i >= 2 && path[i - 2] == '/' && segment_end) {
            return "relative paths not allowed @" + std::to_string(i);
        }
        if (c == '.' && last == '/' && segment_end) {
            return "relative paths not allowed @" + std::to_string(i);
        }
        if ((c > 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f)) {
            return "invalid character @" + std::to_string(i);
        }
    }
    return std::nullopt;
}

std::optional<std::string> path_error(std::string_view path, bool sequential) {
    std::string full(path);
    if (sequential) full += "1";
    if (full.empty()) return "Path length must be > 0";
    if (full[0] != '/') return "Path must start with / character";
    if (full.size() == 1) return std::nullopt;
    if (full.back() == '/') return "Path must not end with / character";
    auto reason = path_reason(full);
    if (!reason) return std::nullopt;
    return "Invalid path string \"" + full + "\" caused by " + *reason;
}

bool is_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        if (c < 0x80) {
            n = 0;
        } else if ((c >> 5) == 0x6) {
            n = 1;
        } else if ((c >> 4) == 0xe) {
            n = 2;
        } else if ((c >> 3) == 0x1e) {
            n = 3;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;
        for (size_t k = 1; k <= n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        }
        i += n + 1;
    }
    return true;
}

static constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(acc >> bits) & 0x3f];
        }
    }
    if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
    while (out.size() % 4 != 0) out += '=';
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        size_t v = kAlphabet.find(c);
        if (v == std::string_view::npos) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

void put_data(nlohmann::json& into, const client::Data& data) {
    if (!data) {
        into["data"] = nullptr;
    } else if (is_utf8(*data)) {
        into["data"] = *data;
    } else {
        into["data"] = base64_encode(*data);
        into["encoding"] = "base64";
    }
}

std::optional<client::Data> get_data(const nlohmann::json& from) {
    auto it = from.find("data");
    if (it == from.end() || it->is_null()) return client::Data{};
    if (!it->is_string()) return std::nullopt;
    if (from.value("encoding", "utf8") == "base64") {
        auto bytes = base64_decode(it->get<std::string>());
        if (!bytes) return std::nullopt;
        return client::Data{*bytes};
    }
    return client::Data{it->get<std::string>()};
}

}  // namespace wd::shell
