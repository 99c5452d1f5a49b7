// The byte layout of WAL segment files (docs/formats.md, "WAL segment file").
//
// Shared by the writer, the reader, tests and fuzzers. Everything persisted is fixed-width
// little-endian (base/coding.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/limits.h"

namespace wd::storage {

// Segment header: magic u32 | format_version u32 | first_zxid u64 | masked crc32c u32.
inline constexpr uint32_t wal_magic = 0x4c574457;  // "WDWL" as little-endian bytes.
inline constexpr uint32_t wal_format_version = 1;
inline constexpr size_t wal_header_size = 4 + 4 + 8 + 4;
static_assert(wal_header_size == 20);

// Record: masked crc32c u32 | length u32 | type u8 | payload[length].
// The payload is zxid u64 | data. The crc covers length, type and payload.
inline constexpr size_t wal_record_header_size = 4 + 4 + 1;
static_assert(wal_record_header_size == 9);
inline constexpr size_t wal_zxid_size = 8;
// Type 0 is never written: zero-filled space (preallocated padding, or a crash after a size
// update) must not parse, so the reader can take zeros to the end of a file as padding.
inline constexpr uint8_t wal_type_entry = 1;

// The largest record data: one entry carries at most one request frame plus its metadata
// (session, timestamp), which 64 KiB bounds generously.
inline constexpr uint32_t wal_data_size_max = limits::frame_size_max + (64u << 10);
inline constexpr uint32_t wal_payload_size_max = wal_zxid_size + wal_data_size_max;
inline constexpr uint64_t wal_record_size_max = wal_record_header_size + wal_payload_size_max;
static_assert(wal_record_size_max <= (2u << 20));
static_assert(limits::wal_segment_size_max >= wal_header_size + 2 * wal_record_size_max);

// "wal-" + 16 lowercase hex digits of the first zxid + ".log".
std::string wal_segment_name(int64_t first_zxid);
// The first zxid named by a segment file name; nullopt for any other name.
std::optional<int64_t> parse_wal_segment_name(std::string_view name);

// Appends a segment header. REQUIRES: first_zxid > 0.
void put_wal_header(std::string& out, int64_t first_zxid);
// Appends one record. REQUIRES: zxid > 0 and data.size() <= wal_data_size_max.
void put_wal_record(std::string& out, int64_t zxid, std::string_view data);

}  // namespace wd::storage
