// Configuration management: a service that keeps its configuration in one znode and applies
// every new version as it is written, without a restart.
//
//   config_service --connect HOST:PORT --path /config/app [--record FILE] [--session-ms MS]
//
// The configuration is text, one "key=value" per line. On start and after each change the
// service reads the znode with a data watch and applies the new version: it prints
// "applied version=V key=value ..." and appends the same line to FILE. While the znode does not
// exist it waits with an exists watch ("config missing"). Watches fire once, so every read
// sets the next one; a watch that fires while we are disconnected is re-registered by the
// client and fires on reconnection if the znode changed meanwhile. After session expiry the
// service opens a new session (printing "session 0x<id>" for each) and reads the
// configuration again. SIGTERM or SIGINT stops it.
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "recipes/common.h"

namespace {

using wd::Code;
using wd::client::SyncClient;
using wd::recipes::Deadline;
using wd::recipes::Signal;

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) { stop_requested = 1; }

struct Options {
    std::string connect;
    std::string path = "/config/app";
    std::string record;
    int32_t session_ms = 10'000;
};

// "a=1\nb=2" -> {a: 1, b: 2}; lines without '=' and blank lines are skipped.
std::map<std::string, std::string> parse(const std::string& text) {
    std::map<std::string, std::string> config;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos && eq > 0) {
            config[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return config;
}

class ConfigService {
public:
    explicit ConfigService(Options options) : options_(std::move(options)) {}

    // Runs until SIGTERM; false when no session could be opened.
    bool run() {
        while (!stop_requested) {
            if (!client_ || wd::client::is_terminal(client_->state())) {
                if (!open_session()) {
                    return false;
                }
            }
            uint64_t seen = signal_->generation();
            refresh();
            signal_->wait_past(seen, Deadline(200));  // wakes on a watch or every 200 ms
        }
        return true;
    }

private:
    bool open_session() {
        wd::client::ClientOptions options;
        options.session_timeout_ms = options_.session_ms;
        client_.reset();
        auto client = SyncClient::connect(options_.connect, options);
        if (!client.ok() || !(*client)->wait_connected(30'000)) {
            std::cerr << "config_service: cannot connect to " << options_.connect << "\n";
            return false;
        }
        client_ = std::move(client).value();
        std::cout << "session 0x" << std::hex << client_->session_id() << std::dec << std::endl;
        applied_version_ = -1;  // a new session reads the configuration again
        applied_mzxid_ = -1;
        return true;
    }

    // One read with a watch; applies the configuration if its version is new.
    void refresh() {
        auto data = client_->get_data(options_.path, watcher_);
        if (data.ok()) {
            missing_reported_ = false;
            if (data->stat.version != applied_version_ || data->stat.mzxid != applied_mzxid_) {
                apply(data->stat.version, data->stat.mzxid, data->data.value_or(""));
            }
            return;
        }
        if (data.error() == Code::no_node) {
            // Watch for the creation; if it appeared in between, the next pass reads it.
            auto stat = client_->exists(options_.path, watcher_);
            if (stat.ok() && !stat->has_value() && !missing_reported_) {
                report("config missing");
                missing_reported_ = true;
                applied_version_ = -1;
                applied_mzxid_ = -1;
            } else if (stat.ok() && stat->has_value()) {
                signal_->bump();
            }
            return;
        }
        // CONNECTIONLOSS and the like: the client reconnects; try again on the next pass.
        client_->wait_connected(1'000);
    }

    void apply(int32_t version, int64_t mzxid, const std::string& text) {
        config_ = parse(text);
        applied_version_ = version;
        applied_mzxid_ = mzxid;
        std::string line = "applied version=" + std::to_string(version);
        for (const auto& [key, value] : config_) {
            line += " " + key + "=" + value;
        }
        report(line);
    }

    void report(const std::string& line) const {
        std::cout << line << std::endl;
        if (!options_.record.empty()) {
            std::ofstream(options_.record, std::ios::app) << line << "\n";
        }
    }

    Options options_;
    std::unique_ptr<SyncClient> client_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    wd::client::Watcher watcher_ = wd::recipes::bump_watcher(signal_);
    std::map<std::string, std::string> config_;
    int32_t applied_version_ = -1;
    int64_t applied_mzxid_ = -1;  // a deleted and re-created znode restarts at version 0
    bool missing_reported_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i];
        std::string value = argv[i + 1];
        if (key == "--connect") {
            options.connect = value;
        } else if (key == "--path") {
            options.path = value;
        } else if (key == "--record") {
            options.record = value;
        } else if (key == "--session-ms") {
            options.session_ms = std::stoi(value);
        }
    }
    if (options.connect.empty()) {
        std::cerr << "usage: config_service --connect HOST:PORT [--path P] [--record FILE]\n";
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    ConfigService service(std::move(options));
    return service.run() ? 0 : 1;
}
