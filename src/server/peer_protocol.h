// The messages servers of an ensemble send each other over the peer transport
// (docs/ensemble.md): one kind byte, then the body.
//   'R' a consensus message (consensus/codec.h)
//   'F' a proposal forwarded to the leader
//   'T' the sessions a server heard from since its last report (u64 little-endian ids)
// A proposal is `origin server id | sequence | tree entry` (two u64 little-endian, then
// tree::encode_entry); the origin recognises its own on apply and answers its client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/coding.h"
#include "tree/data_tree.h"

namespace wd::server {

inline constexpr char peer_raft = 'R';
inline constexpr char peer_forward = 'F';
inline constexpr char peer_touch = 'T';

struct Proposal {
    int64_t origin = 0;
    uint64_t seq = 0;
    tree::Entry entry;
};

inline std::string encode_proposal(int64_t origin, uint64_t seq, const tree::Entry& entry) {
    std::string out;
    put_u64_le(out, static_cast<uint64_t>(origin));
    put_u64_le(out, seq);
    out += tree::encode_entry(entry);
    return out;
}

inline std::optional<Proposal> decode_proposal(std::string_view bytes) {
    if (bytes.size() < 16) {
        return std::nullopt;
    }
    auto entry = tree::decode_entry(bytes.substr(16));
    if (!entry.ok()) {
        return std::nullopt;
    }
    return Proposal{static_cast<int64_t>(load_u64_le(bytes.data())), load_u64_le(bytes.data() + 8),
                    std::move(entry).value()};
}

}  // namespace wd::server
