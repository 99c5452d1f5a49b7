// A Kafka-style control plane on Warden (Kafka's ZooKeeper layout; see controller.h):
//
//   kafka_control broker --connect H:P --id N [--port P] [--session-ms MS]
//       Registers /brokers/ids/<N> (ephemeral) and runs for controller: the brokers elect one
//       with recipes::LeaderLatch on /controller_election; the winner writes /controller and
//       /controller_epoch and keeps partition leadership on live brokers. Stops on SIGTERM.
//   kafka_control create-topic --connect H:P --topic T --partitions N --replication R
//       Writes /config/topics/<T> and the assignment /brokers/topics/<T> in one multi, with
//       replicas round robin over the registered brokers.
//   kafka_control describe --connect H:P
//       Prints the controller, the live brokers and every partition's state.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controller.h"
#include "recipes/leader_latch.h"

namespace {

using kafka_example::Controller;
using nlohmann::json;
using wd::Code;
using wd::client::CreateMode;
using wd::client::SyncClient;

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

using Args = std::map<std::string, std::string>;

std::unique_ptr<SyncClient> open_session(const Args& args, int32_t session_ms) {
    wd::client::ClientOptions options;
    options.session_timeout_ms = session_ms;
    auto client = SyncClient::connect(args.at("--connect"), options);
    if (!client.ok() || !(*client)->wait_connected(30'000)) {
        std::cerr << "kafka_control: cannot connect to " << args.at("--connect") << "\n";
        return nullptr;
    }
    return std::move(client).value();
}

void ensure_layout(SyncClient& client) {
    for (const char* path : {"/brokers", "/brokers/ids", "/brokers/topics", "/config",
                             "/config/topics"}) {
        (void)client.create(path, std::nullopt);  // NODEEXISTS is fine
    }
}

// One session's life as a broker: register, stand for election, control while leading.
// Returns 0 on SIGTERM, 1 if the session could not be opened; returns -1 when the session
// ended (expired) and the broker should start over with a new one.
int broker_session(const Args& args, int32_t id) {
    int32_t session_ms = args.count("--session-ms") ? std::stoi(args.at("--session-ms")) : 6'000;
    auto client = open_session(args, session_ms);
    if (!client) {
        return 1;
    }
    ensure_layout(*client);
    int32_t port = args.count("--port") ? std::stoi(args.at("--port")) : 9092 + id;
    json registration = {{"version", 5}, {"host", "127.0.0.1"}, {"port", port},
                         {"jmx_port", -1},
                         {"endpoints", {"PLAINTEXT://127.0.0.1:" + std::to_string(port)}}};
    auto made = client->create("/brokers/ids/" + std::to_string(id), registration.dump(),
                               {CreateMode::ephemeral});
    if (!made.ok()) {
        std::cerr << "broker " << id << ": register: " << wd::code_name(made.error()) << "\n";
        return -1;  // e.g. NODEEXISTS from our previous session, until it expires
    }
    std::cout << "broker " << id << ": registered" << std::endl;
    auto signal = std::make_shared<wd::recipes::Signal>();
    auto watcher = wd::recipes::bump_watcher(signal);
    wd::recipes::LeaderLatch latch(*client, "/controller_election", std::to_string(id));
    latch.set_listener([signal](bool) { signal->bump(); });
    if (!latch.start(30'000).ok()) {
        return -1;
    }
    std::unique_ptr<Controller> controller;
    while (!stop_requested && !latch.failed() && !wd::client::is_terminal(client->state())) {
        uint64_t seen = signal->generation();
        if (latch.has_leadership() && !controller) {
            controller = std::make_unique<Controller>(*client, id, watcher);
            auto taken = controller->take_over();
            if (!taken.ok()) {
                std::cerr << "broker " << id << ": take over: " << wd::code_name(taken.error())
                          << "\n";
                controller.reset();
            } else {
                std::cout << "broker " << id << ": controller, epoch " << controller->epoch()
                          << std::endl;
            }
        } else if (!latch.has_leadership() && controller) {
            std::cout << "broker " << id << ": no longer controller" << std::endl;
            controller.reset();
        }
        if (controller) {
            auto done = controller->reconcile();
            if (!done.ok() && done.error() == Code::bad_version) {
                std::cout << "broker " << id << ": deposed" << std::endl;
                controller.reset();
            }
        }
        signal->wait_past(seen, wd::recipes::Deadline(200));
    }
    if (!stop_requested) {
        return -1;
    }
    if (controller) {
        controller->resign();
    }
    (void)latch.close();
    (void)client->close();
    return 0;
}

int run_broker(const Args& args) {
    int32_t id = std::stoi(args.at("--id"));
    while (true) {  // one pass per session; ends on SIGTERM
        int rc = broker_session(args, id);
        if (rc >= 0) {
            return rc;
        }
        std::cerr << "broker " << id << ": session ended, registering again" << std::endl;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

int create_topic(const Args& args) {
    auto client = open_session(args, 10'000);
    if (!client) {
        return 1;
    }
    ensure_layout(*client);
    auto ids = client->get_children("/brokers/ids");
    if (!ids.ok() || ids->empty()) {
        std::cerr << "create-topic: no brokers registered\n";
        return 1;
    }
    std::vector<int32_t> brokers;
    for (const auto& name : *ids) {
        brokers.push_back(std::stoi(name));
    }
    std::sort(brokers.begin(), brokers.end());
    const std::string& topic = args.at("--topic");
    json config = {{"version", 1}, {"config", json::object()}};
    auto assignment = kafka_example::assignment_json(std::stoi(args.at("--partitions")),
                                                     std::stoi(args.at("--replication")),
                                                     brokers);
    auto out = client->multi(wd::client::Multi()
                                 .create("/config/topics/" + topic, config.dump())
                                 .create("/brokers/topics/" + topic, assignment));
    Code code = out.ok() ? out->code : out.error();
    if (code != Code::ok) {
        std::cerr << "create-topic: " << wd::code_name(code) << "\n";
        return 1;
    }
    std::cout << "created " << topic << " " << assignment << std::endl;
    return 0;
}

int describe(const Args& args) {
    auto client = open_session(args, 10'000);
    if (!client) {
        return 1;
    }
    auto controller = client->get_data("/controller");
    std::cout << "controller: " << (controller.ok() ? controller->data.value_or("") : "none")
              << "\n";
    auto ids = client->get_children("/brokers/ids");
    std::cout << "brokers: " << json(ids.ok() ? *ids : std::vector<std::string>{}).dump()
              << "\n";
    auto topics = client->get_children("/brokers/topics");
    for (const auto& topic : topics.ok() ? *topics : std::vector<std::string>{}) {
        std::string base = "/brokers/topics/" + topic + "/partitions";
        auto partitions = client->get_children(base);
        for (const auto& p : partitions.ok() ? *partitions : std::vector<std::string>{}) {
            auto state = client->get_data(base + "/" + p + "/state");
            std::cout << topic << "-" << p << ": "
                      << (state.ok() ? state->data.value_or("") : "no state") << "\n";
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: kafka_control broker|create-topic|describe --connect H:P ...\n";
        return 2;
    }
    std::string command = argv[1];
    Args args;
    for (int i = 2; i + 1 < argc; i += 2) {
        args[argv[i]] = argv[i + 1];
    }
    if (!args.count("--connect")) {
        std::cerr << "kafka_control: --connect H:P is required\n";
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    try {
        if (command == "broker" && args.count("--id")) {
            return run_broker(args);
        }
        if (command == "create-topic" && args.count("--topic") && args.count("--partitions") &&
            args.count("--replication")) {
            return create_topic(args);
        }
        if (command == "describe") {
            return describe(args);
        }
    } catch (const std::exception& e) {  // std::stoi on a malformed argument, and the like
        std::cerr << "kafka_control: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "kafka_control: unknown command or missing arguments\n";
    return 2;
}
