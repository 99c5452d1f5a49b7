#include "base/result.h"

namespace wd {

std::string Status::to_string() const {
    const char* name = "ok";
    switch (code_) {
        case StatusCode::ok: name = "ok"; break;
        case StatusCode::io_error: name = "io error"; break;
        case StatusCode::corruption: name = "corruption"; break;
        case StatusCode::invalid_argument: name = "invalid argument"; break;
        case StatusCode::not_found: name = "not found"; break;
        case StatusCode::not_leader: name = "not leader"; break;
        case StatusCode::too_large: name = "too large"; break;
    }
    if (message_.empty()) {
        return name;
    }
    return std::string(name) + ": " + message_;
}

}  // namespace wd
