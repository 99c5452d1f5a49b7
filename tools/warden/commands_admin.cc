// zkCli's configuration and quota commands: config, reconfig, setquota, listquota, delquota.
// Output as zkCli 3.8 prints it; `config` and `listquota` also as JSON with --json.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "admin.h"
#include "shell.h"

namespace wd::shell {

namespace {

constexpr std::string_view quota_letters = "nbNB";

// The one option of a quota command's group (commons-cli OptionGroup: at most one), or the
// message for a second one.
struct QuotaOption {
    char letter = 0;
    std::string value;
    std::optional<std::string> conflict;
};

QuotaOption quota_option(const ParsedArgs& args) {
    QuotaOption chosen;
    for (const auto& [letter, value] : args.options) {
        if (quota_letters.find(letter) == std::string_view::npos) continue;
        if (chosen.letter != 0 && chosen.letter != letter) {
            chosen.conflict = std::string("The option '") + letter +
                              "' was specified but an option from this group has already been "
                              "selected: '" + chosen.letter + "'";
            return chosen;
        }
        chosen.letter = letter;
        chosen.value = value;
    }
    return chosen;
}

std::string_view quota_key(char letter) {
    switch (letter) {
        case 'n': return "count";
        case 'b': return "bytes";
        case 'N': return "countHardLimit";
        default: return "byteHardLimit";
    }
}

// Splits "/a/b" into its components; "/" has none.
std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 1;
    while (start < path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

// Java's Long.parseLong(text, 16): an optional sign and hex digits, nothing else.
std::optional<int64_t> parse_hex(const std::string& text) {
    if (text.empty() || text.find_first_of("xX \t") != std::string::npos) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(text.c_str(), &end, 16);
    if (errno != 0 || end == text.c_str() || *end != '\0') return std::nullopt;
    return static_cast<int64_t>(value);
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

bool Shell::cmd_config(const ParsedArgs& args) {
    auto got = zk().get_config(args.has('w') ? watcher_ : nullptr);
    if (!got.ok()) return fail(got.error(), client::config_node);
    std::string text = got->data ? *got->data : std::string("null");
    ConfigText config = parse_config(got->data.value_or(""));
    if (options_.json) {
        nlohmann::json j = config_json(config);
        put_data(j, got->data);
        j["clientConfig"] = client_config_text(config);
        j["stat"] = stat_json(got->stat);
        print_json(j);
        return true;
    }
    out(args.has('c') ? client_config_text(config) : text);
    if (args.has('s')) out(stat_text(got->stat));
    return true;
}

// reconfig [-s] [-v version] [[-file path] | [-members ...]] | [-add ...]* [-remove ...]:
// the word options are left among the positional words by parse_args.
bool Shell::cmd_reconfig(const ParsedArgs& args) {
    static const std::string usage(commands_usage("reconfig"));
    std::optional<std::string> file, members, add, remove;
    const auto& words = args.positional;
    for (size_t i = 0; i < words.size(); i += 2) {
        auto* slot = words[i] == "-file"      ? &file
                     : words[i] == "-members" ? &members
                     : words[i] == "-add"     ? &add
                     : words[i] == "-remove"  ? &remove
                                              : nullptr;
        if (slot == nullptr || i + 1 >= words.size()) {
            err(slot == nullptr ? usage : "Missing argument for option: " + words[i].substr(1));
            return false;
        }
        if (!*slot) *slot = words[i + 1];
    }
    if (!file && !members && !add && !remove) {
        err(usage);
        return false;
    }
    client::ReconfigSpec spec;
    if (auto v = args.value('v')) {
        auto version = parse_hex(*v);
        if (!version) {
            err("-v must be followed by a long (configuration version)");
            return false;
        }
        spec.from_config = *version;
    }
    if ((file || members) && (add || remove)) {
        err("Can't use -file or -members together with -add or -remove (mixing incremental and "
            "non-incremental modes is not allowed)");
        return false;
    }
    if (file && members) {
        err("Can't use -file and -members together (conflicting non-incremental modes)");
        return false;
    }
    spec.joining = lower(add.value_or(""));
    spec.leaving = lower(remove.value_or(""));
    spec.members = lower(members.value_or(""));
    if (file) {
        std::ifstream in(*file);
        std::stringstream text;
        text << in.rdbuf();
        auto from_file = in ? members_from_file_text(text.str()) : std::nullopt;
        if (!from_file) {
            err("Error processing " + *file + (in ? " has no server entries" : " (not readable)"));
            return false;
        }
        spec.members = *from_file;
    }
    auto answer = zk().reconfig(spec);
    if (!answer.ok()) return fail(answer.error(), "");
    out("Committed new configuration:\n" + answer->data.value_or(""));
    if (args.has('s')) out(stat_text(answer->stat));
    return true;
}

bool Shell::check_quota_tree(const std::string& path) {
    std::string own = std::string(quota_root) + (path == "/" ? "" : path);
    // A quota on a node below `path` (a zookeeper_limits anywhere under its quota node).
    auto below = subtree(own);
    if (below.ok()) {
        for (const auto& node : *below) {
            if (node == own) continue;
            auto children = zk().get_children(node);
            if (!children.ok()) continue;
            for (const auto& child : *children) {
                if (child != "zookeeper_limits") continue;
                err(path + " has a child " + node.substr(quota_root.size()) +
                    " which has a quota");
                return false;
            }
        }
    }
    // A quota on an ancestor of `path`.
    auto parts = components(path);
    std::string node(quota_root);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        node += "/" + parts[i];
        auto children = zk().get_children(node);
        if (!children.ok() || children->empty()) return true;
        for (const auto& child : *children) {
            if (child != "zookeeper_limits") continue;
            err(path + " has a parent " + node.substr(quota_root.size()) + " which has a quota");
            return false;
        }
    }
    return true;
}

// zkCli's warnings (on stdout) when a new limit is already below the usage.
void Shell::warn_quota(const QuotaRecord& limits, const QuotaRecord& stats) {
    auto below = [](int64_t limit, int64_t used) { return limit > -1 && limit < used; };
    int64_t count = stats.get("count");
    int64_t bytes = stats.get("bytes");
    if (below(limits.get("count"), count) || below(limits.get("countHardLimit"), count)) {
        out("[Warning]: the count quota you create is less than the existing count:" +
            std::to_string(count));
    }
    if (below(limits.get("bytes"), bytes) || below(limits.get("byteHardLimit"), bytes)) {
        out("[Warning]: the bytes quota you create is less than the existing bytes:" +
            std::to_string(bytes));
    }
}

// Creates (or updates) the limits node of `path` with `key` = `value`.
bool Shell::write_quota(const std::string& path, std::string_view key, int64_t value) {
    std::string node;
    for (const auto& part : components(std::string(quota_root) + path)) {
        node += "/" + part;
        auto made = zk().create(node, std::nullopt);
        if (!made.ok() && made.error() != Code::node_exists) return fail(made.error(), node);
    }
    std::string limits_path = quota_limits_path(path == "/" ? "" : path);
    std::string stats_path = quota_stats_path(path == "/" ? "" : path);
    auto existing = zk().get_data(limits_path);
    if (!existing.ok() && existing.error() != Code::no_node) {
        return fail(existing.error(), limits_path);
    }
    QuotaRecord limits;
    if (existing.ok()) {
        limits = QuotaRecord::parse(existing->data.value_or(""));
    } else {
        for (char letter : quota_letters) limits.set(quota_key(letter), -1);
    }
    limits.set(key, value);
    if (!existing.ok()) {
        auto made = zk().create(limits_path, limits.text());
        if (!made.ok()) return fail(made.error(), limits_path);
        made = zk().create(stats_path, std::string("count=0,bytes=0"));
        if (!made.ok()) return fail(made.error(), stats_path);
    }
    auto stats = zk().get_data(stats_path);
    if (!stats.ok()) return fail(stats.error(), stats_path);
    warn_quota(limits, QuotaRecord::parse(stats->data.value_or("")));
    if (existing.ok()) {
        auto set = zk().set_data(limits_path, limits.text());
        if (!set.ok()) return fail(set.error(), limits_path);
    }
    return true;
}

bool Shell::cmd_setquota(const ParsedArgs& args) {
    auto option = quota_option(args);
    if (option.conflict || option.letter == 0) {
        err(option.conflict ? *option.conflict : std::string(commands_usage("setquota")));
        return false;
    }
    const std::string& path = args.positional[0];
    if (path.starts_with(quota_root)) {
        err("cannot set a quota under the path: " + std::string(quota_root));
        return true;  // zkCli reports it without failing the command
    }
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(option.value.c_str(), &end, 10);
    bool is_count = option.letter == 'n' || option.letter == 'N';
    bool number = !option.value.empty() && *end == '\0' && errno == 0 &&
                  (!is_count || (value >= INT32_MIN && value <= INT32_MAX));
    if (!number) {
        err("NumberFormatException happens when parsing the option value");
        return true;
    }
    if (is_count ? value <= 0 : value < 0) {
        err(is_count ? "the num quota must be greater than zero"
                     : "the bytes quota must be greater than or equal to zero");
        return true;
    }
    if (!valid_path(path)) return false;
    auto exists = zk().exists(path);
    if (!exists.ok()) return fail(exists.error(), path);
    if (!exists->has_value()) {
        err(path + " does not exist.");
        return false;
    }
    if (!check_quota_tree(path)) return false;
    return write_quota(path, quota_key(option.letter), value);
}

bool Shell::cmd_listquota(const ParsedArgs& args) {
    const std::string& path = args.positional[0];
    std::string limits_path = quota_limits_path(path);
    err("absolute path is " + limits_path);
    if (!valid_path(limits_path)) return false;
    auto limits = zk().get_data(limits_path);
    auto stats = limits.ok() ? zk().get_data(quota_stats_path(path)) : limits;
    if (!limits.ok() || !stats.ok()) {
        Code code = limits.ok() ? stats.error() : limits.error();
        if (code != Code::no_node) return fail(code, limits_path);
        err("quota for " + path + " does not exist.");
        return true;
    }
    auto quota = QuotaRecord::parse(limits->data.value_or(""));
    auto usage = QuotaRecord::parse(stats->data.value_or(""));
    if (options_.json) {
        print_json({{"path", path}, {"quota", quota.json()}, {"stats", usage.json()}});
        return true;
    }
    out("Output quota for " + path + " " + quota.text());
    out("Output stat for " + path + " " + usage.text());
    return true;
}

bool Shell::cmd_delquota(const ParsedArgs& args) {
    auto option = quota_option(args);
    if (option.conflict) {
        err(*option.conflict);
        return false;
    }
    const std::string& path = args.positional[0];
    std::string limits_path = quota_limits_path(path);
    if (!valid_path(limits_path)) return false;
    auto limits = zk().get_data(limits_path);
    if (!limits.ok() && limits.error() == Code::no_node) {
        out("Quota does not exist for " + path);
        return true;
    }
    if (!limits.ok()) return fail(limits.error(), limits_path);
    if (option.letter != 0) {
        auto record = QuotaRecord::parse(limits->data.value_or(""));
        record.set(quota_key(option.letter), -1);
        auto set = zk().set_data(limits_path, record.text());
        if (!set.ok()) return fail(set.error(), limits_path);
        return true;
    }
    // Remove the quota node's children, then every quota node left empty up to the root.
    std::string node = std::string(quota_root) + path;
    auto children = zk().get_children(node);
    if (!children.ok()) return fail(children.error(), node);
    for (const auto& child : *children) {
        auto removed = zk().remove(node + "/" + child);
        if (!removed.ok() && removed.error() != Code::no_node) return fail(removed.error(), node);
    }
    while (node != quota_root) {
        auto left = zk().get_children(node);
        if (!left.ok() || !left->empty()) break;
        if (!zk().remove(node).ok()) break;
        node = node.substr(0, node.rfind('/'));
    }
    return true;
}

}  // namespace wd::shell
