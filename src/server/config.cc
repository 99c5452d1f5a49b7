#include "server/config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace wd::server {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

template <class T>
bool parse_int(std::string_view s, T& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_bool(std::string_view s, bool& out) {
    std::string lower(s);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "true" || lower == "yes") {
        out = true;
        return true;
    }
    if (lower == "false" || lower == "no") {
        out = false;
        return true;
    }
    return false;
}

// Keys ZooKeeper accepts that Warden reads but does not act on (reported as ignored).
constexpr std::string_view ignored_keys[] = {
    "initLimit",
    "maxCnxns",
    "preAllocSize",
    "commitLogCount",
    "globalOutstandingLimit",
    "fsync.warningthresholdms",
    "snapSizeLimitInKb",
    "txnLogSizeLimitInKb",
    "admin.enableServer",
    "admin.serverPort",
    "admin.serverAddress",
    "admin.commandURL",
    "metricsProvider.className",
    "metricsProvider.httpPort",
    "metricsProvider.exportJvmInfo",
    "dynamicConfigFile",
    "localSessionsEnabled",
    "localSessionsUpgradingEnabled",
    "digest.enabled",
    "snapshot.compression.method",
    "snapshot.trust.empty",
    "audit.enable",
    "requestThrottleLimit",
    "connectionMaxTokens",
    "secureClientPort",
    "secureClientPortAddress",
    "serverCnxnFactory",
    "sslQuorum",
    "portUnification",
    "quorumListenOnAllIPs",
    "electionAlg",
    "jute.maxbuffer.extrasize",
    "syncEnabled",
    "authProvider.1",
    "authProvider.2",
    "authProvider.3",
    "znode.container.maxNeverUsedIntervalMs",
    "clientCnxnSocket",
    "skipACL",
    "multiAddress.enabled",
    "observerMasterPort",
    "maxResponseCacheSize",
    "maxGetChildrenResponseCacheSize",
    "leaderServes",
    "cnxTimeout",
    "electionPortBindRetry",
    "zookeeper.DigestAuthenticationProvider.digestAlg",
    "DigestAuthenticationProvider.digestAlg",
    "enforce.auth.enabled",
    "enforce.auth.schemes",
    "sessionRequireClientSASLAuth",
};

struct Line {
    std::string key;
    std::string value;
    int number = 0;
};

Result<void> bad(std::string_view origin, int line, const std::string& what) {
    return err(
        Status::invalid_argument(std::string(origin) + ":" + std::to_string(line) + ": " + what));
}

template <class T>
Result<void> set_int(const Line& l, std::string_view origin, T& out, T min_value) {
    T v{};
    if (!parse_int(l.value, v) || v < min_value) {
        return bad(origin, l.number, "invalid value '" + l.value + "' for " + l.key);
    }
    out = v;
    return {};
}

Result<void> set_bool(const Line& l, std::string_view origin, bool& out) {
    if (!parse_bool(l.value, out)) {
        return bad(origin, l.number,
                   "invalid value '" + l.value + "' for " + l.key + " (want true or false)");
    }
    return {};
}

Result<void> apply_core(const Line& l, std::string_view origin, Config& c, bool& used) {
    used = true;
    const std::string& k = l.key;
    if (k == "tickTime") return set_int(l, origin, c.tick_time_ms, 1);
    if (k == "dataDir") {
        c.data_dir = l.value;
        return {};
    }
    if (k == "dataLogDir") {
        c.data_log_dir = l.value;
        return {};
    }
    if (k == "clientPort") {
        int32_t port = 0;
        WD_TRY(set_int(l, origin, port, 0));
        if (port > 65535) {
            return bad(origin, l.number, "clientPort out of range: " + l.value);
        }
        c.client_port = static_cast<uint16_t>(port);
        return {};
    }
    if (k == "clientPortAddress") {
        c.client_port_address = l.value;
        return {};
    }
    if (k == "maxClientCnxns") return set_int(l, origin, c.max_client_cnxns, 0);
    if (k == "minSessionTimeout") return set_int(l, origin, c.min_session_timeout_ms, -1);
    if (k == "maxSessionTimeout") return set_int(l, origin, c.max_session_timeout_ms, -1);
    if (k == "autopurge.snapRetainCount") return set_int(l, origin, c.snap_retain_count, 1);
    if (k == "autopurge.purgeInterval") return set_int(l, origin, c.purge_interval_hours, 0);
    if (k == "snapCount") return set_int(l, origin, c.snap_count, int64_t{2});
    used = false;
    return {};
}

