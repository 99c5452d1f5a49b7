// Pure helpers of the shell's quota and configuration commands: ZooKeeper's quota record text
// (the data of zookeeper_limits / zookeeper_stats nodes) and the dynamic configuration text
// (/zookeeper/config). No I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wd::shell {

// The quota tree: /zookeeper/quota<path>/zookeeper_limits and .../zookeeper_stats.
inline constexpr std::string_view quota_root = "/zookeeper/quota";
std::string quota_limits_path(std::string_view path);
std::string quota_stats_path(std::string_view path);

// A quota record: "count=N,bytes=N" followed, when there are other keys, by "=" and
// ";key=N" for each of them in sorted order ("count=5,bytes=100=;byteHardLimit=-1;
// countHardLimit=-1"), the compatible form ZooKeeper 3.7+ writes and every version parses.
// An absent key reads as -1.
class QuotaRecord {
public:
    // Pairs separated by ',' or ';' (runs of them), each "key=value"; a missing or empty
    // value reads as -1. Pairs that do not parse are skipped.
    static QuotaRecord parse(std::string_view text);

    int64_t get(std::string_view key) const;
    void set(std::string_view key, int64_t value);
    std::string text() const;
    nlohmann::json json() const;

private:
    std::vector<std::pair<std::string, int64_t>> values_;  // unique keys, insertion order
};

// One "server.N=host:port:port[:role][;[client_host:]client_port]" entry of a configuration.
struct ConfigServer {
    std::string id;
    std::string spec;  // the text after '='
    std::optional<std::string> client_address;  // "host:port"; host 0.0.0.0 if only a port
};
struct ConfigText {
    std::vector<ConfigServer> servers;  // in the order of the text
    std::string version;                // the "version=" value, "" when absent
};
ConfigText parse_config(std::string_view text);
// zkCli's `config -c`: "<version> <client host:port>,..." (an entry without a client address
// leaves its slot empty). Servers come in the text's order (zkCli's follows a hash table).
std::string client_config_text(const ConfigText& config);
nlohmann::json config_json(const ConfigText& config);

// The membership of a `reconfig -file` properties file: its server.N lines, one per line.
// nullopt when there is none.
std::optional<std::string> members_from_file_text(std::string_view text);

}  // namespace wd::shell
