// Connect strings ("host1:port1,host2:port2/chroot") and chroot path mapping, as the Java
// client's ConnectStringParser, StaticHostProvider and ZooKeeper.prependChroot.
//
// Parsing returns errors as values (Status::invalid_argument). Pure: no name resolution here;
// the Asio layer resolves a host when the state machine asks to connect to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace wd::client {

inline constexpr uint16_t default_port = 2181;

struct HostPort {
    std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
    uint16_t port = default_port;
    bool operator==(const HostPort&) const = default;
};

struct ConnectString {
    std::vector<HostPort> hosts;  // at least one, in the order written
    std::string chroot;           // "" for none, else a valid path other than "/"
    bool operator==(const ConnectString&) const = default;
};

// Parses "h1[:p1],h2[:p2][/chroot]". IPv6 hosts are written in brackets: "[::1]:2181".
// A missing port means 2181; a chroot of "/" means none.
Result<ConnectString> parse_connect_string(std::string_view text);

// The hosts in the order the client tries them: a permutation chosen by `seed` (the Java
// client shuffles them once, then goes round-robin).
std::vector<HostPort> order_hosts(std::vector<HostPort> hosts, uint64_t seed);

// ZooKeeper's path rules (PathUtils.validatePath): absolute, no empty, "." or ".." segments,
// no trailing '/' (allowed when `sequential`: the server appends the counter), no NUL.
Result<void> validate_path(std::string_view path, bool sequential = false);

// The server path of a client path: the chroot prefixed ("/" maps to the chroot itself).
std::string prepend_chroot(std::string_view chroot, std::string_view client_path);
// The client path of a server path: the chroot removed when it is a prefix; paths outside the
// chroot are returned unchanged (the Java client does the same).
std::string strip_chroot(std::string_view chroot, std::string_view server_path);

}  // namespace wd::client
