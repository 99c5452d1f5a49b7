// Invariant checks that stay on in every build.
//
// A failed WD_ASSERT is a bug in Warden: it logs the condition and location and aborts.
// Operating errors (bad input, I/O failure) are never asserted; they are values (result.h).
#pragma once

namespace wd::detail {
[[noreturn]] void assert_fail(const char* condition, const char* file, int line);
}  // namespace wd::detail

#define WD_ASSERT(cond)                                         \
    do {                                                        \
        if (!(cond)) [[unlikely]] {                             \
            ::wd::detail::assert_fail(#cond, __FILE__, __LINE__); \
        }                                                       \
    } while (0)

// Documents a condition that may legitimately go either way; evaluates nothing.
#define WD_MAYBE(cond) static_cast<void>(sizeof(static_cast<bool>(cond)))

#define WD_UNREACHABLE() ::wd::detail::assert_fail("unreachable", __FILE__, __LINE__)