Result<uint16_t> parse_port(std::string_view text, std::string_view origin, int line,
                            const std::string& what) {
    int32_t port = 0;
    if (!parse_int(text, port) || port <= 0 || port > 65535) {
        WD_TRY(bad(origin, line, "invalid " + what + " '" + std::string(text) + "'"));
    }
    return static_cast<uint16_t>(port);
}

// server.N=host:peerPort:electionPort[:participant|observer][;[clientHost:]clientPort]
Result<void> parse_server_line(const Line& l, std::string_view origin, Config& c) {
    ServerSpec spec;
    if (!parse_int(std::string_view(l.key).substr(7), spec.id) || spec.id <= 0 ||
        spec.id > 255) {
        return bad(origin, l.number, "server id in '" + l.key + "' must be 1..255");
    }
    std::string_view value = l.value;
    std::string_view client;
    if (size_t semi = value.find(';'); semi != std::string_view::npos) {
        client = trim(value.substr(semi + 1));
        value = trim(value.substr(0, semi));
    }
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (parts.size() < 5) {
        size_t colon = value.find(':', pos);
        parts.push_back(value.substr(pos, colon - pos));
        if (colon == std::string_view::npos) {
            break;
        }
        pos = colon + 1;
    }
    if (parts.size() < 3 || parts.size() > 4 || parts[0].empty()) {
        return bad(origin, l.number,
                   l.key + ": expected host:peerPort:electionPort[:participant|observer]"
                           "[;[clientHost:]clientPort], got '" + l.value + "'");
    }
    spec.host = std::string(parts[0]);
    auto peer = parse_port(parts[1], origin, l.number, "peer port");
    WD_TRY(peer);
    auto election = parse_port(parts[2], origin, l.number, "election port");
    WD_TRY(election);
    spec.peer_port = *peer;
    spec.election_port = *election;
    if (parts.size() == 4) {
        if (parts[3] == "observer") {
            spec.observer = true;
        } else if (parts[3] != "participant") {
            return bad(origin, l.number, l.key + ": role must be participant or observer, got '" +
                                             std::string(parts[3]) + "'");
        }
    }
    if (!client.empty()) {
        std::string_view port_text = client;
        if (size_t colon = client.rfind(':'); colon != std::string_view::npos) {
            spec.client_host = std::string(client.substr(0, colon));
            port_text = client.substr(colon + 1);
        }
        auto port = parse_port(port_text, origin, l.number, "client port");
        WD_TRY(port);
        spec.client_port = *port;
    }
    for (const ServerSpec& other : c.servers) {
        if (other.id == spec.id) {
            return bad(origin, l.number, "server." + std::to_string(spec.id) + " given twice");
        }
    }
    c.servers.push_back(spec);
    return {};
}

Result<void> apply_ensemble(const Line& l, std::string_view origin, Config& c, bool& used) {
    used = true;
    const std::string& k = l.key;
    if (k.starts_with("server.")) return parse_server_line(l, origin, c);
    if (k == "syncLimit") return set_int(l, origin, c.sync_limit, 1);
    if (k == "standaloneEnabled") return set_bool(l, origin, c.standalone_enabled);
    if (k == "peerType") {
        if (l.value != "observer" && l.value != "participant") {
            return bad(origin, l.number, "peerType must be observer or participant");
        }
        c.peer_type_observer = l.value == "observer";
        return {};
    }
    used = false;
    return {};
}

