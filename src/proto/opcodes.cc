#include "proto/opcodes.h"

namespace wd::proto {

std::string_view opcode_name(OpCode op) {
    switch (op) {
        case OpCode::notification: return "notification";
        case OpCode::create: return "create";
        case OpCode::remove: return "delete";
        case OpCode::exists: return "exists";
        case OpCode::get_data: return "getData";
        case OpCode::set_data: return "setData";
        case OpCode::get_acl: return "getACL";
        case OpCode::set_acl: return "setACL";
        case OpCode::get_children: return "getChildren";
        case OpCode::sync: return "sync";
        case OpCode::ping: return "ping";
        case OpCode::get_children2: return "getChildren2";
        case OpCode::check: return "check";
        case OpCode::multi: return "multi";
        case OpCode::create2: return "create2";
        case OpCode::reconfig: return "reconfig";
        case OpCode::check_watches: return "checkWatches";
        case OpCode::remove_watches: return "removeWatches";
        case OpCode::create_container: return "createContainer";
        case OpCode::delete_container: return "deleteContainer";
        case OpCode::create_ttl: return "createTTL";
        case OpCode::multi_read: return "multiRead";
        case OpCode::auth: return "auth";
        case OpCode::set_watches: return "setWatches";
        case OpCode::sasl: return "sasl";
        case OpCode::get_ephemerals: return "getEphemerals";
        case OpCode::get_all_children_number: return "getAllChildrenNumber";
        case OpCode::set_watches2: return "setWatches2";
        case OpCode::add_watch: return "addWatch";
        case OpCode::who_am_i: return "whoAmI";
        case OpCode::create_session: return "createSession";
        case OpCode::close_session: return "closeSession";
        case OpCode::error: return "error";
    }
    return "unknown";
}

bool is_write(OpCode op) {
    switch (op) {
        case OpCode::create:
        case OpCode::remove:
        case OpCode::set_data:
        case OpCode::set_acl:
        case OpCode::check:
        case OpCode::multi:
        case OpCode::create2:
        case OpCode::reconfig:
        case OpCode::create_container:
        case OpCode::delete_container:
        case OpCode::create_ttl:
        case OpCode::create_session:
        case OpCode::close_session:
            return true;
        default:
            return false;
    }
}

}  // namespace wd::proto
