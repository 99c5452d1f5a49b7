// Data-driven tests of the session tracker: tests/data/session/*.txt. Regenerate with
// WD_REWRITE=1. Times are the caller's milliseconds; no clock is read.
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>

#include "session/session_tracker.h"
#include "support/datadriven.h"

namespace wd::session {
namespace {

using datadriven::Command;

class Harness {
public:
    std::string run(const Command& cmd);

private:
    std::string run_tracked(const Command& cmd);
    // "1 open timeout=4000 deadline=6000", "1 closing timeout=4000" or "1 unknown".
    std::string describe(int64_t id) const;
    std::string dump() const;

    std::unique_ptr<SessionTracker> tracker_;
    std::set<int64_t> seen_;  // every id a command named, for dump
};

std::string Harness::describe(int64_t id) const {
    const std::string name = std::to_string(id);
    if (!tracker_->contains(id)) {
        return name + " unknown";
    }
    const std::string timeout = " timeout=" + std::to_string(*tracker_->timeout_ms(id));
    if (tracker_->closing(id)) {
        return name + " closing" + timeout;
    }
    return name + " open" + timeout + " deadline=" + std::to_string(*tracker_->deadline_ms(id));
}

std::string Harness::dump() const {
    std::string out;
    for (int64_t id : seen_) {
        out += describe(id) + "\n";
    }
    const int64_t next = tracker_->next_deadline_ms();
    const bool none = next == std::numeric_limits<int64_t>::max();
    return out + "size=" + std::to_string(tracker_->size()) +
           " next-deadline=" + (none ? "none" : std::to_string(next));
}

// Every command, with one example each.
std::string Harness::run(const Command& cmd) {
    if (cmd.name == "tracker") {  // Example: tracker tick=2000   (a fresh tracker)
        tracker_ = std::make_unique<SessionTracker>(cmd.get_int("tick", 2000));
        seen_.clear();
        return "";
    }
    if (tracker_ == nullptr) {
        cmd.fail("no tracker yet: start the file with `tracker tick=..`");
        return "";
    }
    return run_tracked(cmd);
}

std::string Harness::run_tracked(const Command& cmd) {
    const int64_t id = cmd.get_int("id", 1);
    const int64_t now = cmd.get_int("now", 0);
    if (cmd.has("id")) {
        seen_.insert(id);
    }
    if (cmd.name == "add") {  // Example: add id=1 timeout=4000 now=0
        tracker_->add(id, static_cast<int32_t>(cmd.get_int("timeout", 4000)), now);
        return describe(id);
    }
    if (cmd.name == "touch") {  // Example: touch id=1 now=3000
        const bool ok = tracker_->touch(id, now);
        return (ok ? "touched: " : "refused: ") + describe(id);
    }
    if (cmd.name == "expired") {  // Example: expired now=6000
        std::string out;
        for (int64_t expired : tracker_->expired(now)) {
            out += (out.empty() ? "" : " ") + std::to_string(expired);
        }
        return out.empty() ? "(none)" : out;
    }
    if (cmd.name == "set-closing") {  // Example: set-closing id=1
        tracker_->set_closing(id);
        return describe(id);
    }
    if (cmd.name == "remove") {  // Example: remove id=1
        tracker_->remove(id);
        return describe(id);
    }
    if (cmd.name == "next-deadline") {  // Example: next-deadline
        const int64_t next = tracker_->next_deadline_ms();
        return next == std::numeric_limits<int64_t>::max() ? "none" : std::to_string(next);
    }
    if (cmd.name == "dump") {  // Example: dump   (every id named so far, then the totals)
        return dump();
    }
    cmd.fail("unknown command " + cmd.name);
    return "";
}

class SessionDataDriven : public ::testing::TestWithParam<std::string> {};

TEST_P(SessionDataDriven, Run) {
    Harness harness;
    datadriven::run_file(GetParam(), [&](const Command& cmd) { return harness.run(cmd); });
}

INSTANTIATE_TEST_SUITE_P(Files, SessionDataDriven,
                         ::testing::ValuesIn(datadriven::files_in(WD_SESSION_TESTDATA_DIR)),
                         datadriven::test_name);

}  // namespace
}  // namespace wd::session
