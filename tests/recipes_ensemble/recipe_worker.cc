// recipe_worker: one recipe role in a loop against a Warden server or ensemble, for the
// multi-process safety test (test_recipes_ensemble.py). Every event that matters for safety is
// one line "<CLOCK_MONOTONIC µs> <pid> <event> [args]" appended to --log with a single write()
// (no user-space buffer, so a process killed with -9 loses nothing it logged). CLOCK_MONOTONIC
// is system-wide, so lines of different processes on one machine compare directly.
//
// The logged intervals are inside the real ones: "enter" is written after acquire() returned,
// "exit" before release() is called; "leader-start"/"leader-end" come from the latch listener,
// which the latch calls after it saw itself first and before it deletes its node.
//
//   recipe_worker --connect HOSTS --recipe ROLE --path /x --log FILE [--rounds N]
//                 [--hold-ms MS] [--pause-ms MS] [--session-timeout-ms MS] [--leases N]
//                 [--members N] [--stop-file F] [--deadline-s S] [--id NAME]
//
// Roles: mutex, semaphore, leader, counter, queue-producer, queue-consumer, barrier, and the
// one-shot readers counter-read and queue-size. A worker stops after --rounds operations, once
// --stop-file exists (the barrier: once the round number written in it is reached, so that all
// members run the same rounds; a consumer: once the file exists and the queue is empty), or at
// --deadline-s. Errors are logged ("error <op> <code>") and the loop goes on; an expired
// session is logged ("expired") and replaced by a new one.
#include <fcntl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "recipes/barrier.h"
#include "recipes/leader_latch.h"
#include "recipes/mutex.h"
#include "recipes/read_write_lock.h"
#include "recipes/queue.h"
#include "recipes/semaphore.h"
#include "recipes/shared_count.h"

namespace {

using namespace wd;
using client::SyncClient;

int64_t now_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1'000;
}

void sleep_ms(int64_t ms) {
    if (ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
}

struct Options {
    std::string connect;
    std::string recipe;
    std::string path;
    std::string log;
    std::string stop_file;
    std::string id;
    int64_t rounds = 1'000'000;
    int64_t hold_ms = 50;
    int64_t pause_ms = 10;
    int32_t session_timeout_ms = 4'000;
    int32_t leases = 2;
    int32_t members = 3;
    int64_t deadline_s = 150;
};

class Log {
public:
    explicit Log(const std::string& path)
        : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
        if (fd_ < 0) {
            std::perror(path.c_str());
            std::exit(2);
        }
    }
    ~Log() { ::close(fd_); }
    // The timestamp is taken under the lock, so a process's lines are in time order.
    void line(const std::string& event) {
        std::lock_guard<std::mutex> lock(mutex_);
        std::string text = fmt::format("{} {} {}\n", now_us(), ::getpid(), event);
        const char* at = text.data();
        size_t left = text.size();
        while (left > 0) {
            ssize_t n = ::write(fd_, at, left);
            if (n <= 0) {
                std::exit(2);
            }
            at += n;
            left -= static_cast<size_t>(n);
        }
    }

private:
    int fd_;
    std::mutex mutex_;
};

bool retriable(Code code) {
    return code == Code::connection_loss || code == Code::operation_timeout ||
           code == Code::request_timeout;
}

class Worker {
public:
    Worker(Options options, Log& log)
        : o_(std::move(options)), log_(log), started_(std::chrono::steady_clock::now()),
          random_(static_cast<uint32_t>(::getpid())) {}

