#include "consensus/datadriven.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wd::consensus::testing {
namespace {

std::vector<std::string> split_values(const std::string& text) {
    std::string body = text;
    if (body.size() >= 2 && body.front() == '(' && body.back() == ')') {
        body = body.substr(1, body.size() - 2);
    }
    std::vector<std::string> out;
    std::stringstream ss(body);
    for (std::string item; std::getline(ss, item, ',');) {
        if (!item.empty()) {
            out.push_back(item);
        }
    }
    return out;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::string trim_output(std::string out) {
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out.empty() ? "ok" : out;
}

}  // namespace

bool DdCommand::has(const std::string& key) const {
    for (const DdArg& a : args) {
        if (a.key == key) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> DdCommand::values(const std::string& key) const {
    for (const DdArg& a : args) {
        if (a.key == key) {
            return a.values;
        }
    }
    return {};
}

std::string DdCommand::get(const std::string& key, const std::string& fallback) const {
    auto v = values(key);
    return v.empty() ? fallback : v.front();
}

uint64_t DdCommand::get_uint(const std::string& key, uint64_t fallback) const {
    return has(key) ? std::strtoull(get(key).c_str(), nullptr, 10) : fallback;
}

std::vector<std::string> DdCommand::positional() const {
    std::vector<std::string> out;
    for (const DdArg& a : args) {
        if (a.values.empty()) {
            out.push_back(a.key);
        }
    }
    return out;
}

DdCommand parse_command(const std::string& line) {
    DdCommand cmd;
    cmd.line = line;
    std::stringstream ss(line);
    ss >> cmd.name;
    for (std::string token; ss >> token;) {
        const size_t eq = token.find('=');
        if (eq == std::string::npos) {
            cmd.args.push_back(DdArg{token, {}});
        } else {
            cmd.args.push_back(DdArg{token.substr(0, eq), split_values(token.substr(eq + 1))});
        }
    }
    return cmd;
}

std::vector<std::string> run_file(const std::string& path,
                                  const std::function<std::string(const DdCommand&)>& handler) {
    const std::vector<std::string> lines = read_lines(path);
    const bool rewrite = std::getenv("WD_REWRITE") != nullptr;
    std::vector<std::string> failures;
    std::string rewritten;
    size_t i = 0;
    // Bounded by the number of lines: every iteration consumes at least one.
    while (i < lines.size()) {
        const std::string& line = lines[i];
        if (line.empty() || line[0] == '#') {
            rewritten += line + "\n";
            i += 1;
            continue;
        }
        DdCommand cmd = parse_command(line);
        cmd.where = path + ":" + std::to_string(i + 1);
        size_t j = i + 1;
        while (j < lines.size() && lines[j] != "----") {
            j += 1;
        }
        std::string expected;
        size_t k = j + 1;
        while (k < lines.size() && !lines[k].empty()) {
            expected += lines[k] + "\n";
            k += 1;
        }
        const std::string actual = trim_output(handler(cmd));
        if (!rewrite && trim_output(expected) != actual) {
            failures.push_back(cmd.where + ": " + line + "\nexpected:\n" + expected +
                               "actual:\n" + actual + "\n");
        }
        rewritten += line + "\n----\n" + actual + "\n";
        i = k;
    }
    if (rewrite) {
        std::ofstream(path) << rewritten;
    }
    return failures;
}

}  // namespace wd::consensus::testing
