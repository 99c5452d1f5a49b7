// Compile-time bounds. Runtime-configurable limits live in the validated server config and
// default to these values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wd::limits {

// jute.maxbuffer default: the largest frame and the largest znode payload (0xfffff).
inline constexpr uint32_t frame_size_max = 0xfffff;
inline constexpr uint32_t data_size_max = frame_size_max;
// A path is bounded by the frame that carries it.
inline constexpr uint32_t path_size_max = frame_size_max;
// Records per vector when decoding (children, ACLs, watch lists); bounded by the frame anyway.
inline constexpr uint32_t multi_ops_max = 100'000;
inline constexpr uint32_t acl_entries_max = 1'024;
// Queued, not yet answered requests of one connection before it stops reading.
inline constexpr uint32_t pending_requests_per_session_max = 10'000;
// Outbound bytes of one connection above which it is closed (a client that does not read).
inline constexpr uint64_t outbound_bytes_per_session_max = 64ull << 20;
inline constexpr uint64_t wal_segment_size_max = 64ull << 20;

static_assert(data_size_max <= frame_size_max);
static_assert(outbound_bytes_per_session_max >= 2 * frame_size_max);
static_assert(wal_segment_size_max >= 2 * frame_size_max);

}  // namespace wd::limits
