// A small etcd-datadriven style runner for tests (STYLE.md §5). Header-only; tests only.
//
// A file holds blocks:
//
//   # comment lines and blank lines between blocks are kept as they are
//   command key=value key="quoted value" flag
//   optional input lines
//   ----
//   expected output (no blank lines)
//
// run_file() runs every block through a handler and compares the output. With WD_REWRITE=1 in
// the environment it rewrites the file with the actual output instead (review the diff).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace wd::testing {

struct DdArgs {
    std::vector<std::pair<std::string, std::string>> pairs;  // in order; flags have ""

    bool has(const std::string& key) const {
        for (const auto& [k, v] : pairs) {
            if (k == key) {
                return true;
            }
        }
        return false;
    }
    std::string get(const std::string& key, const std::string& fallback = "") const {
        for (const auto& [k, v] : pairs) {
            if (k == key) {
                return v;
            }
        }
        return fallback;
    }
    int64_t get_int(const std::string& key, int64_t fallback) const {
        return has(key) ? std::strtoll(get(key).c_str(), nullptr, 0) : fallback;
    }
};

struct DdCommand {
    std::string name;
    DdArgs args;
    std::vector<std::string> input;  // lines between the command and "----"
    std::string where;               // "file:line" for failure messages
};

// "cmd a=1 b="x y" c" -> name "cmd", args a=1, b=x y, c.
inline DdArgs parse_args(const std::string& text, std::string* name = nullptr) {
    DdArgs args;
    size_t i = 0;
    bool first = true;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
        if (i >= text.size()) {
            break;
        }
        std::string key;
        while (i < text.size() && text[i] != ' ' && text[i] != '=') {
            key.push_back(text[i++]);
        }
        std::string value;
        if (i < text.size() && text[i] == '=') {
            ++i;
            if (i < text.size() && text[i] == '"') {
                for (++i; i < text.size() && text[i] != '"'; ++i) {
                    if (text[i] == '\\' && i + 1 < text.size()) {
                        ++i;
                    }
                    value.push_back(text[i]);
                }
                ++i;
            } else {
                while (i < text.size() && text[i] != ' ') {
                    value.push_back(text[i++]);
                }
            }
        }
        if (first && name != nullptr) {
            *name = key;
        } else {
            args.pairs.emplace_back(key, value);
        }
        first = false;
    }
    return args;
}

inline void run_file(const std::string& path,
                     const std::function<std::string(const DdCommand&)>& handler) {
    std::ifstream in(path);
    ASSERT_TRUE(in.good()) << "cannot open " << path;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    const bool rewrite =
        std::getenv("WD_REWRITE") != nullptr && std::string(std::getenv("WD_REWRITE")) == "1";
    std::string rewritten;
    size_t i = 0;
    while (i < lines.size()) {
        if (lines[i].empty() || lines[i][0] == '#') {
            rewritten += lines[i++] + "\n";
            continue;
        }
        DdCommand cmd;
        cmd.where = path + ":" + std::to_string(i + 1);
        const std::string command_line = lines[i++];
        cmd.args = parse_args(command_line, &cmd.name);
        while (i < lines.size() && lines[i] != "----") {
            cmd.input.push_back(lines[i++]);
        }
        ASSERT_LT(i, lines.size()) << cmd.where << ": missing ----";
        ++i;
        std::string expected;
        while (i < lines.size() && !lines[i].empty()) {
            expected += lines[i++] + "\n";
        }
        std::string actual = handler(cmd);
        if (!actual.empty() && actual.back() != '\n') {
            actual += "\n";
        }
        rewritten += command_line + "\n";
        for (const std::string& input : cmd.input) {
            rewritten += input + "\n";
        }
        rewritten += "----\n" + actual;
        if (!rewrite) {
            EXPECT_EQ(actual, expected) << cmd.where << ": " << command_line;
        }
    }
    if (rewrite) {
        std::ofstream out(path, std::ios::trunc);
        out << rewritten;
    }
}

}  // namespace wd::testing
