// Strong integer ids. Mixing a zxid and a session id is a compile error.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace wd {

template <class Tag, class Rep>
struct Tagged {
    Rep value = 0;
    constexpr Tagged() = default;
    constexpr explicit Tagged(Rep v) : value(v) {}
    constexpr auto operator<=>(const Tagged&) const = default;
};

using Zxid = int64_t;        // ZooKeeper's zxid: the log index of the entry (DESIGN.md).
using SessionId = int64_t;   // ZooKeeper's session id; the high byte is the server id.
using Xid = int32_t;         // client request id.

}  // namespace wd
