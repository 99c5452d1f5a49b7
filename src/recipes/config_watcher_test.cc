// The configuration watcher against a real wardend: every spaced change is reported once and
// in order, deletion and re-creation are reported, a change made while the watcher is cut off
// is reported after the reconnect, and expiry is reported and recovered from with restart().
#include "recipes/config_watcher.h"

#include <gtest/gtest.h>

#include <thread>

#include "client/test_proxy_asio.h"
#include "client/test_server.h"
#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using testing::connect;
using testing::eventually;

// The listener's events as text: "created:v", "changed:v", "deleted:v", "lost".
class Recorder {
public:
    void on_event(const ConfigEvent& event) {
        static const char* names[] = {"created", "changed", "deleted", "lost"};
        std::string text = names[static_cast<int>(event.type)];
        if (event.value) {
            text += ":" + event.value->data.value_or("");
        }
        std::lock_guard<std::mutex> lock(mutex_);
        seen_.push_back(text);
    }
    std::vector<std::string> seen() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return seen_;
    }
    size_t count() const { return seen().size(); }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> seen_;
};

TEST(ConfigWatcher, ReportsEverySpacedChangeInOrder) {
    constexpr int changes = 20;
    auto watcher_client = connect();
    auto writer = connect();
    ASSERT_TRUE(watcher_client && writer);
    std::string path = testing::unique_path("config");
    ASSERT_TRUE(ensure_path(*writer, path).ok());
    ASSERT_TRUE(writer->set_data(path, "v0").ok());
    Recorder recorder;
    ConfigWatcher watcher(*watcher_client, path);
    watcher.set_listener([&](const ConfigEvent& event) { recorder.on_event(event); });
    ASSERT_TRUE(watcher.start().ok());
    EXPECT_EQ(watcher.current_text(), "v0");
    std::vector<std::string> expected;
    for (int i = 1; i <= changes; ++i) {
        std::string value = "v" + std::to_string(i);
        ASSERT_TRUE(writer->set_data(path, value).ok());
        expected.push_back("changed:" + value);
        // Spaced: the next change is made once the watcher reported this one (bounded).
        ASSERT_TRUE(eventually([&] { return recorder.count() == expected.size(); }, 5'000));
    }
    ASSERT_TRUE(writer->remove(path).ok());
    expected.push_back("deleted:v" + std::to_string(changes));
    ASSERT_TRUE(eventually([&] { return recorder.count() == expected.size(); }, 5'000));
    EXPECT_FALSE(watcher.current().has_value());
    ASSERT_TRUE(writer->create(path, "again").ok());
    expected.push_back("created:again");
    ASSERT_TRUE(eventually([&] { return recorder.count() == expected.size(); }, 5'000));
    EXPECT_EQ(recorder.seen(), expected);
    EXPECT_EQ(watcher.current_text(), "again");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(recorder.count(), expected.size());  // nothing reported twice
}

TEST(ConfigWatcher, ConvergesToTheFinalValueUnderFastChanges) {
    auto watcher_client = connect();
    auto writer = connect();
    ASSERT_TRUE(watcher_client && writer);
    std::string path = testing::unique_path("config-fast");
    ASSERT_TRUE(ensure_path(*writer, path).ok());
    Recorder recorder;
    ConfigWatcher watcher(*watcher_client, path, {.recursive_watch = false});
    watcher.set_listener([&](const ConfigEvent& event) { recorder.on_event(event); });
    ASSERT_TRUE(watcher.start().ok());
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(writer->set_data(path, "f" + std::to_string(i)).ok());
    }
    EXPECT_TRUE(eventually([&] { return watcher.current_text() == "f99"; }, 10'000));
    auto seen = recorder.seen();
    ASSERT_FALSE(seen.empty());
    EXPECT_LE(seen.size(), 100u);
    EXPECT_EQ(seen.back(), "changed:f99");
    // In order: the numbers reported only increase.
    int last = -1;
    for (const auto& text : seen) {
        int number = std::stoi(text.substr(text.find(":f") + 2));
        EXPECT_GT(number, last) << text;
        last = number;
    }
}

TEST(ConfigWatcher, ReportsAChangeMadeWhileCutOff) {
    client::testing::TcpProxy proxy(client::testing::shared_server().port());
    client::ClientOptions options;
    options.session_timeout_ms = 8'000;
    options.request_timeout_ms = 15'000;
    auto made = client::SyncClient::connect(proxy.address(), options);
    ASSERT_TRUE(made.ok());
    auto cut_off = std::move(made).value();
    ASSERT_TRUE(cut_off->wait_connected(20'000));
    auto writer = connect();
    ASSERT_TRUE(writer);
    std::string path = testing::unique_path("config-cut");
    ASSERT_TRUE(ensure_path(*writer, path).ok());
    ASSERT_TRUE(writer->set_data(path, "before").ok());
    Recorder recorder;
    ConfigWatcher watcher(*cut_off, path);
    watcher.set_listener([&](const ConfigEvent& event) { recorder.on_event(event); });
    ASSERT_TRUE(watcher.start().ok());
    proxy.cut();
    ASSERT_TRUE(eventually([&] { return !is_connected(*cut_off); }, 10'000));
    ASSERT_TRUE(writer->set_data(path, "during").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(watcher.current_text(), "before");  // it cannot know yet
    proxy.restore();
    EXPECT_TRUE(eventually([&] { return watcher.current_text() == "during"; }, 15'000));
    EXPECT_EQ(recorder.seen(), std::vector<std::string>{"changed:during"});
    EXPECT_FALSE(watcher.lost());
}

TEST(ConfigWatcher, ReportsLostOnExpiryAndContinuesAfterRestart) {
    auto first = connect();
    auto writer = connect();
    ASSERT_TRUE(first && writer);
    std::string path = testing::unique_path("config-expiry");
    ASSERT_TRUE(ensure_path(*writer, path).ok());
    ASSERT_TRUE(writer->set_data(path, "one").ok());
    Recorder recorder;
    ConfigWatcher watcher(*first, path);
    watcher.set_listener([&](const ConfigEvent& event) { recorder.on_event(event); });
    ASSERT_TRUE(watcher.start().ok());
    ASSERT_TRUE(testing::expire_session(*first));
    EXPECT_TRUE(eventually([&] { return watcher.lost(); }, 20'000));
    ASSERT_TRUE(writer->set_data(path, "two").ok());
    auto second = connect();
    ASSERT_TRUE(second);
    ASSERT_TRUE(watcher.restart(*second).ok());
    EXPECT_EQ(watcher.current_text(), "two");
    ASSERT_TRUE(writer->set_data(path, "three").ok());
    EXPECT_TRUE(eventually([&] { return watcher.current_text() == "three"; }, 10'000));
    EXPECT_TRUE(eventually([&] { return recorder.count() == 3; }, 5'000));
    EXPECT_EQ(recorder.seen(), (std::vector<std::string>{"lost", "changed:two", "changed:three"}));
    watcher.close();  // before `second`, which it now uses, goes
}

}  // namespace
}  // namespace wd::recipes
