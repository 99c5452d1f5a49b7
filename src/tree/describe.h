// Stable text renderings for data-driven tests and tools (STYLE.md §5). The text never depends
// on pointers, hash order or wall time.
#pragma once

#include <string>

#include "proto/events.h"
#include "proto/records.h"
#include "tree/data_tree.h"

namespace wd::tree {

// "null", or the bytes quoted with non-printables as \xNN: "abc".
std::string describe(const proto::Data& data);
// "czxid=2 mzxid=2 ctime=10 mtime=10 version=0 cversion=0 aversion=0 owner=0x0 dlen=1
//  nchildren=0 pzxid=2" (one line).
std::string describe(const proto::Stat& stat);
// "NodeCreated /a".
std::string describe(const proto::TreeEvent& event);
// "world:anyone=cdrwa" style, entries separated by ", ".
std::string describe(const std::vector<proto::Acl>& acl);
// One line per result: "create /a", "error NONODE", "setData <stat>", ...
std::string describe(const proto::MultiResponse& response);
// The result of apply(entry of `type`): "err=OK" (or the code name), then the decoded
// response record (if any), then one "event: ..." line per event.
std::string describe(const ApplyResult& result, proto::OpCode type);

}  // namespace wd::tree