Result<void> apply_feature(const Line& l, std::string_view origin, Config& c, bool& used) {
    used = true;
    const std::string& k = l.key;
    if (k == "jute.maxbuffer") {
        WD_TRY(set_int(l, origin, c.jute_max_buffer, int64_t{1024}));
        if (c.jute_max_buffer > (int64_t{64} << 20)) {
            return bad(origin, l.number, "jute.maxbuffer above 64 MiB is not supported");
        }
        return {};
    }
    if (k == "extendedTypesEnabled") return set_bool(l, origin, c.extended_types_enabled);
    if (k == "enforceQuota") return set_bool(l, origin, c.enforce_quota);
    if (k == "reconfigEnabled") return set_bool(l, origin, c.reconfig_enabled);
    if (k == "readonlymode.enabled") return set_bool(l, origin, c.read_only_mode_enabled);
    if (k == "warden.eventLoopSpinMicros") {
        return set_int(l, origin, c.event_loop_spin_us, int32_t{0});
    }
    if (k == "forceSync") {
        std::string v = l.value;
        std::transform(v.begin(), v.end(), v.begin(), ::tolower);
        if (v != "yes" && v != "no" && v != "true" && v != "false") {
            return bad(origin, l.number, "invalid value '" + l.value + "' for forceSync");
        }
        c.force_sync = (v == "yes" || v == "true");
        return {};
    }
    if (k == "4lw.commands.whitelist") {
        c.four_letter_whitelist.clear();
        std::stringstream ss(l.value);
        std::string word;
        while (std::getline(ss, word, ',')) {
            word = std::string(trim(word));
            if (!word.empty()) {
                c.four_letter_whitelist.push_back(word);
            }
        }
        return {};
    }
    if (k == "DigestAuthenticationProvider.superDigest") {
        if (l.value.find(':') == std::string::npos) {
            return bad(origin, l.number, "superDigest must be user:base64(sha1), got " + l.value);
        }
        c.super_digest = l.value;
        return {};
    }
    if (k == "znode.container.checkIntervalMs") {
        return set_int(l, origin, c.container_check_interval_ms, int64_t{1});
    }
    if (k == "znode.container.maxPerMinute") {
        return set_int(l, origin, c.container_max_per_minute, int64_t{1});
    }
    used = false;
    return {};
}

bool is_ignored_key(std::string_view key) {
    if (key.starts_with("group.") || key.starts_with("weight.") ||
        key.starts_with("ssl.") || key.starts_with("admin.") ||
        key.starts_with("metricsProvider.") || key.starts_with("authProvider.") ||
        key.starts_with("quorum.") || key.starts_with("client.") || key.starts_with("sasl")) {
        return true;
    }
    return std::find(std::begin(ignored_keys), std::end(ignored_keys), key) !=
           std::end(ignored_keys);
}

}  // namespace

bool Config::four_letter_allowed(std::string_view word) const {
    for (const auto& w : four_letter_whitelist) {
        if (w == "*" || w == word) {
            return true;
        }
    }
    return false;
}

