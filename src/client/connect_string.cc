#include "client/connect_string.h"

#include <charconv>

#include "base/rng.h"

namespace wd::client {

namespace {

Result<uint16_t> parse_port(std::string_view text, std::string_view entry) {
    uint32_t port = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port == 0 ||
        port > 65535) {
        return err(Status::invalid_argument("bad port in '" + std::string(entry) + "'"));
    }
    return static_cast<uint16_t>(port);
}

Result<HostPort> parse_host(std::string_view entry) {
    HostPort hp;
    std::string_view rest;
    if (entry.starts_with('[')) {
        size_t close = entry.find(']');
        if (close == std::string_view::npos || close == 1) {
            return err(Status::invalid_argument("bad IPv6 host '" + std::string(entry) + "'"));
        }
        hp.host = std::string(entry.substr(1, close - 1));
        rest = entry.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) {
            return err(Status::invalid_argument("bad IPv6 host '" + std::string(entry) + "'"));
        }
    } else {
        size_t colon = entry.rfind(':');
        hp.host = std::string(entry.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : entry.substr(colon);
    }
    if (hp.host.empty()) {
        return err(Status::invalid_argument("empty host in '" + std::string(entry) + "'"));
    }
    if (!rest.empty()) {
        auto port = parse_port(rest.substr(1), entry);
        if (!port.ok()) {
            return err(port.error());
        }
        hp.port = *port;
    }
    return hp;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

Result<ConnectString> parse_connect_string(std::string_view text) {
    ConnectString out;
    size_t slash = text.find('/');
    std::string_view hosts = text.substr(0, slash);
    if (slash != std::string_view::npos) {
        std::string_view chroot = text.substr(slash);
        if (chroot.size() > 1) {
            auto valid = validate_path(chroot);
            if (!valid.ok()) {
                return err(Status::invalid_argument("bad chroot: " + valid.error().message()));
            }
            out.chroot = std::string(chroot);
        }
    }
    size_t entries_max = hosts.size() + 1;  // bound: at most one entry per character
    for (size_t i = 0; i < entries_max && !hosts.empty(); ++i) {
        size_t comma = hosts.find(',');
        std::string_view entry = trim(hosts.substr(0, comma));
        hosts = comma == std::string_view::npos ? std::string_view() : hosts.substr(comma + 1);
        if (entry.empty()) {
            continue;
        }
        auto hp = parse_host(entry);
        if (!hp.ok()) {
            return err(hp.error());
        }
        out.hosts.push_back(std::move(hp).value());
    }
    if (out.hosts.empty()) {
        return err(Status::invalid_argument("connect string has no host"));
    }
    return out;
}

std::vector<HostPort> order_hosts(std::vector<HostPort> hosts, uint64_t seed) {
    Rng rng(seed);
    for (size_t i = hosts.size(); i > 1; --i) {
        size_t j = rng.below(i);
        std::swap(hosts[i - 1], hosts[j]);
    }
    return hosts;
}

Result<void> validate_path(std::string_view path, bool sequential) {
    if (path.empty() || path.front() != '/') {
        return err(Status::invalid_argument("path must start with '/'"));
    }
    if (path.size() == 1) {
        return {};
    }
    if (path.back() == '/' && !sequential) {
        return err(Status::invalid_argument("path must not end with '/'"));
    }
    size_t start = 1;
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i < path.size() && path[i] == '\0') {
            return err(Status::invalid_argument("path contains a NUL character"));
        }
        if (i < path.size() && path[i] != '/') {
            continue;
        }
        std::string_view segment = path.substr(start, i - start);
        bool last = i == path.size();
        if (segment.empty() && !(last && sequential)) {
            return err(Status::invalid_argument("path has an empty segment"));
        }
        if (segment == "." || segment == "..") {
            return err(Status::invalid_argument("path has a relative segment"));
        }
        start = i + 1;
    }
    return {};
}

std::string prepend_chroot(std::string_view chroot, std::string_view client_path) {
    if (chroot.empty()) {
        return std::string(client_path);
    }
    if (client_path == "/") {
        return std::string(chroot);
    }
    return std::string(chroot) + std::string(client_path);
}

std::string strip_chroot(std::string_view chroot, std::string_view server_path) {
    if (chroot.empty() || !server_path.starts_with(chroot)) {
        return std::string(server_path);
    }
    if (server_path.size() == chroot.size()) {
        return "/";
    }
    if (server_path[chroot.size()] != '/') {
        return std::string(server_path);
    }
    return std::string(server_path.substr(chroot.size()));
}

}  // namespace wd::client
