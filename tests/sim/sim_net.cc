#include "sim_net.h"

#include <algorithm>

namespace wd::sim {

SimNet::SimNet(int servers, Rng& rng)
    : servers_(servers), rng_(rng),
      links_(static_cast<size_t>((servers + 1) * (servers + 1)), true),
      last_tick_(links_.size(), 0) {}

size_t SimNet::index(int from, int to) const {
    WD_ASSERT(from >= 1 && from <= servers_);
    WD_ASSERT(to >= 1 && to <= servers_);
    return static_cast<size_t>(from * (servers_ + 1) + to);
}

void SimNet::send(int from, int to, PeerMessage message, uint64_t now) {
    if (!connected(from, to) || rng_.chance(options_.drop_per_mille, 1000)) {
        return;
    }
    // Only consensus messages are replayed: forwarded proposals and touches travel on the
    // servers' TCP connections, which never deliver a message twice; the core must survive
    // any replay of its own messages.
    const bool replay = message.kind == PeerMessage::Kind::raft &&
                        rng_.chance(options_.duplicate_per_mille, 1000);
    const int copies = replay ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
        uint64_t at = now + 1 + rng_.below(options_.delay_ticks_max);
        uint64_t tie = rng_.next();
        if (options_.fifo) {
            uint64_t& last = last_tick_[index(from, to)];
            at = std::max(at, last);
            last = at;
            tie = 0;  // then the sequence keeps the sending order
        }
        queue_.emplace(Key{at, tie, sequence_++}, Envelope{from, to, message});
    }
}

std::vector<Envelope> SimNet::take_due(uint64_t now, const std::function<bool(int)>& held) {
    std::vector<Envelope> out;
    std::vector<Envelope> later;
    while (!queue_.empty() && std::get<0>(queue_.begin()->first) <= now) {
        Envelope e = std::move(queue_.begin()->second);
        queue_.erase(queue_.begin());
        if (!connected(e.from, e.to)) {
            continue;
        }
        (held(e.to) ? later : out).push_back(std::move(e));
    }
    for (Envelope& e : later) {
        queue_.emplace(Key{now + 1, rng_.next(), sequence_++}, std::move(e));
    }
    return out;
}

void SimNet::drop_server(int server) {
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->second.from == server || it->second.to == server) {
            it = queue_.erase(it);
        } else {
            ++it;
        }
    }
}

void SimNet::heal() { links_.assign(links_.size(), true); }

void SimNet::split(const std::vector<int>& group) {
    std::vector<bool> in(static_cast<size_t>(servers_ + 1), false);
    for (int s : group) {
        in[static_cast<size_t>(s)] = true;
    }
    for (int a = 1; a <= servers_; ++a) {
        for (int b = 1; b <= servers_; ++b) {
            if (in[static_cast<size_t>(a)] != in[static_cast<size_t>(b)]) {
                set_link(a, b, false);
            }
        }
    }
}

void SimNet::isolate(int server) {
    for (int other = 1; other <= servers_; ++other) {
        if (other != server) {
            set_link(server, other, false);
            set_link(other, server, false);
        }
    }
}

std::string SimNet::describe_links() const {
    std::string out;
    for (int a = 1; a <= servers_; ++a) {
        for (int b = 1; b <= servers_; ++b) {
            if (a != b && !connected(a, b)) {
                out += " " + std::to_string(a) + "-x->" + std::to_string(b);
            }
        }
    }
    return out.empty() ? " all up" : out;
}

}  // namespace wd::sim
