// ACL schemes and matching, as ZooKeeper 3.8's server applies them
// (ZooKeeperServer.checkACL, PrepRequestProcessor.fixupACL, server/auth/*Provider.java).
//
// Schemes: world:anyone, auth (expanded at create/setACL time), digest ("user:base64(sha1)"),
// ip ("addr" or "addr/bits"). Pure functions; no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/code.h"
#include "base/result.h"
#include "proto/records.h"
#include "tree/data_tree.h"

namespace wd::tree {

// DigestAuthenticationProvider.generateDigest: "user:base64(sha1(user:password))", where user
// is the text before the first ':'. The server calls it for `addauth digest user:password`
// and compares the result with the configured super digest.
std::string digest_id(std::string_view user_colon_password);

// Standard base64 with padding (used by digest_id; exported for tests and tools).
std::string base64_encode(std::string_view bytes);

// ZooKeeperServer.checkACL: true when `who` is super, when `acl` is empty, or when an entry
// grants any bit of `perm` to world:anyone or to one of `who`'s ids (digest: exact match;
// ip: address match under the entry's mask).
bool acl_permits(const std::vector<proto::Acl>& acl, int32_t perm, const Identity& who);

// IPAuthenticationProvider: `acl_expr` is "addr" or "addr/bits". Deviation from 3.8, which
// knows only IPv4: IPv6 addresses are accepted too. An IPv4-mapped IPv6 client address
// ("::ffff:1.2.3.4") matches IPv4 entries. A "%zone" suffix of the client address is ignored.
bool ip_matches(std::string_view client_addr, std::string_view acl_expr);
bool ip_valid(std::string_view acl_expr);

// DigestAuthenticationProvider.isValid: Java's id.split(":") yields exactly two parts.
bool digest_valid(std::string_view id);

// PrepRequestProcessor.fixupACL: removes duplicates, then checks and expands every entry.
// INVALIDACL for an empty list, an unknown scheme, an invalid id, or an `auth` entry when
// `who` has no authenticated (non-ip) id. `auth` entries expand to every such id of `who`.
Result<std::vector<proto::Acl>, Code> fixup_acl(const std::vector<proto::Acl>& acl,
                                                const Identity& who);

// FinalRequestProcessor getACL without ADMIN: digest ids lose their password hash
// ("user:x").
std::vector<proto::Acl> redact_digests(std::vector<proto::Acl> acl);

}  // namespace wd::tree
