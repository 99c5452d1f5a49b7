#include "tree/acl.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>

namespace wd::tree {

namespace {

using Bytes = std::vector<uint8_t>;

// Java's Integer.parseInt for the short decimal fields of an address: optional sign, then
// at least one ASCII digit. nullopt where Java throws NumberFormatException.
std::optional<int64_t> parse_java_int(std::string_view s) {
    size_t i = 0;
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == s.size() || s.size() - i > 10) {
        return std::nullopt;
    }
    int64_t v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return std::nullopt;
        }
        v = v * 10 + (s[i] - '0');
    }
    v = negative ? -v : v;
    if (v > INT32_MAX || v < INT32_MIN) {
        return std::nullopt;
    }
    return v;
}

std::optional<Bytes> parse_v4(std::string_view addr) {
    Bytes out;
    for (int part = 0; part < 4; ++part) {
        size_t dot = addr.find('.');
        std::string_view field = part == 3 ? addr : addr.substr(0, dot);
        if (part < 3 && dot == std::string_view::npos) {
            return std::nullopt;
        }
        auto v = parse_java_int(field);
        if (!v || *v < 0 || *v > 255) {
            return std::nullopt;
        }
        out.push_back(static_cast<uint8_t>(*v));
        addr = part == 3 ? std::string_view{} : addr.substr(dot + 1);
    }
    return out;
}

// Hex groups separated by ':' (no "::" inside); the last may be a dotted IPv4 when allowed.
bool parse_v6_groups(std::string_view s, bool allow_v4_tail, Bytes& out) {
    if (s.empty()) {
        return true;
    }
    for (int guard = 0; guard < 9; ++guard) {
        size_t colon = s.find(':');
        std::string_view group = s.substr(0, colon);
        if (colon == std::string_view::npos && allow_v4_tail &&
            group.find('.') != std::string_view::npos) {
            auto v4 = parse_v4(group);
            if (!v4) {
                return false;
            }
            out.insert(out.end(), v4->begin(), v4->end());
            return true;
        }
        if (group.empty() || group.size() > 4) {
            return false;
        }
        uint32_t v = 0;
        for (char c : group) {
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) {
                return false;
            }
            v = v * 16 + static_cast<uint32_t>(d);
        }
        out.push_back(static_cast<uint8_t>(v >> 8));
        out.push_back(static_cast<uint8_t>(v));
        if (colon == std::string_view::npos) {
            return true;
        }
        s = s.substr(colon + 1);
    }
    return false;
}

std::optional<Bytes> parse_v6(std::string_view addr) {
    size_t gap = addr.find("::");
    Bytes head;
    Bytes tail;
    if (gap == std::string_view::npos) {
        if (!parse_v6_groups(addr, true, head) || head.size() != 16) {
            return std::nullopt;
        }
        return head;
    }
    std::string_view right = addr.substr(gap + 2);
    if (right.find("::") != std::string_view::npos ||
        !parse_v6_groups(addr.substr(0, gap), false, head) || !parse_v6_groups(right, true, tail) ||
        head.size() + tail.size() > 14) {
        return std::nullopt;
    }
    head.resize(16 - tail.size(), 0);
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

std::optional<Bytes> parse_addr(std::string_view addr) {
    if (addr.find(':') != std::string_view::npos) {
        return parse_v6(addr);
    }
    return parse_v4(addr);
}

void mask_bits(Bytes& b, int64_t bits) {
    for (size_t i = 0; i < b.size(); ++i) {
        int64_t keep = std::clamp<int64_t>(bits - static_cast<int64_t>(i) * 8, 0, 8);
        b[i] &= static_cast<uint8_t>(0xff00u >> keep);
    }
}

// The ACL expression's address and prefix length; nullopt when IPAuthenticationProvider
// would call it invalid.
std::optional<std::pair<Bytes, int64_t>> parse_expr(std::string_view expr) {
    size_t slash = expr.find('/');
    auto addr = parse_addr(expr.substr(0, slash));
    if (!addr) {
        return std::nullopt;
    }
    int64_t bits = static_cast<int64_t>(addr->size()) * 8;
    if (slash != std::string_view::npos) {
        auto v = parse_java_int(expr.substr(slash + 1));
        if (!v || *v < 0 || *v > bits) {
            return std::nullopt;
        }
        bits = *v;
    }
    return std::make_pair(std::move(*addr), bits);
}

bool is_super(const Identity& who) {
    return who.super || std::any_of(who.ids.begin(), who.ids.end(),
                                    [](const proto::Id& id) { return id.scheme == "super"; });
}

// Schemes whose ids an `auth` ACL expands to (providers with isAuthenticated() true).
bool is_authenticated_scheme(std::string_view scheme) {
    return scheme != "ip" && scheme != "super" && scheme != "world";
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    static constexpr char table[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
        size_t left = bytes.size() - i;
        if (left > 1) {
            n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
        }
        if (left > 2) {
            n |= static_cast<uint8_t>(bytes[i + 2]);
        }
        out.push_back(table[(n >> 18) & 63]);
        out.push_back(table[(n >> 12) & 63]);
        out.push_back(left > 1 ? table[(n >> 6) & 63] : '=');
        out.push_back(left > 2 ? table[n & 63] : '=');
    }
    return out;
}

std::string digest_id(std::string_view user_colon_password) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_size = 0;
    int ok = EVP_Digest(user_colon_password.data(), user_colon_password.size(), md.data(), &md_size,
                        EVP_sha1(), nullptr);
    WD_ASSERT(ok == 1);
    WD_ASSERT(md_size == 20);
    std::string_view user = user_colon_password.substr(0, user_colon_password.find(':'));
    std::string out(user);
    out += ':';
    out += base64_encode(std::string_view(reinterpret_cast<const char*>(md.data()), md_size));
    return out;
}