    int run() {
        if (!reconnect()) {
            return 1;
        }
        const std::string& r = o_.recipe;
        if (r == "mutex") return mutex();
        if (r == "semaphore") return semaphore();
        if (r == "rwlock-reader") return rwlock(false);
        if (r == "rwlock-writer") return rwlock(true);
        if (r == "leader") return leader();
        if (r == "counter") return counter();
        if (r == "queue-producer") return producer();
        if (r == "queue-consumer") return consumer();
        if (r == "barrier") return barrier();
        if (r == "counter-read") return counter_read();
        if (r == "queue-size") return queue_size();
        std::fprintf(stderr, "unknown --recipe %s\n", r.c_str());
        return 2;
    }

private:
    bool past_deadline() const {
        return std::chrono::steady_clock::now() - started_ > std::chrono::seconds(o_.deadline_s);
    }
    bool stop_file_exists() const {
        return !o_.stop_file.empty() && ::access(o_.stop_file.c_str(), F_OK) == 0;
    }
    bool should_stop(int64_t round) const {
        return round >= o_.rounds || stop_file_exists() || past_deadline();
    }
    int64_t jitter(int64_t base) {
        return base <= 0 ? 0 : base / 2 + static_cast<int64_t>(random_() % static_cast<uint32_t>(base + 1));
    }

