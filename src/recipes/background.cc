#include "recipes/background.h"

#include <algorithm>

namespace wd::recipes {

void EventInbox::push(const client::WatchEvent& event) {
    if (event.type == client::EventType::none) {
        signal_->bump();  // a session event: the step looks at the state
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (events_.size() >= events_max) {
            events_.clear();
            overflowed_ = true;
        }
        events_.push_back(event);
    }
    signal_->bump();
}

std::vector<client::WatchEvent> EventInbox::take_all(bool& overflowed) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<client::WatchEvent> taken(events_.begin(), events_.end());
    events_.clear();
    overflowed = overflowed_;
    overflowed_ = false;
    return taken;
}

BackgroundLoop::BackgroundLoop() {
    inbox_watcher_ = client::make_watcher(
        [inbox = inbox_](const client::WatchEvent& event) { inbox->push(event); });
}

BackgroundLoop::~BackgroundLoop() {
    stop();
}

void BackgroundLoop::start(Step step, int64_t recheck_ms) {
    if (thread_.joinable()) {
        stop();  // a restart: the previous thread has ended or is told to
    }
    recheck_ms = std::max<int64_t>(1, recheck_ms);
    stopping_ = false;
    ended_ = false;
    thread_ = std::thread([this, step = std::move(step), recheck_ms] { run(step, recheck_ms); });
}

void BackgroundLoop::run(Step step, int64_t recheck_ms) {
    // The one loop without a count bound: it lives as long as its recipe, and every
    // iteration waits for a watch or for recheck_ms.
    while (!stopping_.load()) {
        uint64_t seen = signal_->generation();
        if (!step()) {
            break;
        }
        signal_->wait_past(seen, Deadline(recheck_ms));
    }
    ended_ = true;
}

void BackgroundLoop::stop() {
    stopping_ = true;
    signal_->bump();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
}

}  // namespace wd::recipes
