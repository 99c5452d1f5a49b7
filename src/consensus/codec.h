// The wire and disk encoding of consensus values: messages between servers, the snapshot
// metadata stored with a snapshot, the hard state, and log entries (docs/consensus.md,
// "Encoding"). Little-endian, fixed-width integers, u32 length prefixes.
//
// Decoding is total: malformed input from a peer or a file yields nullopt, never an assert.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "consensus/messages.h"
#include "consensus/types.h"

namespace wd::consensus {

inline constexpr uint8_t message_format_version = 1;

std::string encode_message(const Message& message);
std::optional<Message> decode_message(std::string_view bytes);

std::string encode_snapshot_meta(const SnapshotMeta& meta);
// Decodes a meta at the front of `bytes`; `consumed` receives its encoded length.
std::optional<SnapshotMeta> decode_snapshot_meta(std::string_view bytes, size_t* consumed);

std::string encode_hard_state(const HardState& state);
std::optional<HardState> decode_hard_state(std::string_view bytes);

// A log entry as stored: term u64 | type u8 | data. The index is the storage record's key.
std::string encode_entry(const Entry& entry);
std::optional<Entry> decode_entry(LogIndex index, std::string_view bytes);

}  // namespace wd::consensus
