#include "storage/wal_format.h"

#include <cstdio>

#include "base/assert.h"
#include "base/coding.h"
#include "base/crc32c.h"

namespace wd::storage {
namespace {

constexpr std::string_view segment_prefix = "wal-";
constexpr std::string_view segment_suffix = ".log";
constexpr size_t hex_digits = 16;

std::optional<uint64_t> parse_hex16(std::string_view text) {
    if (text.size() != hex_digits) {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (char c : text) {
        uint64_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<uint64_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<uint64_t>(c - 'a' + 10);
        } else {
            return std::nullopt;
        }
        v = (v << 4) | digit;
    }
    return v;
}

}  // namespace

std::string wal_segment_name(int64_t first_zxid) {
    WD_ASSERT(first_zxid >= 0);
    char hex[hex_digits + 1];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(first_zxid));
    return std::string(segment_prefix) + hex + std::string(segment_suffix);
}

std::optional<int64_t> parse_wal_segment_name(std::string_view name) {
    if (name.size() != segment_prefix.size() + hex_digits + segment_suffix.size()) {
        return std::nullopt;
    }
    if (!name.starts_with(segment_prefix) || !name.ends_with(segment_suffix)) {
        return std::nullopt;
    }
    auto v = parse_hex16(name.substr(segment_prefix.size(), hex_digits));
    if (!v || *v == 0 || *v > static_cast<uint64_t>(INT64_MAX)) {
        return std::nullopt;
    }
    return static_cast<int64_t>(*v);
}

void put_wal_header(std::string& out, int64_t first_zxid) {
    WD_ASSERT(first_zxid > 0);
    const size_t start = out.size();
    put_u32_le(out, wal_magic);
    put_u32_le(out, wal_format_version);
    put_u64_le(out, static_cast<uint64_t>(first_zxid));
    put_u32_le(out, crc32c::mask(crc32c::value(out.data() + start, out.size() - start)));
    WD_ASSERT(out.size() - start == wal_header_size);
}

void put_wal_record(std::string& out, int64_t zxid, std::string_view data) {
    WD_ASSERT(zxid > 0);
    WD_ASSERT(data.size() <= wal_data_size_max);
    const size_t start = out.size();
    put_u32_le(out, 0);  // The crc, stored below once the covered bytes exist.
    put_u32_le(out, static_cast<uint32_t>(wal_zxid_size + data.size()));
    out.push_back(static_cast<char>(wal_type_entry));
    put_u64_le(out, static_cast<uint64_t>(zxid));
    out.append(data);
    const char* covered = out.data() + start + 4;
    const uint32_t crc = crc32c::value(covered, out.size() - start - 4);
    store_u32_le(out.data() + start, crc32c::mask(crc));
    WD_ASSERT(out.size() - start == wal_record_header_size + wal_zxid_size + data.size());
}

}  // namespace wd::storage
