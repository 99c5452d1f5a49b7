// Jute binary coding (zookeeper.jute; BinaryInputArchive / BinaryOutputArchive).
//
// Big-endian throughout: int = 4 bytes, long = 8, boolean = 1, buffer/ustring = int length then
// bytes (-1 = null), vector = int count then elements (-1 = null).
//
// JuteReader decodes over a borrowed byte span and never reads past it. The first failure is
// sticky: later reads return zero values and ok() stays false, so a record decoder reads every
// field and checks ok() once at the end.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "base/coding.h"
#include "base/limits.h"

namespace wd::proto {

class JuteWriter {
public:
    explicit JuteWriter(std::string& out) : out_(out) {}

    void i32(int32_t v) { put_u32_be(out_, static_cast<uint32_t>(v)); }
    void i64(int64_t v) { put_u64_be(out_, static_cast<uint64_t>(v)); }
    void boolean(bool v) { out_.push_back(v ? '\1' : '\0'); }
    void buffer(std::string_view bytes) {
        WD_ASSERT(bytes.size() <= size_t{INT32_MAX});
        i32(static_cast<int32_t>(bytes.size()));
        out_.append(bytes);
    }
    void null_buffer() { i32(-1); }
    void ustring(std::string_view s) { buffer(s); }
    std::string& out() { return out_; }

private:
    std::string& out_;
};

class JuteReader {
public:
    explicit JuteReader(std::span<const char> in) : in_(in) {}
    explicit JuteReader(std::string_view in) : in_(in.data(), in.size()) {}
    // A std::string would match both constructors above; the reader borrows it (no temporaries).
    explicit JuteReader(const std::string& in) : in_(in.data(), in.size()) {}
    explicit JuteReader(std::string&&) = delete;

    int32_t i32() {
        if (!need(4)) {
            return 0;
        }
        int32_t v = static_cast<int32_t>(load_u32_be(in_.data() + pos_));
        pos_ += 4;
        return v;
    }
    int64_t i64() {
        if (!need(8)) {
            return 0;
        }
        int64_t v = static_cast<int64_t>(load_u64_be(in_.data() + pos_));
        pos_ += 8;
        return v;
    }
    bool boolean() {
        if (!need(1)) {
            return false;
        }
        return in_[pos_++] != 0;
    }
    // A null buffer (-1) decodes as empty; is_null reports which it was when asked.
    std::string buffer(bool* is_null = nullptr) {
        int32_t n = i32();
        if (is_null != nullptr) {
            *is_null = (n == -1);
        }
        if (n == -1 || !ok_) {
            return {};
        }
        // No fixed cap here: a buffer cannot outgrow the frame that carries it, and the frame
        // splitter enforces the configured frame_size_max (which may exceed the default).
        if (n < 0 || !need(size_t(n))) {
            ok_ = false;
            return {};
        }
        std::string s(in_.data() + pos_, size_t(n));
        pos_ += size_t(n);
        return s;
    }
    std::string ustring() { return buffer(); }
    // Element count of a vector; -1 (null) reads as 0. Fails on a count that cannot fit in the
    // remaining bytes given each element takes at least `min_element_size` bytes.
    int32_t vector_count(size_t min_element_size) {
        int32_t n = i32();
        if (n == -1 || !ok_) {
            return 0;
        }
        if (n < 0 || size_t(n) * min_element_size > remaining()) {
            ok_ = false;
            return 0;
        }
        return n;
    }

    bool ok() const { return ok_; }
    void fail() { ok_ = false; }
    size_t position() const { return pos_; }
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
    std::span<const char> in_;
    size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace wd::proto
