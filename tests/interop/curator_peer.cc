// One participant on our recipes for the Curator interop test
// (tests/interop/test_curator_interop.py). It speaks the same command line and log format as
// tests/interop/curator/CuratorPeer.java, so the driver can mix both on one path:
//
//   curator_peer --connect HOST:PORT --mode mutex|latch|selector --path P --name N
//                --log FILE [--rounds R] [--hold-ms H] [--counter PATH] [--session-ms S]
//
// The peer connects, prints READY, and waits for one line on stdin before it starts. Each
// round it takes the lock (or leadership), appends "<monotonic ns> enter <name> cpp" to the
// log, increments the counter znode by a non-atomic read-modify-write, sleeps hold-ms,
// appends "... exit ...", and gives the lock up. hold-ms < 0 holds until killed. Exit code 0
// means every round completed; 2 is a failure, printed as "ERROR <what>".
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "recipes/leader_latch.h"
#include "recipes/leader_selector.h"
#include "recipes/mutex.h"

namespace {

using wd::Code;
using wd::client::SyncClient;

constexpr int64_t wait_ms = 120'000;

struct Peer {
    std::map<std::string, std::string> args;
    std::string name;
    int log_fd = -1;
    SyncClient* client = nullptr;

    std::string arg(const std::string& key, const std::string& fallback = "") const {
        auto at = args.find(key);
        return at == args.end() ? fallback : at->second;
    }
    int64_t number(const std::string& key, int64_t fallback) const {
        auto text = arg(key);
        return text.empty() ? fallback : std::stoll(text);
    }

    // One write(2) on an O_APPEND descriptor: records never interleave.
    bool record(const char* event) const {
        auto now = std::chrono::steady_clock::now().time_since_epoch();
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
        std::string line = std::to_string(ns) + " " + event + " " + name + " cpp\n";
        return ::write(log_fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    }

    // The critical section shared by every mode; an empty string means success.
    std::string hold() const {
        if (!record("enter")) {
            return "log write failed";
        }
        int64_t hold_ms = number("--hold-ms", 20);
        if (hold_ms < 0) {
            while (true) {
                std::this_thread::sleep_for(std::chrono::hours(1));  // until killed
            }
        }
        std::string counter = arg("--counter");
        if (!counter.empty()) {
            int64_t value = 0;
            auto data = client->get_data(counter);
            if (data.ok()) {
                value = std::stoll(data->data.value_or("0"));
            } else if (data.error() == Code::no_node) {
                auto made = client->create(counter, std::string("0"));
                if (!made.ok() && made.error() != Code::node_exists) {
                    return "create counter: " + std::string(wd::code_name(made.error()));
                }
            } else {
                return "read counter: " + std::string(wd::code_name(data.error()));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
            auto set = client->set_data(counter, std::to_string(value + 1));
            if (!set.ok()) {
                return "write counter: " + std::string(wd::code_name(set.error()));
            }
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
        }
        return record("exit") ? "" : "log write failed";
    }

    std::string run_mutex(const std::string& path) const {
        wd::recipes::Mutex mutex(*client, path, name);
        auto got = mutex.acquire(wait_ms);
        if (!got.ok()) {
            return "acquire: " + std::string(wd::code_name(got.error()));
        }
        if (!*got) {
            return "mutex not acquired in time";
        }
        std::string failure = hold();
        if (mutex.lost()) {
            failure = "lock lost while held";
        }
        auto released = mutex.release();
        if (failure.empty() && !released.ok()) {
            failure = "release: " + std::string(wd::code_name(released.error()));
        }
        return failure;
    }

    std::string run_latch(const std::string& path) const {
        wd::recipes::LeaderLatch latch(*client, path, name);
        auto started = latch.start(wait_ms);
        if (!started.ok()) {
            return "latch start: " + std::string(wd::code_name(started.error()));
        }
        if (!latch.await(wait_ms)) {
            return "no leadership in time";
        }
        std::string failure = hold();
        if (failure.empty() && !latch.has_leadership()) {
            failure = "leadership lost while leading";
        }
        auto closed = latch.close();
        if (failure.empty() && !closed.ok()) {
            failure = "latch close: " + std::string(wd::code_name(closed.error()));
        }
        return failure;
    }

    std::string run_selector(const std::string& path) const {
        wd::recipes::LeaderSelector selector(*client, path, name);
        std::string failure;
        auto ran = selector.run_once(wait_ms, [&](wd::recipes::LeaderSelector& self) {
            failure = hold();
            if (failure.empty() && !self.has_leadership()) {
                failure = "leadership lost while leading";
            }
        });
        if (!ran.ok()) {
            return "selector: " + std::string(wd::code_name(ran.error()));
        }
        if (!*ran) {
            return "no leadership in time";
        }
        return failure;
    }
};

int fail(const std::string& what) {
    std::cout << "ERROR " << what << std::endl;
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Peer peer;
    for (int i = 1; i + 1 < argc; i += 2) {
        peer.args[argv[i]] = argv[i + 1];
    }
    peer.name = peer.arg("--name");
    std::string mode = peer.arg("--mode");
    std::string path = peer.arg("--path");
    if (peer.name.empty() || mode.empty() || path.empty() || peer.arg("--log").empty()) {
        return fail("usage: --connect H:P --mode M --path P --name N --log FILE");
    }
    peer.log_fd = ::open(peer.arg("--log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (peer.log_fd < 0) {
        return fail("cannot open the log");
    }
    wd::client::ClientOptions options;
    options.session_timeout_ms = static_cast<int32_t>(peer.number("--session-ms", 4'000));
    auto client = SyncClient::connect(peer.arg("--connect"), options);
    if (!client.ok() || !(*client)->wait_connected(30'000)) {
        return fail("not connected within 30 s");
    }
    peer.client = client->get();
    std::cout << "READY" << std::endl;
    std::string go;
    std::getline(std::cin, go);
    int64_t rounds = peer.number("--rounds", 1);
    for (int64_t round = 0; round < rounds; ++round) {
        std::string failure;
        if (mode == "mutex") {
            failure = peer.run_mutex(path);
        } else if (mode == "latch") {
            failure = peer.run_latch(path);
        } else if (mode == "selector") {
            failure = peer.run_selector(path);
        } else {
            failure = "unknown mode " + mode;
        }
        if (!failure.empty()) {
            return fail(failure);
        }
    }
    (void)(*client)->close();
    ::close(peer.log_fd);
    std::cout << "DONE" << std::endl;
    return 0;
}
