// A small runner for etcd-datadriven style files (STYLE.md §5). Test-only code.
//
//   # comment and blank lines between blocks are kept
//   command arg key=value key=(a,b,c)
//   ----
//   expected output (no blank lines; "ok" when a command prints nothing)
//
// With WD_REWRITE=1 in the environment, run_file() rewrites the file with the actual output.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace wd::consensus::testing {

struct DdArg {
    std::string key;
    std::vector<std::string> values;  // "k=v" -> {v}; "k=(a,b)" -> {a,b}; bare "k" -> {}
};

struct DdCommand {
    std::string name;
    std::vector<DdArg> args;
    std::string line;   // the whole command line
    std::string where;  // file:line

    bool has(const std::string& key) const;
    std::vector<std::string> values(const std::string& key) const;
    std::string get(const std::string& key, const std::string& fallback = "") const;
    uint64_t get_uint(const std::string& key, uint64_t fallback) const;
    // Bare arguments (no '='), in order, e.g. node ids.
    std::vector<std::string> positional() const;
};

DdCommand parse_command(const std::string& line);

// Runs every block of `path` through `handler`; returns a description of each mismatch
// (empty when all match). Rewrites the file instead when WD_REWRITE=1.
std::vector<std::string> run_file(const std::string& path,
                                  const std::function<std::string(const DdCommand&)>& handler);

}  // namespace wd::consensus::testing
