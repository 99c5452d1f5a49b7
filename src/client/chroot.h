// Applying a chroot to whole request bodies and removing it from response bodies: every path
// field a request carries is prefixed, every path a response carries is stripped (the Java
// client does this per operation in ZooKeeper.java; we do it once, by record type).
#pragma once

#include <string_view>

#include "proto/request.h"

namespace wd::client {

// Prefixes `chroot` to every path in `body` (multi ops included). No-op for "" chroot.
void add_chroot(std::string_view chroot, proto::RequestBody& body);
// Strips `chroot` from every path in `body`: created paths (also inside multi results), the
// sync path, getEphemerals' list, a notification's path.
void strip_chroot(std::string_view chroot, proto::ResponseBody& body);

}  // namespace wd::client
