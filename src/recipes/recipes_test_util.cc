#include "recipes/recipes_test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "client/test_server.h"

namespace wd::recipes::testing {

namespace {

// Starts the shared server on the main thread: TestServer's PR_SET_PDEATHSIG fires when the
// *thread* that forked it exits, so a server first started by a worker thread would be killed
// when that thread ends.
class ServerEnvironment : public ::testing::Environment {
public:
    void SetUp() override { (void)client::testing::shared_server(); }
};
const auto* const environment = ::testing::AddGlobalTestEnvironment(new ServerEnvironment);

}  // namespace

std::unique_ptr<client::SyncClient> connect(int32_t session_timeout_ms) {
    client::ClientOptions options;
    options.session_timeout_ms = session_timeout_ms;
    options.request_timeout_ms = 15'000;  // a missing reply fails the test, never hangs it
    auto made = client::SyncClient::connect(client::testing::shared_server().address(), options);
    EXPECT_TRUE(made.ok());
    if (!made.ok()) {
        return nullptr;
    }
    EXPECT_TRUE((*made)->wait_connected(20'000));
    return std::move(made).value();
}

bool expire_session(client::SyncClient& victim) {
    client::ClientOptions options;
    options.session_id = victim.session_id();
    options.session_password = victim.async().session_password();
    options.session_timeout_ms = victim.async().negotiated_timeout_ms();
    auto killer = client::SyncClient::connect(client::testing::shared_server().address(), options);
    if (!killer.ok() || !(*killer)->wait_connected(20'000)) {
        return false;
    }
    if ((*killer)->session_id() != victim.session_id()) {
        return false;
    }
    return (*killer)->close().ok();
}

bool eventually(const std::function<bool()>& pred, int64_t timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

std::string unique_path(const std::string& name) {
    static std::atomic<int> next{0};
    return "/recipes-test/" + name + "-" + std::to_string(next.fetch_add(1));
}

}  // namespace wd::recipes::testing
