// Entry and CreateSessionBody coding (docs/tree-snapshot.md, "Entry").
#include "tree/data_tree.h"
#include "tree/le_coding.h"

namespace wd::tree {

namespace {

constexpr uint8_t entry_format_version = 1;
constexpr uint8_t session_format_version = 1;
// An id takes at least its two length fields.
constexpr size_t id_size_min = 8;

}  // namespace

std::string encode_entry(const Entry& entry) {
    std::string out;
    detail::LeWriter w(out);
    w.u8(entry_format_version);
    w.i64(entry.zxid);
    w.i64(entry.time_ms);
    w.i64(entry.session_id);
    w.i32(entry.xid);
    w.i32(static_cast<int32_t>(entry.type));
    w.u8(entry.identity.super ? 1 : 0);
    w.u32(static_cast<uint32_t>(entry.identity.ids.size()));
    for (const proto::Id& id : entry.identity.ids) {
        w.bytes(id.scheme);
        w.bytes(id.id);
    }
    w.bytes(entry.body);
    return out;
}

Result<Entry> decode_entry(std::string_view bytes) {
    detail::LeReader r(bytes);
    if (r.u8() != entry_format_version) {
        return err(Status::corruption("tree entry: unknown format version"));
    }
    Entry entry;
    entry.zxid = r.i64();
    entry.time_ms = r.i64();
    entry.session_id = r.i64();
    entry.xid = r.i32();
    entry.type = static_cast<proto::OpCode>(r.i32());
    uint8_t super = r.u8();
    if (super > 1) {
        r.fail();
    }
    entry.identity.super = super == 1;
    uint64_t ids = r.count(r.u32(), id_size_min);
    for (uint64_t i = 0; i < ids && r.ok(); ++i) {
        proto::Id id;
        id.scheme = r.bytes();
        id.id = r.bytes();
        entry.identity.ids.push_back(std::move(id));
    }
    entry.body = r.bytes();
    if (!r.ok() || !r.at_end()) {
        return err(Status::corruption("tree entry: truncated or trailing bytes"));
    }
    return entry;
}

std::string encode_create_session(const CreateSessionBody& body) {
    std::string out;
    detail::LeWriter w(out);
    w.u8(session_format_version);
    w.i32(body.timeout_ms);
    w.bytes(body.passwd);
    return out;
}

Result<CreateSessionBody> decode_create_session(std::string_view bytes) {
    detail::LeReader r(bytes);
    if (r.u8() != session_format_version) {
        return err(Status::corruption("create session: unknown format version"));
    }
    CreateSessionBody body;
    body.timeout_ms = r.i32();
    body.passwd = r.bytes();
    if (!r.ok() || !r.at_end()) {
        return err(Status::corruption("create session: truncated or trailing bytes"));
    }
    return body;
}

}  // namespace wd::tree
