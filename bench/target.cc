#include "bench/target.h"

#include <charconv>

namespace wd::bench {

Result<std::vector<Target>> parse_servers(std::string_view text) {
    std::vector<Target> targets;
    // Each entry consumes at least one character, which bounds the loop.
    for (size_t guard = 0; !text.empty() && guard <= text.size(); ++guard) {
        const size_t comma = text.find(',');
        const std::string_view entry = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (entry.empty()) {
            continue;
        }
        Target target;
        const size_t colon = entry.rfind(':');
        target.host = std::string(entry.substr(0, colon));
        target.port = 2181;
        if (colon != std::string_view::npos) {
            const std::string_view port = entry.substr(colon + 1);
            unsigned value = 0;
            auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
            if (ec != std::errc() || end != port.data() + port.size() || value == 0 ||
                value > 65535) {
                return err(Status::invalid_argument("bad port in '" + std::string(entry) + "'"));
            }
            target.port = static_cast<uint16_t>(value);
        }
        if (target.host.empty()) {
            return err(Status::invalid_argument("empty host in '" + std::string(entry) + "'"));
        }
        targets.push_back(std::move(target));
    }
    if (targets.empty()) {
        return err(Status::invalid_argument("no server given"));
    }
    return targets;
}

}  // namespace wd::bench
