// PathUtils.validatePath over UTF-8 bytes.
//
// ZooKeeper decodes the path into UTF-16 first; malformed UTF-8 becomes U+FFFD and code points
// above U+FFFF become surrogate pairs, and both fall in ranges PathUtils rejects. So here any
// malformed sequence or any code point outside the BMP is invalid too.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "tree/data_tree.h"

namespace wd::tree {

namespace {

// Decodes strict UTF-8 (no overlongs, no surrogates); nullopt on any malformed sequence.
std::optional<std::vector<uint32_t>> decode_utf8(std::string_view s) {
    std::vector<uint32_t> out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        auto b0 = static_cast<uint8_t>(s[i]);
        size_t n = b0 < 0x80         ? 1
                   : (b0 >> 5) == 6  ? 2
                   : (b0 >> 4) == 14 ? 3
                   : (b0 >> 3) == 30 ? 4
                                     : 0;
        if (n == 0 || s.size() - i < n) {
            return std::nullopt;
        }
        uint32_t cp = n == 1 ? b0 : b0 & (0x7f >> n);
        for (size_t k = 1; k < n; ++k) {
            auto b = static_cast<uint8_t>(s[i + k]);
            if ((b >> 6) != 2) {
                return std::nullopt;
            }
            cp = (cp << 6) | (b & 0x3f);
        }
        static constexpr uint32_t min_for_length[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return std::nullopt;
        }
        out.push_back(cp);
        i += n;
    }
    return out;
}

bool forbidden_char(uint32_t c) {
    return (c > 0 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) ||
           c >= 0xfff0;
}

uint32_t code_point(uint32_t c) {
    return c;
}
uint32_t code_point(char c) {
    return static_cast<uint8_t>(c);
}

// Over decoded code points, or directly over the bytes of an all-ASCII path (then each byte is
// its own code point, so both give the same answer).
template <typename Chars>
Code validate_chars(const Chars& chars) {
    const size_t n = chars.size();
    uint32_t last = '/';
    for (size_t i = 1; i < n; last = code_point(chars[i]), ++i) {
        uint32_t c = code_point(chars[i]);
        bool segment_end = i + 1 == n || code_point(chars[i + 1]) == '/';
        if (c == 0 || (c == '/' && last == '/')) {
            return Code::bad_arguments;
        }
        if (c == '.' && last == '.') {
            if (code_point(chars[i - 2]) == '/' && segment_end) {
                return Code::bad_arguments;  // ".." segment
            }
        } else if (c == '.') {
            if (code_point(chars[i - 1]) == '/' && segment_end) {
                return Code::bad_arguments;  // "." segment
            }
        } else if (forbidden_char(c)) {
            return Code::bad_arguments;
        }
    }
    return Code::ok;
}

}  // namespace

Code validate_path(std::string_view path, bool sequential) {
    std::string with_suffix;
    if (sequential) {
        with_suffix.assign(path);
        with_suffix += '1';
        path = with_suffix;
    }
    if (path.empty() || path[0] != '/') {
        return Code::bad_arguments;
    }
    if (path.size() == 1) {
        return Code::ok;
    }
    if (path.back() == '/') {
        return Code::bad_arguments;
    }
    // Most paths are ASCII; they need no decoding (and no allocation).
    if (std::all_of(path.begin(), path.end(),
                    [](char c) { return static_cast<uint8_t>(c) < 0x80; })) {
        return validate_chars(path);
    }
    auto chars = decode_utf8(path);
    if (!chars) {
        return Code::bad_arguments;
    }
    return validate_chars(*chars);
}

}  // namespace wd::tree
