// Arbitrary bytes as zoo.cfg: parsed or refused with a message, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = wd::server::parse_config(text, "fuzz.cfg");
    if (!config.ok()) {
        (void)config.error().to_string();
    }
    return 0;
}
