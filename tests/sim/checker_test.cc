// The checkers must catch broken histories, not only pass good ones. Each history here is
// written by hand; times are the global event order, zxids as a server would report them.
#include <gtest/gtest.h>

#include "base/code.h"
#include "checkers/linearizability.h"
#include "checkers/session_order.h"
#include "sim_disk.h"
#include "simulation.h"

namespace wd::sim {
namespace {

constexpr int32_t no_node = static_cast<int32_t>(Code::no_node);
constexpr int32_t node_exists = static_cast<int32_t>(Code::node_exists);
constexpr uint64_t budget = 100'000;

Op write(OpKind kind, int process, std::string data, uint64_t invoke, uint64_t complete,
         int64_t zxid, int32_t err = 0) {
    Op op;
    op.process = process;
    op.session_id = 100 + process;
    op.kind = kind;
    op.path = "/k0";
    op.data = std::move(data);
    op.invoke_time = invoke;
    op.complete_time = complete;
    op.zxid = zxid;
    op.err = err;
    return op;
}

Op get(int process, uint64_t invoke, uint64_t complete, int64_t zxid, std::string data,
       int32_t version, int32_t err = 0) {
    Op op = write(OpKind::get, process, "", invoke, complete, zxid, err);
    op.out_data = std::move(data);
    op.out_version = version;
    return op;
}

Verdict verdict(const std::vector<Op>& history) {
    return check_linearizable(history, budget).verdict;
}

TEST(Linearizability, AcceptsConcurrentWritesInZxidOrder) {
    Op set = write(OpKind::set, 2, "b", 4, 7, 6);
    set.out_version = 1;
    const std::vector<Op> h = {
        write(OpKind::create, 1, "a", 1, 5, 5),
        set,
        get(3, 2, 3, 4, "", 0, no_node),   // a read at zxid 4 precedes both writes
        get(3, 8, 9, 6, "b", 1),
        write(OpKind::create, 1, "c", 10, 11, 7, node_exists),
    };
    EXPECT_EQ(verdict(h), Verdict::ok);
}

TEST(Linearizability, CatchesAReadOfAValueNeverWritten) {
    const std::vector<Op> h = {
        write(OpKind::create, 1, "a", 1, 2, 5),
        get(2, 3, 4, 5, "zzz", 0),
    };
    const LinearizabilityResult r = check_linearizable(h, budget);
    EXPECT_EQ(r.verdict, Verdict::violation);
    EXPECT_NE(r.explanation.find("no linearization"), std::string::npos) << r.explanation;
}

TEST(Linearizability, CatchesZxidsAgainstRealTime) {
    // The first create was acknowledged before the second was sent, yet has the later zxid.
    const std::vector<Op> h = {
        write(OpKind::create, 1, "a", 1, 2, 9),
        write(OpKind::create, 2, "b", 3, 4, 8, node_exists),
    };
    EXPECT_EQ(verdict(h), Verdict::violation);
}

TEST(Linearizability, CatchesALostAcknowledgedWrite) {
    // set "b" was acknowledged at zxid 6; a read at zxid 7 still sees "a".
    Op set = write(OpKind::set, 2, "b", 3, 4, 6);
    set.out_version = 1;
    const std::vector<Op> h = {
        write(OpKind::create, 1, "a", 1, 2, 5),
        set,
        get(1, 5, 6, 7, "a", 0),
    };
    EXPECT_EQ(verdict(h), Verdict::violation);
}

TEST(Linearizability, CatchesAStaleReadWithoutZxids) {
    // Classic real-time order with no zxids at all: the write completed before the read began.
    const std::vector<Op> h = {
        write(OpKind::create, 1, "a", 1, 2, 0),
        get(2, 3, 4, 0, "", 0, no_node),
    };
    EXPECT_EQ(verdict(h), Verdict::violation);
    const std::vector<Op> concurrent = {
        write(OpKind::create, 1, "a", 1, 4, 0),
        get(2, 2, 3, 0, "", 0, no_node),
    };
    EXPECT_EQ(verdict(concurrent), Verdict::ok);
}

TEST(Linearizability, AnUnansweredWriteMayOrMayNotHappen) {
    Op lost = write(OpKind::create, 1, "a", 1, time_never, 0);
    EXPECT_EQ(verdict({lost, get(2, 3, 4, 6, "a", 0)}), Verdict::ok);
    EXPECT_EQ(verdict({lost, get(2, 3, 4, 6, "", 0, no_node)}), Verdict::ok);
    // But not before it was sent.
    EXPECT_EQ(verdict({get(2, 1, 2, 0, "a", 0), write(OpKind::create, 1, "a", 3, time_never, 0)}),
              Verdict::violation);
}

TEST(Linearizability, EphemeralsGoWithTheirSession) {
    Op create = write(OpKind::create, 1, "e", 1, 2, 5);
    create.ephemeral = true;
    Op close;
    close.process = -1;
    close.session_id = 101;
    close.kind = OpKind::close;
    close.invoke_time = 3;
    close.complete_time = 4;
    close.zxid = 6;
    Op seen = get(2, 5, 6, 7, "e", 0);
    seen.out_owner = 101;
    EXPECT_EQ(verdict({create, close, seen}), Verdict::violation);
    EXPECT_EQ(verdict({create, close, get(2, 5, 6, 7, "", 0, no_node)}), Verdict::ok);
    // A write of the closed session fails.
    Op late = write(OpKind::set, 1, "x", 7, 8, 8);
    late.out_version = 1;
    EXPECT_EQ(verdict({create, close, late}), Verdict::violation);
}

TEST(SessionOrder, CatchesAReadGoingBack) {
    EXPECT_EQ(check_session_order({get(1, 1, 2, 9, "", 0, no_node),
                                   get(1, 3, 4, 12, "", 0, no_node)}),
              "");
    EXPECT_NE(check_session_order({get(1, 1, 2, 9, "", 0, no_node),
                                   get(1, 3, 4, 7, "", 0, no_node)}),
              "");
}

TEST(SimDisk, ACrashKeepsSyncedWritesOnly) {
    using consensus::Entry;
    using consensus::LogIndex;
    using consensus::Term;
    SimDisk disk;
    const std::vector<Entry> first = {Entry{Term{1}, LogIndex{1}, {}, "a"},
                                      Entry{Term{1}, LogIndex{2}, {}, "b"}};
    disk.append(first);
    disk.set_hard_state({Term{1}, consensus::NodeId{1}, LogIndex{2}});
    disk.sync();
    const std::vector<Entry> second = {Entry{Term{2}, LogIndex{3}, {}, "c"},
                                       Entry{Term{2}, LogIndex{4}, {}, "d"}};
    disk.append(second);
    disk.set_hard_state({Term{2}, consensus::NodeId{2}, LogIndex{2}});
    for (uint64_t seed = 1; seed <= 50; ++seed) {
        SimDisk copy;
        copy.append(first);
        copy.set_hard_state({Term{1}, consensus::NodeId{1}, LogIndex{2}});
        copy.sync();
        copy.append(second);
        copy.set_hard_state({Term{2}, consensus::NodeId{2}, LogIndex{2}});
        Rng rng(seed);
        copy.crash(rng);
        EXPECT_GE(copy.live().last_index(), LogIndex{2});
        EXPECT_LE(copy.live().last_index(), LogIndex{4});
        if (copy.live().hard_state().term == Term{2}) {
            EXPECT_EQ(copy.live().last_index(), LogIndex{4});  // written in order
        }
    }
    Rng rng(7);
    disk.sync();
    disk.crash(rng);
    EXPECT_EQ(disk.live().last_index(), LogIndex{4});
}

TEST(Simulation, ASeedReplaysExactly) {
    SimOptions o;
    o.seed = 42;
    o.servers = 3;
    o.safety_ticks = 200;
    const SimResult a = run_simulation(o);
    const SimResult b = run_simulation(o);
    EXPECT_TRUE(a.ok) << a.failure;
    EXPECT_EQ(a.knobs, b.knobs);
    EXPECT_EQ(a.stats.ops, b.stats.ops);
    EXPECT_EQ(a.stats.committed, b.stats.committed);
    EXPECT_EQ(a.stats.crashes, b.stats.crashes);
    EXPECT_EQ(a.stats.linearizability_states, b.stats.linearizability_states);
}

}  // namespace
}  // namespace wd::sim
