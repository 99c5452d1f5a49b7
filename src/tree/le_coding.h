// Private: little-endian writer and bounds-checked reader for the tree's own formats (WAL
// entries and snapshot bodies; docs/tree-snapshot.md). The reader's first failure is sticky.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/coding.h"

namespace wd::tree::detail {

class LeWriter {
public:
    explicit LeWriter(std::string& out) : out_(out) {}
    void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u32(uint32_t v) { put_u32_le(out_, v); }
    void u64(uint64_t v) { put_u64_le(out_, v); }
    void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
    void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
    void bytes(std::string_view s) {
        u32(static_cast<uint32_t>(s.size()));
        out_.append(s);
    }

private:
    std::string& out_;
};

class LeReader {
public:
    explicit LeReader(std::string_view in) : in_(in) {}
    uint8_t u8() { return need(1) ? static_cast<uint8_t>(in_[pos_++]) : 0; }
    uint32_t u32() {
        if (!need(4)) {
            return 0;
        }
        uint32_t v = load_u32_le(in_.data() + pos_);
        pos_ += 4;
        return v;
    }
    uint64_t u64() {
        if (!need(8)) {
            return 0;
        }
        uint64_t v = load_u64_le(in_.data() + pos_);
        pos_ += 8;
        return v;
    }
    int32_t i32() { return static_cast<int32_t>(u32()); }
    int64_t i64() { return static_cast<int64_t>(u64()); }
    std::string bytes() { return std::string(bytes_view()); }
    // The same field without a copy; the view lives as long as the input.
    std::string_view bytes_view() {
        uint32_t n = u32();
        if (!need(n)) {
            return {};
        }
        std::string_view s = in_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    // A count of items that take at least `min_size` bytes each; fails when they cannot fit.
    uint64_t count(uint64_t raw, size_t min_size) {
        if (!ok_ || (min_size > 0 && raw > remaining() / min_size)) {
            ok_ = false;
            return 0;
        }
        return raw;
    }
    bool ok() const { return ok_; }
    void fail() { ok_ = false; }
    size_t remaining() const { return in_.size() - pos_; }
    bool at_end() const { return pos_ == in_.size(); }

private:
    bool need(size_t n) {
        if (!ok_ || in_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    std::string_view in_;
    size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace wd::tree::detail
