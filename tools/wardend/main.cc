// wardend: the Warden server. `wardend [zoo.cfg]`; with no file it runs the embedded default
// (standalone on 127.0.0.1:2181, data under ./warden-data).
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "server/config.h"
#include "server/server_asio.h"
#include "server/version.h"

namespace {

uint64_t seed_from_os() {
    // The server's one source of entropy (session passwords); everything else derives from it.
    uint64_t seed = 0;
    FILE* f = std::fopen("/dev/urandom", "rb");
    if (f != nullptr) {
        size_t n = std::fread(&seed, sizeof(seed), 1, f);
        std::fclose(f);
        if (n == 1) {
            return seed;
        }
    }
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

int usage() {
    std::fprintf(stderr, "usage: wardend [zoo.cfg]\n       wardend --version\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2) {
        return usage();
    }
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        usage();
        return 0;
    }
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::printf("wardend %s\n", wd::server::version_string().c_str());
        return 0;
    }
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    auto config = argc == 2 ? wd::server::load_config(argv[1])
                            : wd::server::parse_config(wd::server::default_config_text(),
                                                       "embedded default config");
    if (!config.ok()) {
        spdlog::critical("{}", config.error().to_string());
        return 2;
    }
    spdlog::info("wardend {} starting: data in {}, log in {}",
                 wd::server::version_string(), config->data_dir, config->data_log_dir);
    for (const std::string& note : config->notes) {
        spdlog::info("{}", note);
    }
    asio::io_context io(1);
    wd::server::AsioServer server(io, *config);
    auto started = server.start(seed_from_os());
    if (!started.ok()) {
        spdlog::critical("cannot start: {}", started.error().to_string());
        return 1;
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const asio::error_code&, int signal) {
        spdlog::info("signal {}: shutting down", signal);
        server.stop_gracefully([&io]() { io.stop(); });
    });
    signal(SIGPIPE, SIG_IGN);
    server.run();  // The event loop: the one loop without an end, until a signal stops it.
    if (server.failed()) {
        spdlog::critical("stopped after a storage failure");
        return 1;
    }
    return 0;
}
