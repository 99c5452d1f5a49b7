// The simulated network between servers (STYLE.md §4 "network" faults): every message gets a
// random delay, and may be dropped; consensus messages may also be duplicated; random delays
// reorder messages; links are directed, so partitions can be symmetric or asymmetric and a
// single server can be isolated.
//
// Test-only; single-threaded. Time is the simulator's tick; nothing here reads a clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "base/rng.h"
#include "consensus/messages.h"

namespace wd::sim {

// What servers send each other, as in the real server's peer protocol
// (src/server/pipeline_replica.cc): consensus messages, forwarded proposals, and the session
// touches a follower reports to its leader.
struct PeerMessage {
    enum class Kind : uint8_t { raft, forward, touch };
    Kind kind = Kind::raft;
    consensus::Message raft;
    std::string proposal;
    std::vector<int64_t> touches;
};

struct NetOptions {
    uint64_t delay_ticks_max = 3;   // delivery after 1..delay_ticks_max ticks
    uint64_t drop_per_mille = 0;
    uint64_t duplicate_per_mille = 0;
    // Deliver in order on each link, as TCP does; otherwise random delays reorder freely.
    bool fifo = false;
};

struct Envelope {
    int from = 0;
    int to = 0;
    PeerMessage message;
};

class SimNet {
public:
    SimNet(int servers, Rng& rng);

    void set_options(const NetOptions& options) { options_ = options; }
    const NetOptions& options() const { return options_; }

    // A message on a cut link is lost; otherwise it is queued for a later tick.
    void send(int from, int to, PeerMessage message, uint64_t now);
    // Removes and returns the messages due at `now` in delivery order. A message on a link cut
    // meanwhile is lost; one for a server that `held` says is paused waits for the next tick.
    std::vector<Envelope> take_due(uint64_t now, const std::function<bool(int)>& held);
    // Drops every queued message to or from `server` (its process died: connections reset).
    void drop_server(int server);

    bool connected(int from, int to) const { return links_[index(from, to)]; }
    void set_link(int from, int to, bool up) { links_[index(from, to)] = up; }
    void heal();
    // Cuts every link between `group` and the rest, both ways.
    void split(const std::vector<int>& group);
    // Cuts every link to and from `server`.
    void isolate(int server);
    std::string describe_links() const;
    size_t in_flight() const { return queue_.size(); }

private:
    size_t index(int from, int to) const;
    // (delivery tick, random tie-break, sequence): the order messages are delivered in.
    using Key = std::tuple<uint64_t, uint64_t, uint64_t>;

    int servers_;
    Rng& rng_;
    NetOptions options_;
    std::vector<bool> links_;
    std::map<Key, Envelope> queue_;
    std::vector<uint64_t> last_tick_;  // per link: the latest delivery tick queued (fifo)
    uint64_t sequence_ = 0;
};

}  // namespace wd::sim
