#include "consensus/messages.h"

namespace wd::consensus {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

std::string entry_list(const std::vector<Entry>& entries) {
    std::string out = "[";
    for (size_t i = 0; i < entries.size(); ++i) {
        out += (i == 0 ? "" : ", ") + describe(entries[i]);
    }
    return out + "]";
}

std::string vote_text(const Message& m) {
    std::string out = " last=" + num(m.log_term.value) + "/" + num(m.index.value);
    return m.transfer ? out + " transfer" : out;
}

std::string append_response_text(const Message& m) {
    if (!m.reject) {
        return " index=" + num(m.index.value);
    }
    return " reject index=" + num(m.index.value) + " hint=" + num(m.log_term.value) + "/" +
           num(m.reject_hint.value);
}

std::string snapshot_text(const Message& m) {
    std::string out = " snap=" + num(m.snapshot.term.value) + "/" +
                      num(m.snapshot.index.value) + " " + describe(m.snapshot.membership) +
                      " bytes=" + num(m.snapshot.size_bytes) + " offset=" + num(m.offset) +
                      " len=" + num(m.data.size());
    return m.done ? out + " done" : out;
}

std::string body(const Message& m) {
    switch (m.type) {
        case MessageType::pre_vote:
        case MessageType::vote:
            return vote_text(m);
        case MessageType::pre_vote_response:
        case MessageType::vote_response:
            return m.reject ? " rejected" : " granted";
        case MessageType::append:
            return " prev=" + num(m.log_term.value) + "/" + num(m.index.value) +
                   " commit=" + num(m.commit_index.value) + " entries=" + entry_list(m.entries);
        case MessageType::append_response:
            return append_response_text(m);
        case MessageType::heartbeat:
            return " commit=" + num(m.commit_index.value);
        case MessageType::snapshot:
            return snapshot_text(m);
        case MessageType::snapshot_response:
            return " index=" + num(m.index.value) + " offset=" + num(m.offset);
        case MessageType::heartbeat_response:
        case MessageType::timeout_now:
            return "";
    }
    return " unknown";
}

}  // namespace

std::string_view message_type_name(MessageType type) {
    switch (type) {
        case MessageType::pre_vote:
            return "pre_vote";
        case MessageType::pre_vote_response:
            return "pre_vote_response";
        case MessageType::vote:
            return "vote";
        case MessageType::vote_response:
            return "vote_response";
        case MessageType::append:
            return "append";
        case MessageType::append_response:
            return "append_response";
        case MessageType::heartbeat:
            return "heartbeat";
        case MessageType::heartbeat_response:
            return "heartbeat_response";
        case MessageType::snapshot:
            return "snapshot";
        case MessageType::snapshot_response:
            return "snapshot_response";
        case MessageType::timeout_now:
            return "timeout_now";
    }
    return "unknown";
}

std::string describe(const Message& m) {
    return num(m.from.value) + "->" + num(m.to.value) + " " +
           std::string(message_type_name(m.type)) + " term=" + num(m.term.value) + body(m);
}

}  // namespace wd::consensus
