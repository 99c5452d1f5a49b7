// Test support: a real server process (wardend, or Apache ZooKeeper when the environment says
// WD_CLIENT_TEST_SERVER=zookeeper) on a free 127.0.0.1 port with its own temporary data dir.
// WARDEND names the wardend binary (ctest sets it). Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace wd::client::testing {

class TestServer {
public:
    explicit TestServer(int32_t tick_time_ms = 500);
    ~TestServer();  // SIGKILL if running, then removes the data dir
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    // Starts the process (same port and data dir every time) and waits until it serves a
    // session; false (with a message on stderr) after `timeout_ms`.
    bool start(int64_t timeout_ms = 60'000);
    void kill_hard();  // SIGKILL and reap
    void stop();       // SIGTERM, reap (SIGKILL after 10 s)
    bool running() const { return pid_ > 0; }
    uint16_t port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    bool is_zookeeper() const { return zookeeper_; }
    const std::string& dir() const { return dir_; }

private:
    void write_config() const;
    bool serves_sessions() const;

    int32_t tick_time_ms_;
    bool zookeeper_ = false;
    std::string dir_;
    uint16_t port_ = 0;
    pid_t pid_ = -1;
};

// The server shared by the tests that do not stop it: started on first use (aborts the test
// program if it cannot start), killed at exit.
TestServer& shared_server();

// A free TCP port on 127.0.0.1 (bound once and released).
uint16_t free_port();
// Sleeps; the tests' only way to let real time pass.
void sleep_ms(int64_t ms);

}  // namespace wd::client::testing
