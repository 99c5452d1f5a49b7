#pragma once

#include <string>

namespace wd::server {

// Reported by srvr/stat/mntr. ZooKeeper's tools parse the leading "x.y.z", so Warden reports
// the ZooKeeper protocol release it is compatible with, then its own name and version.
inline std::string version_string() {
    return "3.8.0-warden-0.1.0, built on " __DATE__;
}

}  // namespace wd::server