    // A new session; retries until the deadline.
    bool reconnect() {
        client_.reset();
        while (!past_deadline()) {
            client::ClientOptions options;
            options.session_timeout_ms = o_.session_timeout_ms;
            options.request_timeout_ms = 10'000;
            auto made = SyncClient::connect(o_.connect, options);
            if (made.ok() && (*made)->wait_connected(10'000)) {
                client_ = std::move(made).value();
                log_.line(fmt::format("session {:x} timeout {}", client_->session_id(),
                                      client_->async().negotiated_timeout_ms()));
                return true;
            }
            log_.line("error connect");
            sleep_ms(200);
        }
        log_.line("deadline");
        return false;
    }

    // After an error: a new session if this one ended, else wait for the connection.
    bool recover(const char* op, Code code) {
        log_.line(fmt::format("error {} {}", op, code_name(code)));
        if (client::is_terminal(client_->state())) {
            log_.line("expired");
            return reconnect();
        }
        client_->wait_connected(2'000);
        sleep_ms(20);
        return true;
    }

    int mutex() {
        return lock_rounds([&](const auto& hold) {
            recipes::Mutex lock(*client_, o_.path, o_.id);
            return hold(lock);
        });
    }

    // One side of a read-write lock: readers may share, a writer excludes everyone.
    int rwlock(bool write) {
        return lock_rounds([&](const auto& hold) {
            recipes::ReadWriteLock rw(*client_, o_.path);
            return hold(write ? rw.write_lock() : rw.read_lock());
        });
    }

    // Rounds of acquire, hold (logging enter/exit), release on a lock that `with_lock` makes
    // fresh for each round and hands to its argument.
    template <class WithLock>
    int lock_rounds(WithLock with_lock) {
        for (int64_t round = 0; !should_stop(round); ++round) {
            // true: go on with the next round; false: the worker gives up.
            bool go_on = with_lock([&](recipes::Mutex& lock) {
                auto got = lock.acquire(20'000);
                if (!got.ok()) {
                    return recover("acquire", got.error());
                }
                if (!*got) {
                    log_.line("timeout acquire");
                    return true;
                }
                log_.line(fmt::format("enter {}", round));
                bool lost = hold_watching([&] { return lock.lost(); });
                log_.line(fmt::format("exit {}{}", round, lost ? " lost" : ""));
                auto released = lock.release();
                if (!released.ok()) {
                    log_.line(fmt::format("error release {}", code_name(released.error())));
                }
                sleep_ms(jitter(o_.pause_ms));
                return true;
            });
            if (!go_on) {
                return 1;
            }
        }
        log_.line("done");
        return 0;
    }

    // Sleeps about hold_ms; true if `lost` turned true meanwhile.
    template <class F>
    bool hold_watching(F lost) {
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(jitter(o_.hold_ms));
        bool seen = false;
        while (std::chrono::steady_clock::now() < until) {
            seen = seen || lost();
            sleep_ms(5);
        }
        return seen || lost();
    }

    int semaphore() {
        for (int64_t round = 0; !should_stop(round); ++round) {
            recipes::Semaphore semaphore(*client_, o_.path, o_.leases);
            auto lease = semaphore.acquire(20'000);
            if (!lease.ok()) {
                if (!recover("acquire", lease.error())) return 1;
                continue;
            }
            if (!lease->has_value()) {
                log_.line("timeout acquire");
                continue;
            }
            log_.line(fmt::format("enter {}", round));
            sleep_ms(jitter(o_.hold_ms));
            log_.line(fmt::format("exit {}", round));
            auto released = semaphore.release(**lease);
            if (!released.ok()) {
                log_.line(fmt::format("error release {}", code_name(released.error())));
            }
            sleep_ms(jitter(o_.pause_ms));
        }
        log_.line("done");
        return 0;
    }

    int leader() {
        for (int64_t round = 0; !should_stop(round); ++round) {
            recipes::LeaderLatch latch(*client_, o_.path, o_.id);
            latch.set_listener([this, round](bool leader) {
                log_.line(fmt::format("{} {}", leader ? "leader-start" : "leader-end", round));
            });
            auto started = latch.start(20'000);
            if (!started.ok()) {
                if (!recover("start", started.error())) return 1;
                continue;
            }
            if (latch.await(20'000)) {
                sleep_ms(jitter(o_.hold_ms));
            } else {
                log_.line("timeout await");
            }
            auto closed = latch.close();  // leadership is given up before the node goes
            if (!closed.ok() && !recover("close", closed.error())) {
                return 1;
            }
            sleep_ms(jitter(o_.pause_ms));
        }
        log_.line("done");
        return 0;
    }

    int counter() {
        for (int64_t round = 0; !should_stop(round); ++round) {
            recipes::SharedCount count(*client_, o_.path);
            auto value = count.increment();
            if (value.ok()) {
                log_.line(fmt::format("inc {}", *value));
            } else if (retriable(value.error())) {
                // The compare-and-set may have applied: counted as "maybe" by the checker.
                log_.line(fmt::format("inc-unknown {}", code_name(value.error())));
                client_->wait_connected(2'000);
            } else if (!recover("inc", value.error())) {
                return 1;
            }
            sleep_ms(jitter(o_.pause_ms));
        }
        log_.line("done");
        return 0;
    }

    int producer() {
        for (int64_t round = 0; !should_stop(round); ++round) {
            recipes::Queue queue(*client_, o_.path);
            std::string item = fmt::format("{}-{}", o_.id, round);
            auto put = queue.put(item, 20'000);
            if (put.ok()) {
                log_.line("produced " + item);
            } else {
                log_.line(fmt::format("put-unknown {} {}", item, code_name(put.error())));
                if (!recover("put", put.error())) return 1;
            }
            sleep_ms(jitter(o_.pause_ms));
        }
        log_.line("done");
        return 0;
    }

    int consumer() {
        while (!past_deadline()) {
            recipes::Queue queue(*client_, o_.path);
            bool stopping = stop_file_exists();  // read before the take that finds the queue empty
            auto took = queue.take(500);
            if (!took.ok()) {
                // A take whose outcome stayed unknown: the item may be gone with nobody logging it.
                log_.line(fmt::format("take-unknown {}", code_name(took.error())));
                if (!recover("take", took.error())) return 1;
                continue;
            }
            if (!took->has_value()) {
                if (stopping) {
                    break;
                }
                continue;
            }
            log_.line("consumed " + **took);
            sleep_ms(jitter(o_.hold_ms));  // "processing" the item
        }
        log_.line("done");
        return 0;
    }

    // The round number the barrier members stop before, once the driver wrote it.
    int64_t barrier_stop_round() const {
        std::ifstream in(o_.stop_file);
        int64_t round = -1;
        if (in >> round) {
            return round;
        }
        return o_.rounds;
    }

    int barrier() {
        // The barrier's node is persistent, so it does not go away as an empty container
        // between two rounds.
        auto made = recipes::ensure_path(*client_, o_.path);
        if (!made.ok()) {
            log_.line(fmt::format("error setup {}", code_name(made.error())));
        }
        for (int64_t round = 0; round < std::min(o_.rounds, barrier_stop_round()); ++round) {
            if (past_deadline()) {
                log_.line("deadline");
                return 1;
            }
            // One path per round: a double barrier's path must not be reused while a member may
            // still be leaving the previous round (docs/recipes.md, "Double barrier").
            const std::string round_path = fmt::format("{}/round-{:06d}", o_.path, round);
            recipes::DoubleBarrier barrier(*client_, round_path, o_.members);
            log_.line(fmt::format("enter-start {}", round));
            if (!barrier_step(round, "enter", [&] { return barrier.enter(8'000); })) return 1;
            log_.line(fmt::format("passed {}", round));
            sleep_ms(jitter(o_.hold_ms));
            log_.line(fmt::format("leave-start {}", round));
            if (!barrier_step(round, "leave", [&] { return barrier.leave(8'000); })) return 1;
            log_.line(fmt::format("left {}", round));
            sleep_ms(jitter(o_.pause_ms));
        }
        log_.line("done");
        return 0;
    }

    // Runs enter or leave, retrying errors while the session lives; false on timeout or expiry.
    template <class F>
    bool barrier_step(int64_t round, const char* what, F step) {
        while (!past_deadline()) {
            auto done = step();
            if (done.ok()) {
                if (!*done) {
                    log_.line(fmt::format("{}-timeout {}", what, round));
                    return false;
                }
                return true;
            }
            log_.line(fmt::format("error {} {}", what, code_name(done.error())));
            if (client::is_terminal(client_->state())) {
                log_.line("expired");  // our member node is gone: the round cannot go on
                return false;
            }
            client_->wait_connected(2'000);
            sleep_ms(20);  // as recover() does: an error that persists is not retried hot
        }
        return false;
    }

    int counter_read() {
        recipes::SharedCount count(*client_, o_.path);
        for (int attempt = 0; attempt < 50; ++attempt) {
            (void)client_->sync(o_.path);
            auto value = count.get();
            if (value.ok()) {
                log_.line(fmt::format("value {} version {}", value->value, value->version));
                return 0;
            }
            client_->wait_connected(1'000);
        }
        return 1;
    }

    int queue_size() {
        recipes::Queue queue(*client_, o_.path);
        for (int attempt = 0; attempt < 50; ++attempt) {
            (void)client_->sync(o_.path);
            auto size = queue.size();
            if (size.ok() || size.error() == Code::no_node) {
                log_.line(fmt::format("size {}", size.ok() ? *size : 0));
                return 0;
            }
            client_->wait_connected(1'000);
        }
        return 1;
    }

    Options o_;
    Log& log_;
    std::chrono::steady_clock::time_point started_;
    std::minstd_rand random_;
    std::unique_ptr<SyncClient> client_;
};

int usage() {
    std::fprintf(stderr,
                 "usage: recipe_worker --connect HOSTS --recipe ROLE --path /x --log FILE "
                 "[--rounds N] [--hold-ms MS] [--pause-ms MS] [--session-timeout-ms MS] "
                 "[--leases N] [--members N] [--stop-file F] [--deadline-s S] [--id NAME]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    // Dies with the driver that started it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::signal(SIGPIPE, SIG_IGN);
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i];
        std::string value = argv[i + 1];
        if (key == "--connect") o.connect = value;
        else if (key == "--recipe") o.recipe = value;
        else if (key == "--path") o.path = value;
        else if (key == "--log") o.log = value;
        else if (key == "--stop-file") o.stop_file = value;
        else if (key == "--id") o.id = value;
        else if (key == "--rounds") o.rounds = std::stoll(value);
        else if (key == "--hold-ms") o.hold_ms = std::stoll(value);
        else if (key == "--pause-ms") o.pause_ms = std::stoll(value);
        else if (key == "--session-timeout-ms") o.session_timeout_ms = std::stoi(value);
        else if (key == "--leases") o.leases = std::stoi(value);
        else if (key == "--members") o.members = std::stoi(value);
        else if (key == "--deadline-s") o.deadline_s = std::stoll(value);
        else return usage();
    }
    if (argc % 2 != 1 || o.connect.empty() || o.recipe.empty() || o.path.empty() ||
        o.log.empty()) {
        return usage();
    }
    if (o.id.empty()) {
        o.id = fmt::format("w{}", ::getpid());
    }
    Log log(o.log);
    log.line(fmt::format("start {} {} {}", o.recipe, o.path, o.id));
    Worker worker(o, log);
    int code = worker.run();
    log.line(fmt::format("exit-code {}", code));
    return code;
}
