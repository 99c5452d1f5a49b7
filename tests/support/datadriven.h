// The data-driven test runner shared by every layer (STYLE.md §5), after etcd's datadriven.
// Test-only code.
//
// A file under tests/data/<layer>/ holds blocks:
//
//   # Comment lines and blank lines between blocks are kept as they are.
//   command positional key=value key="quoted value" key=(a,b,c) key=()
//   optional input lines, handed to the handler as they are
//   ----
//   expected output (no blank lines; "ok" when the command prints nothing)
//
// An output that contains blank lines is written between two "----" lines and closed by two
// more (etcd's form):
//
//   command
//   ----
//   ----
//   first part
//
//   second part
//   ----
//   ----
//
// run_file() runs every block through a handler, in order, and reports each mismatch as a test
// failure at the block's file:line with a line diff. With WD_REWRITE=1 in the environment it
// rewrites the file with the actual outputs instead; review that diff like code.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wd::datadriven {

// One argument of a command line.
//   key=v      -> values {v}          key="a b" -> values {a b} (quotes removed, \" and \\)
//   key=(a,b)  -> values {a, b}       key=()    -> values {}
//   word       -> bare, values {}     (a positional argument such as a node id or "(1,2)")
struct Arg {
    std::string key;
    std::vector<std::string> values;
    bool bare = false;
};

// One block's command. The getters look up the first argument named `key`.
struct Command {
    std::string name;
    std::vector<Arg> args;
    std::vector<std::string> input;  // the lines between the command line and "----"
    std::string line;                // the command line as written
    std::string file;                // for messages; empty for a parse_command() result
    size_t line_number = 0;          // 1-based line of `line` in `file`
    // Problems found while parsing or reading arguments (a malformed number, an unterminated
    // quote); the runner reports them as failures at where().
    mutable std::vector<std::string> errors;

    std::string where() const;  // "file:line"
    bool has(const std::string& key) const;
    // The first value of `key`, or `fallback` when the key is absent or has no value.
    std::string get(const std::string& key, const std::string& fallback = "") const;
    // Every value of `key` (key=(a,b)); empty when absent.
    std::vector<std::string> values(const std::string& key) const;
    // Decimal, or hex with 0x. A malformed value records an error and returns `fallback`.
    int64_t get_int(const std::string& key, int64_t fallback) const;
    uint64_t get_uint(const std::string& key, uint64_t fallback) const;
    // The bare words, in order.
    std::vector<std::string> positional() const;
    // Records a handler-detected problem (unknown command, missing argument) as a failure.
    void fail(std::string message) const { errors.push_back(std::move(message)); }
};

// Parses one command line ("name arg ..."). Problems land in Command::errors.
Command parse_command(const std::string& line);

// Computes a block's output. The trailing newlines of the result are ignored; an empty result
// is printed as "ok".
using Handler = std::function<std::string(const Command&)>;

// Runs every block of `path`; see the file comment.
void run_file(const std::string& path, const Handler& handler);

// True when WD_REWRITE is set to anything but "" or "0".
bool rewrite_requested();

// The *.txt files of `dir`, sorted, as full paths; for INSTANTIATE_TEST_SUITE_P.
std::vector<std::string> files_in(const std::string& dir);

// A test name for a file parameter: its stem, with characters gtest refuses replaced by '_'.
std::string test_name(const ::testing::TestParamInfo<std::string>& info);

// "  same\n- expected only\n+ actual only\n", from a longest-common-subsequence line diff.
std::string line_diff(const std::string& expected, const std::string& actual);

}  // namespace wd::datadriven
