#include "checkers/history.h"

#include "base/code.h"

namespace wd::sim {

std::string_view op_kind_name(OpKind kind) {
    switch (kind) {
        case OpKind::create: return "create";
        case OpKind::set: return "set";
        case OpKind::remove: return "delete";
        case OpKind::get: return "get";
        case OpKind::exists: return "exists";
        case OpKind::close: return "close";
    }
    return "?";
}

std::string describe(const Op& op) {
    std::string out = "p" + std::to_string(op.process) + " s" + std::to_string(op.session_id) +
                      " " + std::string(op_kind_name(op.kind));
    if (!op.path.empty()) {
        out += " " + op.path;
    }
    if (op.kind == OpKind::create || op.kind == OpKind::set) {
        out += " \"" + op.data + "\"";
    }
    if (op.ephemeral) {
        out += " ephemeral";
    }
    if ((op.kind == OpKind::set || op.kind == OpKind::remove) && op.version != -1) {
        out += " v" + std::to_string(op.version);
    }
    out += " [" + std::to_string(op.invoke_time) + ", ";
    if (!op.completed()) {
        return out + "?] no response";
    }
    out += std::to_string(op.complete_time) + "] -> ";
    if (op.err != 0) {
        out += std::string(code_name(static_cast<Code>(op.err)));
    } else if (op.kind == OpKind::get) {
        out += "\"" + op.out_data + "\" v" + std::to_string(op.out_version);
    } else if (op.kind == OpKind::exists || op.kind == OpKind::set) {
        out += "v" + std::to_string(op.out_version);
    } else {
        out += "ok";
    }
    if (op.is_read() && op.err == 0 && op.out_owner != 0) {
        out += " owner " + std::to_string(op.out_owner);
    }
    if (op.zxid != 0) {
        out += " zxid " + std::to_string(op.zxid);
    }
    return out;
}

}  // namespace wd::sim
