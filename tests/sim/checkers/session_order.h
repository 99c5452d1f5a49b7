// ZooKeeper's per-session ordering guarantee (the "Ordering Guarantees" of the programmer's
// guide): a session never observes an older state than one it has already seen, across
// reconnections to other servers. Over the history: each session's responses, in completion
// order, carry non-decreasing zxids.
#pragma once

#include <string>
#include <vector>

#include "checkers/history.h"

namespace wd::sim {

// The first violation, or "" when there is none.
std::string check_session_order(const std::vector<Op>& history);

}  // namespace wd::sim
