// Encoding and decoding of the records in records.h.
//
// encode(w, record) appends a record; decode<T>(r) reads one. Decoders never read past their
// span; a truncated or inconsistent record leaves the reader failed (JuteReader::ok() false)
// and the caller turns that into an error value for the connection.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "base/result.h"
#include "proto/jute.h"
#include "proto/records.h"

namespace wd::proto {

namespace detail {

struct WriteVisitor {
    JuteWriter& w;
    template <class... F>
    void operator()(const F&... fields) {
        (put(fields), ...);
    }
    void put(int32_t v) { w.i32(v); }
    void put(int64_t v) { w.i64(v); }
    void put(bool v) { w.boolean(v); }
    void put(const std::string& v) { w.buffer(v); }
    void put(const Data& v) {
        if (v) {
            w.buffer(*v);
        } else {
            w.null_buffer();
        }
    }
    template <class E>
    void put(const std::vector<E>& v) {
        w.i32(static_cast<int32_t>(v.size()));
        for (const auto& e : v) {
            put(e);
        }
    }
    template <class R>
        requires std::is_class_v<R>
    void put(const R& record) {
        record.visit(*this);
    }
};

struct ReadVisitor {
    JuteReader& r;
    template <class... F>
    void operator()(F&... fields) {
        (get(fields), ...);
    }
    void get(int32_t& v) { v = r.i32(); }
    void get(int64_t& v) { v = r.i64(); }
    void get(bool& v) { v = r.boolean(); }
    void get(std::string& v) { v = r.buffer(); }
    void get(Data& v) {
        bool is_null = false;
        std::string s = r.buffer(&is_null);
        if (is_null) {
            v.reset();
        } else {
            v = std::move(s);
        }
    }
    template <class E>
    void get(std::vector<E>& v) {
        int32_t n = r.vector_count(min_size<E>());
        v.clear();
        for (int32_t i = 0; i < n && r.ok(); ++i) {
            E e{};
            get(e);
            v.push_back(std::move(e));
        }
    }
    template <class R>
        requires std::is_class_v<R>
    void get(R& record) {
        record.visit(*this);
    }
    template <class E>
    static constexpr size_t min_size() {
        if constexpr (std::is_same_v<E, int64_t>) {
            return 8;
        } else if constexpr (std::is_same_v<E, bool>) {
            return 1;
        } else {
            return 4;  // int, buffer length, or the first field of a record
        }
    }
};

}  // namespace detail

template <class R>
void encode(JuteWriter& w, const R& record) {
    detail::WriteVisitor v{w};
    record.visit(v);
}

template <class R>
R decode(JuteReader& r) {
    R record{};
    detail::ReadVisitor v{r};
    record.visit(v);
    return record;
}

// Whole-buffer helpers: the record must fill `bytes` exactly.
template <class R>
std::string encode_to_string(const R& record) {
    std::string out;
    JuteWriter w(out);
    encode(w, record);
    return out;
}
template <class R>
Result<R> decode_exact(std::string_view bytes) {
    JuteReader r(bytes);
    R record = decode<R>(r);
    if (!r.ok()) {
        return err(Status::corruption("truncated or malformed record"));
    }
    if (!r.at_end()) {
        return err(Status::corruption("trailing bytes after record"));
    }
    return record;
}

// ConnectRequest: the trailing readOnly flag is optional (clients of 3.3 and earlier omit it).
void encode(JuteWriter& w, const ConnectRequest& request);
Result<ConnectRequest> decode_connect_request(std::string_view bytes);
// ConnectResponse: the trailing readOnly flag is written iff has_read_only (ZooKeeper omits it
// for clients whose request lacked it); decoding sets has_read_only from its presence.
void encode(JuteWriter& w, const ConnectResponse& response);
Result<ConnectResponse> decode_connect_response(std::string_view bytes);

// MultiOperationRecord: (MultiHeader op)* MultiHeader{-1, true, -1}.
// `read_only` selects multiRead (getChildren/getData ops) instead of multi (write ops).
void encode(JuteWriter& w, const MultiRequest& request);
Result<MultiRequest> decode_multi_request(JuteReader& r, bool read_only);
void encode(JuteWriter& w, const MultiResponse& response);
Result<MultiResponse> decode_multi_response(JuteReader& r);

// Whether `type` may appear in a multi (write ops) or, with read_only, a multiRead.
bool multi_op_allowed(OpCode type, bool read_only);

}  // namespace wd::proto