bool ip_valid(std::string_view acl_expr) {
    return parse_expr(acl_expr).has_value();
}

bool ip_matches(std::string_view client_addr, std::string_view acl_expr) {
    auto expr = parse_expr(acl_expr);
    auto remote = parse_addr(client_addr.substr(0, client_addr.find('%')));
    if (!expr || !remote) {
        return false;
    }
    auto& [acl_addr, bits] = *expr;
    static constexpr uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (acl_addr.size() == 4 && remote->size() == 16 &&
        std::equal(remote->begin(), remote->begin() + 12, mapped_prefix)) {
        remote->erase(remote->begin(), remote->begin() + 12);
    }
    if (remote->size() != acl_addr.size()) {
        return false;
    }
    mask_bits(acl_addr, bits);
    mask_bits(*remote, bits);
    return *remote == acl_addr;
}

bool digest_valid(std::string_view id) {
    // Java's split drops trailing empty strings: "a:b:" has two parts, "a:" one.
    while (!id.empty() && id.back() == ':') {
        id.remove_suffix(1);
    }
    if (id.empty()) {
        return false;
    }
    return std::count(id.begin(), id.end(), ':') == 1;
}

bool acl_permits(const std::vector<proto::Acl>& acl, int32_t perm, const Identity& who) {
    if (acl.empty() || is_super(who)) {
        return true;
    }
    for (const proto::Acl& a : acl) {
        if ((a.perms & perm) == 0) {
            continue;
        }
        if (a.id.scheme == "world" && a.id.id == "anyone") {
            return true;
        }
        for (const proto::Id& mine : who.ids) {
            if (mine.scheme != a.id.scheme) {
                continue;
            }
            if (a.id.scheme == "digest" && mine.id == a.id.id) {
                return true;
            }
            if (a.id.scheme == "ip" && ip_matches(mine.id, a.id.id)) {
                return true;
            }
        }
    }
    return false;
}

Result<std::vector<proto::Acl>, Code> fixup_acl(const std::vector<proto::Acl>& acl,
                                                const Identity& who) {
    std::vector<proto::Acl> unique;
    for (const proto::Acl& a : acl) {
        if (std::find(unique.begin(), unique.end(), a) == unique.end()) {
            unique.push_back(a);
        }
    }
    if (unique.empty()) {
        return err(Code::invalid_acl);
    }
    std::vector<proto::Acl> out;
    for (const proto::Acl& a : unique) {
        const proto::Id& id = a.id;
        if (id.scheme == "world" && id.id == "anyone") {
            out.push_back(a);
        } else if (id.scheme == "auth") {
            bool expanded = false;
            for (const proto::Id& mine : who.ids) {
                if (is_authenticated_scheme(mine.scheme)) {
                    out.push_back(proto::Acl{a.perms, mine});
                    expanded = true;
                }
            }
            if (!expanded) {
                return err(Code::invalid_acl);
            }
        } else if ((id.scheme == "digest" && digest_valid(id.id)) ||
                   (id.scheme == "ip" && ip_valid(id.id))) {
            out.push_back(a);
        } else {
            return err(Code::invalid_acl);
        }
    }
    return out;
}

std::vector<proto::Acl> redact_digests(std::vector<proto::Acl> acl) {
    for (proto::Acl& a : acl) {
        if (a.id.scheme != "digest") {
            continue;
        }
        size_t colon = a.id.id.find(':');
        if (colon != std::string::npos) {
            a.id.id = a.id.id.substr(0, colon) + ":x";
        }
    }
    return acl;
}

}  // namespace wd::tree
