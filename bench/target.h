// A server address for the bench: host and port, parsed from "host:port[,host:port...]".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace wd::bench {

struct Target {
    std::string host;
    uint16_t port = 0;
    std::string to_string() const { return host + ":" + std::to_string(port); }
};

// "a:1,b:2" -> targets; a missing port means 2181. Errors: invalid_argument.
Result<std::vector<Target>> parse_servers(std::string_view text);

}  // namespace wd::bench
