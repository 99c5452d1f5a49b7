#include "sim_client.h"

#include <algorithm>
#include <cstdio>

#include "base/code.h"
#include "checkers/replicas.h"
#include "proto/codec.h"

namespace wd::sim {

using proto::OpCode;

namespace {

constexpr int32_t code(Code c) { return static_cast<int32_t>(c); }

std::vector<proto::Acl> open_acl() {
    return {proto::Acl{31, proto::Id{"world", "anyone"}}};
}

bool is_write(OpKind kind) {
    return kind == OpKind::create || kind == OpKind::set || kind == OpKind::remove ||
           kind == OpKind::close;
}

}  // namespace

Workload::Workload(int clients, int servers, const ClientKnobs& knobs, Rng& rng,
                   Recorder& recorder)
    : servers_(servers), knobs_(knobs), rng_(rng), recorder_(recorder) {
    for (int i = 0; i < clients; ++i) {
        Client c;
        c.id = i;
        c.server = 1 + static_cast<int>(rng_.below(static_cast<uint64_t>(servers)));
        c.next_action_tick = rng_.below(10);
        clients_.push_back(std::move(c));
    }
}

uint64_t Workload::record(Op op, int32_t xid) {
    op.invoke_time = recorder_.now();
    recorder_.ops.push_back(std::move(op));
    recorder_.xids.push_back(xid);
    return recorder_.ops.size() - 1;
}

bool Workload::write_acknowledged_since(uint64_t since) const {
    return std::any_of(acked_writes_.begin(), acked_writes_.end(),
                       [&](uint64_t t) { return t >= since; });
}

void Workload::switch_server(Client& c) {
    std::vector<int> choices;
    for (int s = 1; s <= servers_; ++s) {
        if (s != c.server && (allowed_.empty() || allowed_.contains(s))) {
            choices.push_back(s);
        }
    }
    if (!choices.empty()) {
        c.server = choices[rng_.below(choices.size())];
    }
    c.connected = false;
    c.conn = next_conn_++;
}

void Workload::end_session(Client& c) {
    c.session_id = 0;
    c.connected = false;
    c.versions_seen.clear();
}

std::vector<std::pair<int, ClientRequest>> Workload::tick(uint64_t now_tick) {
    std::vector<std::pair<int, ClientRequest>> out;
    for (Client& c : clients_) {
        if (c.waiting != Waiting::none && now_tick - c.sent_tick > knobs_.op_timeout_ticks) {
            time_out(c, now_tick);
        }
        if (c.waiting != Waiting::none) {
            continue;
        }
        if (!allowed_.empty() && !allowed_.contains(c.server)) {
            switch_server(c);
        }
        if (auto request = act(c, now_tick)) {
            c.sent_tick = now_tick;
            out.emplace_back(c.server, std::move(*request));
        }
    }
    return out;
}

// The request timed out: an operation's outcome stays unknown (no response in the history),
// and the client tries another server with the same session.
void Workload::time_out(Client& c, uint64_t now_tick) {
    if (verbose_) {
        std::printf("  client %d: request to server %d timed out\n", c.id, c.server);
    }
    if (c.waiting == Waiting::connect && c.session_new) {
        end_session(c);  // it may exist; nobody pings it, so it expires
    }
    c.waiting = Waiting::none;
    switch_server(c);
    c.next_action_tick = now_tick + rng_.below(4);
}

std::optional<ClientRequest> Workload::act(Client& c, uint64_t now_tick) {
    ClientRequest r;
    r.client = c.id;
    if (c.session_id == 0) {
        c.session_id = next_session_id_++;
        c.session_new = true;
        c.conn = next_conn_++;
        c.values = 0;
    }
    r.session_id = c.session_id;
    if (!c.connected) {
        if (now_tick < c.next_action_tick) {
            return std::nullopt;
        }
        r.kind = ClientRequest::Kind::connect;
        r.conn = c.conn;
        r.new_session = c.session_new;
        r.last_zxid_seen = c.last_zxid_seen;
        r.timeout_ms = knobs_.session_timeout_ms;
        r.op = recorder_.now();  // the invocation, for the liveness probe
        c.waiting = Waiting::connect;
        return r;
    }
    r.conn = c.conn;
    if (now_tick < c.next_action_tick) {
        if (now_tick - c.last_ping_tick < knobs_.ping_every_ticks) {
            return std::nullopt;
        }
        c.last_ping_tick = now_tick;
        r.kind = ClientRequest::Kind::ping;
        c.waiting = Waiting::ping;
        return r;
    }
    c.next_action_tick = now_tick + 1 + rng_.below(knobs_.think_ticks_max);
    if (rng_.chance(knobs_.abandon_per_mille, 1000)) {
        if (verbose_) {
            std::printf("  client %d: abandons session %lld\n", c.id,
                        static_cast<long long>(c.session_id));
        }
        end_session(c);
        return std::nullopt;
    }
    c.last_ping_tick = now_tick;
    c.waiting = Waiting::op;
    return start_op(c);
}

ClientRequest Workload::start_op(Client& c) {
    ClientRequest r;
    r.client = c.id;
    r.conn = c.conn;
    r.session_id = c.session_id;
    r.xid = c.next_xid++;
    Op op;
    op.process = c.id;
    op.session_id = c.session_id;
    op.path = key_path(rng_.below(knobs_.keys));
    op.data = "c" + std::to_string(c.id) + "s" + std::to_string(c.session_id) + "v" +
              std::to_string(c.values++);
    auto seen = c.versions_seen.find(op.path);
    const bool conditional = seen != c.versions_seen.end() && rng_.chance(1, 3);
    const uint64_t pick = rng_.below(100);
    if (rng_.chance(knobs_.close_per_mille, 1000)) {
        op.kind = OpKind::close;
        op.path.clear();
        op.data.clear();
        r.kind = ClientRequest::Kind::write;
        r.type = OpCode::close_session;
    } else if (pick < 25) {
        op.kind = OpKind::create;
        op.ephemeral = rng_.chance(1, 2);
        r.kind = ClientRequest::Kind::write;
        r.type = OpCode::create;
        r.body = proto::encode_to_string(
            proto::CreateRequest{op.path, op.data, open_acl(), op.ephemeral ? 1 : 0});
    } else if (pick < 50) {
        op.kind = OpKind::set;
        op.version = conditional ? seen->second : -1;
        r.kind = ClientRequest::Kind::write;
        r.type = OpCode::set_data;
        r.body = proto::encode_to_string(proto::SetDataRequest{op.path, op.data, op.version});
    } else if (pick < 65) {
        op.kind = OpKind::remove;
        op.data.clear();
        op.version = conditional ? seen->second : -1;
        r.kind = ClientRequest::Kind::write;
        r.type = OpCode::remove;
        r.body = proto::encode_to_string(proto::DeleteRequest{op.path, op.version});
    } else {
        op.kind = pick < 90 ? OpKind::get : OpKind::exists;
        op.data.clear();
        r.kind = ClientRequest::Kind::read;
        r.read_kind = op.kind;
        r.path = op.path;
    }
    if (r.kind == ClientRequest::Kind::read) {
        r.xid = 0;
    }
    r.op = record(std::move(op), r.xid);
    c.op = r.op;
    if (verbose_) {
        std::printf("  client %d -> server %d: %s\n", c.id, c.server,
                    describe(recorder_.ops[r.op]).c_str());
    }
    return r;
}

void Workload::on_reply(const ClientReply& reply, uint64_t now_tick) {
    if (reply.client < 0 || static_cast<size_t>(reply.client) >= clients_.size()) {
        return;
    }
    Client& c = clients_[static_cast<size_t>(reply.client)];
    if (reply.conn != c.conn || c.waiting == Waiting::none) {
        return;  // an answer on a connection the client has given up
    }
    const Waiting waiting = c.waiting;
    c.waiting = Waiting::none;
    if (reply.lost) {
        if (waiting == Waiting::connect && c.session_new) {
            end_session(c);
        }
        switch_server(c);
        c.next_action_tick = now_tick + rng_.below(4);
        return;
    }
    switch (waiting) {
        case Waiting::none: return;
        case Waiting::ping: return;
        case Waiting::connect:
            if (reply.err == code(Code::session_expired)) {
                end_session(c);
            } else if (reply.err != 0) {
                switch_server(c);  // refused: it is behind what we have seen
            } else {
                if (c.session_new) {
                    // create_session is a write too: the liveness probe counts it.
                    acked_writes_.push_back(reply.op);
                    max_acked_zxid_ = std::max(max_acked_zxid_, reply.zxid);
                }
                c.connected = true;
                c.session_new = false;
                c.last_zxid_seen = std::max(c.last_zxid_seen, reply.zxid);
            }
            return;
        case Waiting::op: complete_op(c, reply); return;
    }
}

void Workload::complete_op(Client& c, const ClientReply& reply) {
    WD_ASSERT(reply.op == c.op);
    Op& op = recorder_.ops[reply.op];
    op.complete_time = recorder_.now();
    op.err = reply.err;
    op.zxid = reply.zxid;
    op.out_data = reply.data;
    op.out_version = reply.version;
    op.out_owner = reply.owner;
    c.last_zxid_seen = std::max(c.last_zxid_seen, reply.zxid);
    if (verbose_) {
        std::printf("  client %d <- server %d: %s\n", c.id, c.server, describe(op).c_str());
    }
    if (is_write(op.kind)) {
        acked_writes_.push_back(op.invoke_time);
        max_acked_zxid_ = std::max(max_acked_zxid_, reply.zxid);
    }
    if (op.kind == OpKind::close ||
        (op.err == code(Code::session_expired) || op.err == code(Code::unknown_session))) {
        end_session(c);
        return;
    }
    if (op.err == 0 && op.kind != OpKind::remove) {
        c.versions_seen[op.path] = op.kind == OpKind::create ? 0 : op.out_version;
    }
}

}  // namespace wd::sim
