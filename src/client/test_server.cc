#include "client/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace wd::client::testing {

namespace {

int64_t mono_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int connect_local(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool reap(pid_t pid, int64_t timeout_ms) {
    int64_t deadline = mono_ms() + timeout_ms;
    while (mono_ms() < deadline) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            return true;
        }
        sleep_ms(20);
    }
    return false;
}

}  // namespace

uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

TestServer& shared_server() {
    static TestServer server;
    static bool started = server.start();
    if (!started) {
        std::fprintf(stderr, "cannot start the shared test server\n");
        std::abort();
    }
    return server;
}

void sleep_ms(int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TestServer::TestServer(int32_t tick_time_ms) : tick_time_ms_(tick_time_ms) {
    const char* kind = std::getenv("WD_CLIENT_TEST_SERVER");
    zookeeper_ = kind != nullptr && std::strcmp(kind, "zookeeper") == 0;
    std::string tmpl = (std::filesystem::temp_directory_path() / "wd-client-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    dir_ = ::mkdtemp(buf.data()) ? std::string(buf.data()) : std::string();
    port_ = free_port();
}

TestServer::~TestServer() {
    kill_hard();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void TestServer::write_config() const {
    std::filesystem::create_directories(dir_ + "/data");
    std::ofstream cfg(dir_ + "/zoo.cfg");
    cfg << "tickTime=" << tick_time_ms_ << "\n"
        << "dataDir=" << dir_ << "/data\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "4lw.commands.whitelist=*\n"
        << "maxClientCnxns=200\n"
        << "extendedTypesEnabled=true\n";
    if (zookeeper_) {
        cfg << "admin.enableServer=false\n";
    }
}

bool TestServer::start(int64_t timeout_ms) {
    if (running()) {
        return true;
    }
    write_config();
    std::string cfg = dir_ + "/zoo.cfg";
    std::string log = dir_ + "/server.log";
    const char* wardend = std::getenv("WARDEND");
    if (!zookeeper_ && wardend == nullptr) {
        std::fprintf(stderr, "WARDEND is not set\n");
        return false;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        FILE* out = std::freopen(log.c_str(), "a", stdout);
        (void)out;
        ::dup2(STDOUT_FILENO, STDERR_FILENO);
        ::setsid();
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test program
        if (zookeeper_) {
            ::execlp("java", "java", "-Xmx256m", "-Dzookeeper.extendedTypesEnabled=true",
                     "-cp", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
                     "org.apache.zookeeper.server.ZooKeeperServerMain", cfg.c_str(),
                     static_cast<char*>(nullptr));
        } else {
            ::execl(wardend, wardend, cfg.c_str(), static_cast<char*>(nullptr));
        }
        ::_exit(127);
    }
    pid_ = pid;
    int64_t deadline = mono_ms() + timeout_ms;
    while (mono_ms() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            std::fprintf(stderr, "server exited early; see %s\n", log.c_str());
            pid_ = -1;
            return false;
        }
        if (serves_sessions()) {
            return true;
        }
        sleep_ms(50);
    }
    std::fprintf(stderr, "server did not start within %lld ms\n",
                 static_cast<long long>(timeout_ms));
    return false;
}

bool TestServer::serves_sessions() const {
    // A raw ConnectRequest{0, 0, 10000, 0, 16 zero bytes, false}; a non-zero session id in
    // the answer means sessions are served. The session is left to expire.
    int fd = connect_local(port_);
    if (fd < 0) {
        return false;
    }
    unsigned char req[4 + 4 + 8 + 4 + 8 + 4 + 16 + 1] = {};
    req[3] = sizeof(req) - 4;
    req[4 + 4 + 8 + 2] = 0x27;  // timeout 10000 = 0x2710
    req[4 + 4 + 8 + 3] = 0x10;
    req[4 + 4 + 8 + 4 + 8 + 3] = 16;
    bool ok = ::send(fd, req, sizeof(req), MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof(req));
    unsigned char resp[4 + 4 + 4 + 8 + 4 + 16 + 1] = {};  // the ConnectResponse frame
    ssize_t n = ok ? ::recv(fd, resp, sizeof(resp), MSG_WAITALL) : -1;
    ::close(fd);
    if (n < 4 + 4 + 4 + 8) {
        return false;
    }
    for (int i = 12; i < 20; ++i) {
        if (resp[i] != 0) {
            return true;
        }
    }
    return false;
}

void TestServer::kill_hard() {
    if (!running()) {
        return;
    }
    ::kill(pid_, SIGKILL);
    reap(pid_, 10'000);
    pid_ = -1;
}

void TestServer::stop() {
    if (!running()) {
        return;
    }
    ::kill(pid_, SIGTERM);
    if (!reap(pid_, 10'000)) {
        ::kill(pid_, SIGKILL);
        reap(pid_, 10'000);
    }
    pid_ = -1;
}

}  // namespace wd::client::testing
