#include "consensus/codec.h"

#include "base/coding.h"

namespace wd::consensus {
namespace {

// Reads fixed-width little-endian values; any read past the end makes ok() false for good.
class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    uint8_t u8() {
        if (!need(1)) return 0;
        return static_cast<uint8_t>(bytes_[pos_++]);
    }
    uint64_t u64() {
        if (!need(8)) return 0;
        uint64_t v = load_u64_le(bytes_.data() + pos_);
        pos_ += 8;
        return v;
    }
    uint32_t u32() {
        if (!need(4)) return 0;
        uint32_t v = load_u32_le(bytes_.data() + pos_);
        pos_ += 4;
        return v;
    }
    std::string bytes() {
        uint32_t n = u32();
        if (!need(n)) return {};
        std::string out(bytes_.substr(pos_, n));
        pos_ += n;
        return out;
    }
    bool ok() const { return ok_; }
    size_t position() const { return pos_; }
    bool at_end() const { return pos_ == bytes_.size(); }

private:
    bool need(size_t n) {
        if (!ok_ || bytes_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }
    std::string_view bytes_;
    size_t pos_ = 0;
    bool ok_ = true;
};

void put_bytes(std::string& out, std::string_view bytes) {
    put_u32_le(out, static_cast<uint32_t>(bytes.size()));
    out.append(bytes);
}

void put_ids(std::string& out, const std::vector<NodeId>& ids) {
    put_u32_le(out, static_cast<uint32_t>(ids.size()));
    for (NodeId id : ids) {
        put_u64_le(out, id.value);
    }
}

// A membership's lists are sorted, disjoint and never hold node_none; anything else is refused.
bool get_ids(Reader& r, std::vector<NodeId>& ids) {
    uint32_t n = r.u32();
    if (!r.ok() || n > 4096) {
        return false;
    }
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
        NodeId id{r.u64()};
        if (id == node_none || (!ids.empty() && !(ids.back() < id))) {
            return false;
        }
        ids.push_back(id);
    }
    return r.ok();
}

void put_meta(std::string& out, const SnapshotMeta& meta) {
    put_u64_le(out, meta.index.value);
    put_u64_le(out, meta.term.value);
    put_ids(out, meta.membership.voters);
    put_ids(out, meta.membership.learners);
    put_u64_le(out, meta.size_bytes);
}

bool get_meta(Reader& r, SnapshotMeta& meta) {
    meta.index = LogIndex{r.u64()};
    meta.term = Term{r.u64()};
    if (!get_ids(r, meta.membership.voters) || !get_ids(r, meta.membership.learners)) {
        return false;
    }
    for (NodeId id : meta.membership.learners) {
        if (meta.membership.is_voter(id)) {
            return false;
        }
    }
    meta.size_bytes = r.u64();
    return r.ok();
}

bool valid_entry_type(uint8_t type) {
    return type <= static_cast<uint8_t>(EntryType::config);
}

}  // namespace

std::string encode_message(const Message& m) {
    std::string out;
    out.reserve(64 + m.data.size());
    out.push_back(static_cast<char>(message_format_version));
    out.push_back(static_cast<char>(m.type));
    put_u64_le(out, m.from.value);
    put_u64_le(out, m.to.value);
    put_u64_le(out, m.term.value);
    put_u64_le(out, m.log_term.value);
    put_u64_le(out, m.index.value);
    put_u64_le(out, m.commit_index.value);
    put_u64_le(out, m.reject_hint.value);
    out.push_back(static_cast<char>((m.reject ? 1 : 0) | (m.transfer ? 2 : 0) | (m.done ? 4 : 0)));
    put_u32_le(out, static_cast<uint32_t>(m.entries.size()));
    for (const Entry& e : m.entries) {
        put_u64_le(out, e.term.value);
        put_u64_le(out, e.index.value);
        out.push_back(static_cast<char>(e.type));
        put_bytes(out, e.data);
    }
    put_meta(out, m.snapshot);
    put_u64_le(out, m.offset);
    put_bytes(out, m.data);
    return out;
}

std::optional<Message> decode_message(std::string_view bytes) {
    Reader r(bytes);
    if (r.u8() != message_format_version) {
        return std::nullopt;
    }
    Message m;
    uint8_t type = r.u8();
    if (type > static_cast<uint8_t>(MessageType::timeout_now)) {
        return std::nullopt;
    }
    m.type = static_cast<MessageType>(type);
    m.from = NodeId{r.u64()};
    m.to = NodeId{r.u64()};
    m.term = Term{r.u64()};
    m.log_term = Term{r.u64()};
    m.index = LogIndex{r.u64()};
    m.commit_index = LogIndex{r.u64()};
    m.reject_hint = LogIndex{r.u64()};
    uint8_t flags = r.u8();
    if (flags > 7) {
        return std::nullopt;
    }
    m.reject = (flags & 1) != 0;
    m.transfer = (flags & 2) != 0;
    m.done = (flags & 4) != 0;
    uint32_t count = r.u32();
    // Each encoded entry takes at least 21 bytes, so the count is bounded by the input.
    if (!r.ok() || count > bytes.size() / 21) {
        return std::nullopt;
    }
    m.entries.reserve(count);
    for (uint32_t i = 0; i < count && r.ok(); ++i) {
        Entry e;
        e.term = Term{r.u64()};
        e.index = LogIndex{r.u64()};
        uint8_t entry_type = r.u8();
        if (!valid_entry_type(entry_type)) {
            return std::nullopt;
        }
        e.type = static_cast<EntryType>(entry_type);
        e.data = r.bytes();
        m.entries.push_back(std::move(e));
    }
    if (!get_meta(r, m.snapshot)) {
        return std::nullopt;
    }
    m.offset = r.u64();
    m.data = r.bytes();
    if (!r.ok() || !r.at_end()) {
        return std::nullopt;
    }
    return m;
}

std::string encode_snapshot_meta(const SnapshotMeta& meta) {
    std::string out;
    put_meta(out, meta);
    return out;
}

std::optional<SnapshotMeta> decode_snapshot_meta(std::string_view bytes, size_t* consumed) {
    Reader r(bytes);
    SnapshotMeta meta;
    if (!get_meta(r, meta)) {
        return std::nullopt;
    }
    *consumed = r.position();
    return meta;
}

std::string encode_hard_state(const HardState& state) {
    std::string out;
    put_u64_le(out, state.term.value);
    put_u64_le(out, state.vote.value);
    put_u64_le(out, state.commit_index.value);
    return out;
}

std::optional<HardState> decode_hard_state(std::string_view bytes) {
    Reader r(bytes);
    HardState state;
    state.term = Term{r.u64()};
    state.vote = NodeId{r.u64()};
    state.commit_index = LogIndex{r.u64()};
    if (!r.ok() || !r.at_end()) {
        return std::nullopt;
    }
    return state;
}

std::string encode_entry(const Entry& entry) {
    std::string out;
    out.reserve(9 + entry.data.size());
    put_u64_le(out, entry.term.value);
    out.push_back(static_cast<char>(entry.type));
    out.append(entry.data);
    return out;
}

std::optional<Entry> decode_entry(LogIndex index, std::string_view bytes) {
    if (bytes.size() < 9 || !valid_entry_type(static_cast<uint8_t>(bytes[8]))) {
        return std::nullopt;
    }
    Entry e;
    e.index = index;
    e.term = Term{load_u64_le(bytes.data())};
    e.type = static_cast<EntryType>(bytes[8]);
    e.data = std::string(bytes.substr(9));
    return e;
}

}  // namespace wd::consensus
