#include "checkers/session_order.h"

#include <algorithm>
#include <map>

namespace wd::sim {

std::string check_session_order(const std::vector<Op>& history) {
    std::map<int64_t, std::vector<const Op*>> by_session;
    for (const Op& op : history) {
        if (op.completed() && op.zxid > 0 && op.process >= 0) {
            by_session[op.session_id].push_back(&op);
        }
    }
    for (auto& [session, ops] : by_session) {
        std::sort(ops.begin(), ops.end(), [](const Op* a, const Op* b) {
            return a->complete_time < b->complete_time;
        });
        const Op* seen = nullptr;
        for (const Op* op : ops) {
            if (seen != nullptr && op->zxid < seen->zxid) {
                return "session " + std::to_string(session) + " went back in time:\n    " +
                       describe(*seen) + "\n  then\n    " + describe(*op);
            }
            if (seen == nullptr || op->zxid > seen->zxid) {
                seen = op;
            }
        }
    }
    return "";
}

}  // namespace wd::sim
