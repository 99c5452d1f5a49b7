// Service discovery on recipes::ServiceDiscovery (Curator's x-discovery layout, so Curator's
// ServiceDiscovery in a Java process sees the same instances):
//
//   discovery serve --connect H:P --name SERVICE --id ID [--port P] [--session-ms MS]
//       A tiny TCP service on 127.0.0.1 (port P, or one the kernel picks) that answers every
//       connection with "hello from <ID>\n". It registers itself under
//       /services/<SERVICE>/<ID> (ephemeral: it disappears when the process dies and its
//       session expires) and unregisters on SIGTERM.
//   discovery client --connect H:P --name SERVICE [--interval-ms MS]
//       Watches the service's instances (ServiceCache), prints "instances a,b,c" on every
//       change, and every interval picks one instance round robin (ServiceProvider), connects
//       and prints "response <ID> <answer>", "failed <ID>" or "no instance". Stops on SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "recipes/service_cache.h"
#include "recipes/service_discovery.h"

namespace {

using wd::client::SyncClient;
using wd::recipes::ServiceInstance;

constexpr const char* base_path = "/services";

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

using Args = std::map<std::string, std::string>;

std::unique_ptr<SyncClient> open_session(const Args& args) {
    wd::client::ClientOptions options;
    options.session_timeout_ms =
        args.count("--session-ms") ? std::stoi(args.at("--session-ms")) : 10'000;
    auto client = SyncClient::connect(args.at("--connect"), options);
    if (!client.ok() || !(*client)->wait_connected(30'000)) {
        std::cerr << "discovery: cannot connect to " << args.at("--connect") << "\n";
        return nullptr;
    }
    return std::move(client).value();
}

// A listening socket on 127.0.0.1:port (0: any free port); -1 on failure.
int listen_on(int port, int* bound_port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd, 64) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return -1;
    }
    *bound_port = ntohs(address.sin_port);
    return fd;
}

int serve(const Args& args) {
    int port = 0;
    int listener = listen_on(args.count("--port") ? std::stoi(args.at("--port")) : 0, &port);
    if (listener < 0) {
        std::cerr << "discovery: cannot listen\n";
        return 1;
    }
    auto client = open_session(args);
    if (!client) {
        return 1;
    }
    wd::recipes::ServiceDiscovery discovery(*client, base_path);
    ServiceInstance instance;
    instance.name = args.at("--name");
    instance.id = args.at("--id");
    instance.address = "127.0.0.1";
    instance.port = port;
    instance.uri_spec = "{scheme}://{address}:{port}";
    auto registered = discovery.register_service(instance);
    if (!registered.ok()) {
        std::cerr << "discovery: register: " << wd::code_name(registered.error()) << "\n";
        return 1;
    }
    std::cout << "serving " << registered->build_uri() << " as " << instance.id << std::endl;
    std::string answer = "hello from " + instance.id + "\n";
    while (!stop_requested) {  // the service's own loop: until SIGTERM
        pollfd waiting{listener, POLLIN, 0};
        if (::poll(&waiting, 1, 200) == 1) {
            int connection = ::accept(listener, nullptr, nullptr);
            if (connection >= 0) {
                (void)::write(connection, answer.data(), answer.size());
                ::close(connection);
            }
        }
    }
    (void)discovery.unregister_service(*registered);
    discovery.close();
    ::close(listener);
    return 0;
}

// Connects to the instance and reads its one-line answer; empty on failure.
std::string call(const ServiceInstance& instance) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(instance.port.value_or(0)));
    if (fd < 0 || ::inet_pton(AF_INET, instance.address.c_str(), &address.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return "";
    }
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char buffer[256];
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    ::close(fd);
    std::string text(buffer, static_cast<size_t>(std::max<ssize_t>(0, got)));
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

void print_instances(const std::vector<ServiceInstance>& instances) {
    std::string ids;
    for (const auto& instance : instances) {
        ids += (ids.empty() ? "" : ",") + instance.id;
    }
    std::cout << "instances " << ids << std::endl;
}

int run_client(const Args& args) {
    auto client = open_session(args);
    if (!client) {
        return 1;
    }
    int interval_ms = args.count("--interval-ms") ? std::stoi(args.at("--interval-ms")) : 100;
    wd::recipes::ServiceCache cache(*client, base_path, args.at("--name"));
    if (!cache.start().ok()) {
        std::cerr << "discovery: the service cache did not load\n";
        return 1;
    }
    wd::recipes::ServiceProvider provider(cache);
    std::vector<ServiceInstance> seen = cache.instances();
    print_instances(seen);
    while (!stop_requested && !cache.lost()) {  // until SIGTERM or the session ends
        auto now = cache.instances();
        if (now != seen) {
            seen = now;
            print_instances(seen);
        }
        auto instance = provider.get_instance();
        if (!instance) {
            std::cout << "no instance" << std::endl;
        } else {
            std::string answer = call(*instance);
            std::cout << (answer.empty() ? "failed " : "response ") << instance->id
                      << (answer.empty() ? "" : " " + answer) << std::endl;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
    return stop_requested ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: discovery serve|client --connect H:P --name SERVICE ...\n";
        return 2;
    }
    std::string command = argv[1];
    Args args;
    for (int i = 2; i + 1 < argc; i += 2) {
        args[argv[i]] = argv[i + 1];
    }
    if (!args.count("--connect") || !args.count("--name")) {
        std::cerr << "discovery: --connect H:P and --name SERVICE are required\n";
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        if (command == "serve" && args.count("--id")) {
            return serve(args);
        }
        if (command == "client") {
            return run_client(args);
        }
    } catch (const std::exception& e) {  // std::stoi on a malformed argument
        std::cerr << "discovery: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "discovery: unknown command or missing arguments\n";
    return 2;
}
