#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace wd::detail {

void assert_fail(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "warden: assertion failed: %s at %s:%d\n", condition, file, line);
    std::fflush(stderr);
    std::abort();
}

}  // namespace wd::detail
