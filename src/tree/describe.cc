#include "tree/describe.h"

#include <cstdio>

#include "proto/codec.h"

namespace wd::tree {

namespace {

std::string hex64(int64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string event_name(proto::EventType type) {
    switch (type) {
        case proto::EventType::node_created: return "NodeCreated";
        case proto::EventType::node_deleted: return "NodeDeleted";
        case proto::EventType::node_data_changed: return "NodeDataChanged";
        case proto::EventType::node_children_changed: return "NodeChildrenChanged";
        default: return "Event(" + std::to_string(static_cast<int32_t>(type)) + ")";
    }
}

std::string perms_text(int32_t perms) {
    std::string out;
    const char* letters = "rwcda";  // READ, WRITE, CREATE, DELETE, ADMIN bit order
    for (int bit = 0; bit < 5; ++bit) {
        if ((perms & (1 << bit)) != 0) {
            out.push_back(letters[bit]);
        }
    }
    return out.empty() ? "-" : out;
}

std::string code_text(int32_t err) {
    return std::string(code_name(static_cast<Code>(err)));
}

std::string describe_body(const std::string& body, proto::OpCode type) {
    using proto::OpCode;
    switch (type) {
        case OpCode::create: {
            auto r = proto::decode_exact<proto::CreateResponse>(body);
            return r.ok() ? "path=" + r->path : "<bad CreateResponse>";
        }
        case OpCode::create2:
        case OpCode::create_container:
        case OpCode::create_ttl: {
            auto r = proto::decode_exact<proto::Create2Response>(body);
            return r.ok() ? "path=" + r->path + "\nstat: " + describe(r->stat)
                          : "<bad Create2Response>";
        }
        case OpCode::set_data:
        case OpCode::set_acl:
        case OpCode::check: {
            auto r = proto::decode_exact<proto::StatResponse>(body);
            return r.ok() ? "stat: " + describe(r->stat) : "<bad StatResponse>";
        }
        case OpCode::multi: {
            proto::JuteReader reader(body);
            auto r = proto::decode_multi_response(reader);
            return r.ok() && reader.at_end() ? describe(*r) : "<bad MultiResponse>";
        }
        default: return body.empty() ? "" : "<" + std::to_string(body.size()) + " bytes>";
    }
}

}  // namespace

std::string describe(const proto::Data& data) {
    if (!data) {
        return "null";
    }
    std::string out = "\"";
    for (char c : *data) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out.push_back(c);
        }
    }
    return out + "\"";
}

std::string describe(const proto::Stat& s) {
    return "czxid=" + std::to_string(s.czxid) + " mzxid=" + std::to_string(s.mzxid) +
           " ctime=" + std::to_string(s.ctime) + " mtime=" + std::to_string(s.mtime) +
           " version=" + std::to_string(s.version) + " cversion=" + std::to_string(s.cversion) +
           " aversion=" + std::to_string(s.aversion) + " owner=" + hex64(s.ephemeral_owner) +
           " dlen=" + std::to_string(s.data_length) +
           " nchildren=" + std::to_string(s.num_children) + " pzxid=" + std::to_string(s.pzxid);
}

std::string describe(const proto::TreeEvent& event) {
    return event_name(event.type) + " " + event.path;
}

std::string describe(const std::vector<proto::Acl>& acl) {
    std::string out;
    for (const proto::Acl& a : acl) {
        out += (out.empty() ? "" : ", ") + a.id.scheme + ":" + a.id.id + "=" + perms_text(a.perms);
    }
    return out;
}

std::string describe(const proto::MultiResponse& response) {
    std::string out;
    for (const proto::MultiResult& r : response.results) {
        std::string line(proto::opcode_name(r.type));
        if (const auto* e = std::get_if<proto::ErrorResponse>(&r.body)) {
            line = "error " + code_text(e->err);
        } else if (const auto* c = std::get_if<proto::CreateResponse>(&r.body)) {
            line += " " + c->path;
        } else if (const auto* c2 = std::get_if<proto::Create2Response>(&r.body)) {
            line += " " + c2->path + " " + describe(c2->stat);
        } else if (const auto* st = std::get_if<proto::StatResponse>(&r.body)) {
            line += " " + describe(st->stat);
        } else if (const auto* d = std::get_if<proto::GetDataResponse>(&r.body)) {
            line += " " + describe(d->data) + " " + describe(d->stat);
        } else if (const auto* ch = std::get_if<proto::GetChildrenResponse>(&r.body)) {
            for (const std::string& child : ch->children) {
                line += " " + child;
            }
        }
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

std::string describe(const ApplyResult& result, proto::OpCode type) {
    std::string out = "err=" + code_text(result.err);
    if (std::string body = result.body.empty() ? "" : describe_body(result.body, type);
        !body.empty()) {
        out += "\n" + body;
    }
    for (const proto::TreeEvent& event : result.events) {
        out += "\nevent: " + describe(event);
    }
    return out;
}

}  // namespace wd::tree
