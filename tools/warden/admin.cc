#include "admin.h"

#include <algorithm>
#include <charconv>

namespace wd::shell {

namespace {

std::string_view trim(std::string_view s) {
    size_t first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    size_t last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

std::optional<int64_t> to_int64(std::string_view text) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Calls `fn(key, value)` for each "key=value" line of a properties text (comments, blank lines
// and lines without '=' skipped; key and value trimmed).
template <class Fn>
void for_each_property(std::string_view text, Fn fn) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = trim(text.substr(start, end - start));
        start = end + 1;
        if (line.empty() || line[0] == '#' || line[0] == '!') continue;
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        fn(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    }
}

// The client address of a server spec: the part after ';' as "port" or "host:port".
std::optional<std::string> client_address_of(std::string_view spec) {
    size_t semi = spec.find(';');
    if (semi == std::string_view::npos) return std::nullopt;
    std::string_view client = spec.substr(semi + 1);
    if (client.find(';') != std::string_view::npos) return std::nullopt;
    size_t colon = client.rfind(':');
    std::string_view host = colon == std::string_view::npos ? "0.0.0.0" : client.substr(0, colon);
    std::string_view port = colon == std::string_view::npos ? client : client.substr(colon + 1);
    if (!host.empty() && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (!to_int64(port)) return std::nullopt;
    return std::string(host) + ":" + std::string(port);
}

}  // namespace

std::string quota_limits_path(std::string_view path) {
    return std::string(quota_root) + std::string(path) + "/zookeeper_limits";
}

std::string quota_stats_path(std::string_view path) {
    return std::string(quota_root) + std::string(path) + "/zookeeper_stats";
}

QuotaRecord QuotaRecord::parse(std::string_view text) {
    QuotaRecord record;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find_first_of(",;", start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view pair = text.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = pair.substr(0, eq);
        std::string_view value = pair.substr(eq + 1);
        value = value.substr(0, value.find('='));  // "bytes=100=": the value ends at '='
        if (value.empty()) {
            record.set(key, -1);
        } else if (auto n = to_int64(value)) {
            record.set(key, *n);
        }
    }
    return record;
}

int64_t QuotaRecord::get(std::string_view key) const {
    for (const auto& [k, v] : values_) {
        if (k == key) return v;
    }
    return -1;
}

void QuotaRecord::set(std::string_view key, int64_t value) {
    for (auto& [k, v] : values_) {
        if (k == key) {
            v = value;
            return;
        }
    }
    values_.emplace_back(std::string(key), value);
}

std::string QuotaRecord::text() const {
    std::string out =
        "count=" + std::to_string(get("count")) + ",bytes=" + std::to_string(get("bytes"));
    std::vector<std::pair<std::string, int64_t>> others;
    for (const auto& kv : values_) {
        if (kv.first != "count" && kv.first != "bytes") others.push_back(kv);
    }
    if (others.empty()) return out;
    std::sort(others.begin(), others.end());
    out += "=";
    for (const auto& [k, v] : others) out += ";" + k + "=" + std::to_string(v);
    return out;
}

nlohmann::json QuotaRecord::json() const {
    nlohmann::json out = {{"count", get("count")}, {"bytes", get("bytes")}};
    for (const auto& [k, v] : values_) out[k] = v;
    return out;
}

ConfigText parse_config(std::string_view text) {
    ConfigText config;
    for_each_property(text, [&](std::string_view key, std::string_view value) {
        if (key == "version") config.version = std::string(value);
        if (!key.starts_with("server.")) return;
        config.servers.push_back(ConfigServer{std::string(key.substr(7)), std::string(value),
                                              client_address_of(value)});
    });
    return config;
}

std::string client_config_text(const ConfigText& config) {
    std::string out = config.version + " ";
    for (size_t i = 0; i < config.servers.size(); ++i) {
        if (i > 0) out += ",";
        out += config.servers[i].client_address.value_or("");
    }
    return out;
}

nlohmann::json config_json(const ConfigText& config) {
    nlohmann::json servers = nlohmann::json::array();
    for (const auto& s : config.servers) {
        nlohmann::json entry = {{"id", s.id}, {"spec", s.spec}};
        entry["clientAddress"] = s.client_address ? nlohmann::json(*s.client_address) : nullptr;
        servers.push_back(std::move(entry));
    }
    nlohmann::json out = {{"servers", servers}};
    out["version"] = nullptr;
    if (!config.version.empty()) out["version"] = config.version;
    return out;
}

std::optional<std::string> members_from_file_text(std::string_view text) {
    std::string members;
    for_each_property(text, [&](std::string_view key, std::string_view value) {
        if (!key.starts_with("server.")) return;
        if (!members.empty()) members += "\n";
        members += std::string(key) + "=" + std::string(value);
    });
    if (members.empty()) return std::nullopt;
    return members;
}

}  // namespace wd::shell