Result<Config> parse_config(std::string_view text, std::string_view origin) {
    Config c;
    std::vector<Line> lines;
    int number = 0;
    size_t pos = 0;
    while (pos <= text.size() && number < 1'000'000) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view raw = trim(text.substr(pos, end - pos));
        ++number;
        pos = end + 1;
        if (raw.empty() || raw.front() == '#' || raw.front() == '!') {
            continue;
        }
        size_t eq = raw.find('=');
        if (eq == std::string_view::npos) {
            return err(Status::invalid_argument(std::string(origin) + ":" + std::to_string(number) +
                                                ": expected key=value, got '" + std::string(raw) +
                                                "'"));
        }
        std::string key(trim(raw.substr(0, eq)));
        std::string value(trim(raw.substr(eq + 1)));
        if (key.empty()) {
            return err(Status::invalid_argument(std::string(origin) + ":" + std::to_string(number) +
                                                ": empty key"));
        }
        // ZooKeeper reads its zookeeper.* system properties from zoo.cfg without the prefix.
        if (key.starts_with("zookeeper.")) {
            key = key.substr(10);
        }
        lines.push_back(Line{key, value, number});
        c.raw.emplace_back(key, value);
    }
    for (const Line& l : lines) {
        bool used = false;
        WD_TRY(apply_core(l, origin, c, used));
        if (!used) {
            WD_TRY(apply_feature(l, origin, c, used));
        }
        if (!used) {
            WD_TRY(apply_ensemble(l, origin, c, used));
        }
        if (used) {
            continue;
        }
        std::string where = std::string(origin) + ":" + std::to_string(l.number);
        if (is_ignored_key(l.key)) {
            c.notes.push_back(where + ": ignoring " + l.key + " (not implemented by Warden)");
        } else {
            c.notes.push_back(where + ": ignoring unknown key " + l.key);
        }
    }
    if (c.data_dir.empty()) {
        return err(Status::invalid_argument(std::string(origin) + ": dataDir is not set"));
    }
    if (c.data_log_dir.empty()) {
        c.data_log_dir = c.data_dir;
    }
    if (c.min_session_timeout() > c.max_session_timeout()) {
        return err(Status::invalid_argument(std::string(origin) +
                                            ": minSessionTimeout must not be larger than "
                                            "maxSessionTimeout"));
    }
    std::sort(c.servers.begin(), c.servers.end(),
              [](const ServerSpec& a, const ServerSpec& b) { return a.id < b.id; });
    return c;
}

const ServerSpec* Config::my_spec() const {
    for (const ServerSpec& s : servers) {
        if (s.id == my_id) {
            return &s;
        }
    }
    return nullptr;
}

Result<void> resolve_ensemble(Config& c, std::string_view origin) {
    const ServerSpec* me = c.my_spec();
    if (me == nullptr) {
        return err(Status::invalid_argument(std::string(origin) + ": myid " +
                                            std::to_string(c.my_id) +
                                            " names no server.N line"));
    }
    if (me->observer != c.peer_type_observer && me->observer) {
        c.peer_type_observer = true;
    }
    size_t voters = 0;
    for (const ServerSpec& s : c.servers) {
        voters += s.observer ? 0 : 1;
    }
    if (voters == 0) {
        return err(Status::invalid_argument(std::string(origin) + ": no participant servers"));
    }
    if (me->client_port != 0) {
        c.client_port = me->client_port;
        if (!me->client_host.empty()) {
            c.client_port_address = me->client_host;
        }
    }
    return {};
}

Result<Config> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return err(Status::io_error("cannot read config file " + path));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto config = parse_config(ss.str(), path);
    if (!config.ok() || !config->ensemble()) {
        return config;
    }
    std::string myid_path = config->data_dir + "/myid";
    std::ifstream myid(myid_path);
    std::string text;
    if (!myid || !std::getline(myid, text)) {
        return err(Status::invalid_argument(path + ": an ensemble needs " + myid_path +
                                            " holding this server's id"));
    }
    if (!parse_int(trim(text), config->my_id)) {
        return err(Status::invalid_argument(myid_path + ": expected a server id, got '" + text +
                                            "'"));
    }
    WD_TRY(resolve_ensemble(*config, path));
    return config;
}

std::string_view default_config_text() {
    return "# Warden's embedded default: a standalone server for local use.\n"
           "tickTime=2000\n"
           "dataDir=warden-data\n"
           "clientPort=2181\n"
           "clientPortAddress=127.0.0.1\n"
           "maxClientCnxns=60\n"
           "autopurge.snapRetainCount=3\n"
           "4lw.commands.whitelist=srvr,ruok,stat,mntr,conf,isro\n";
}

}  // namespace wd::server
