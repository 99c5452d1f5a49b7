// Tests of the shared data-driven runner: argument parsing, the diff, failures and rewriting.
#include "support/datadriven.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wd::datadriven {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path, std::ios::trunc) << text;
    return path;
}

std::string read_back(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Echoes the command: its name, then each argument as key:[values], then the input lines.
std::string echo(const Command& cmd) {
    std::string out = cmd.name;
    for (const Arg& a : cmd.args) {
        out += " " + a.key + (a.bare ? "" : ":[");
        for (size_t i = 0; !a.bare && i < a.values.size(); ++i) {
            out += (i > 0 ? "|" : "") + a.values[i];
        }
        out += a.bare ? "" : "]";
    }
    for (const std::string& line : cmd.input) {
        out += "\n" + line;
    }
    return out;
}

// Runs `path` and returns the failures it reported, as "file:line: message".
std::vector<std::string> failures_of(const std::string& path, const Handler& handler) {
    ::testing::TestPartResultArray results;
    {
        ::testing::ScopedFakeTestPartResultReporter reporter(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
            &results);
        run_file(path, handler);
    }
    std::vector<std::string> out;
    for (int i = 0; i < results.size(); ++i) {
        const auto& r = results.GetTestPartResult(i);
        std::string message = r.message();
        if (message.rfind("Failed\n", 0) == 0) {  // gtest's prefix for ADD_FAILURE_AT
            message.erase(0, 7);
        }
        out.push_back(std::string(r.file_name() ? r.file_name() : "") + ":" +
                      std::to_string(r.line_number()) + ": " + message);
    }
    return out;
}

TEST(DataDrivenParse, ArgumentForms) {
    const Command c = parse_command(R"(cmd 1 (2,3) k=v q="a \"b\" c" l=(x, y) e=() n=0x1f)");
    EXPECT_EQ(c.name, "cmd");
    EXPECT_EQ(echo(c), R"(cmd 1 (2,3) k:[v] q:[a "b" c] l:[x|y] e:[] n:[0x1f])");
    EXPECT_EQ(c.positional(), (std::vector<std::string>{"1", "(2,3)"}));
    EXPECT_TRUE(c.has("e"));
    EXPECT_EQ(c.get("e", "none"), "none");
    EXPECT_EQ(c.get_int("n", 0), 31);
    EXPECT_EQ(c.get_uint("missing", 7u), 7u);
    EXPECT_TRUE(c.errors.empty());
}

TEST(DataDrivenParse, MalformedValuesAreErrors) {
    const Command c = parse_command("cmd n=12x u=-1 q=\"open");
    EXPECT_EQ(c.get_int("n", -5), -5);
    EXPECT_EQ(c.get_uint("u", 9u), 9u);
    ASSERT_EQ(c.errors.size(), 3u);
    EXPECT_EQ(c.errors[0], "unterminated quote in: cmd n=12x u=-1 q=\"open");
    EXPECT_EQ(c.errors[1], "bad integer n=12x");
    EXPECT_EQ(c.errors[2], "bad unsigned integer u=-1");
}

TEST(DataDrivenDiff, MarksRemovedAndAddedLines) {
    EXPECT_EQ(line_diff("a\nb\nc", "a\nx\nc\nd"), "  a\n- b\n+ x\n  c\n+ d\n");
    EXPECT_EQ(line_diff("same", "same"), "  same\n");
}

TEST(DataDrivenRun, MatchingFilePasses) {
    const std::string path = write_temp("dd_match.txt",
                                        "# comment\n"
                                        "cmd a=1\n"
                                        "input line\n"
                                        "----\n"
                                        "cmd a:[1]\n"
                                        "input line\n"
                                        "\n"
                                        "empty\n"
                                        "----\n"
                                        "ok\n");
    auto handler = [](const Command& c) { return c.name == "empty" ? "" : echo(c); };
    EXPECT_TRUE(failures_of(path, handler).empty());
}

TEST(DataDrivenRun, MismatchNamesFileLineAndDiff) {
    const std::string path = write_temp("dd_mismatch.txt",
                                        "# comment\n"
                                        "\n"
                                        "cmd a=1\n"
                                        "----\n"
                                        "cmd a:[2]\n");
    const auto failures = failures_of(path, echo);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0], path + ":3: cmd a=1\noutput differs (- expected, + actual):\n"
                                  "- cmd a:[2]\n+ cmd a:[1]\n"
                                  "(rerun with WD_REWRITE=1 to accept the actual output; "
                                  "review the diff)");
}

TEST(DataDrivenRun, HandlerErrorsAndMissingSeparator) {
    const std::string bad = write_temp("dd_bad.txt", "cmd n=x\n----\nok\n");
    auto handler = [](const Command& c) {
        static_cast<void>(c.get_int("n", 0));
        c.fail("unknown command " + c.name);
        return std::string();
    };
    const auto failures = failures_of(bad, handler);
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0], bad + ":1: cmd n=x\n  bad integer n=x\n  unknown command cmd");

    const std::string open = write_temp("dd_open.txt", "# c\ncmd\nmore\n");
    const auto open_failures = failures_of(open, echo);
    ASSERT_EQ(open_failures.size(), 1u);
    EXPECT_EQ(open_failures[0], open + ":2: missing ---- after: cmd");
}

TEST(DataDrivenRun, RewriteKeepsCommentsAndUsesDoubleSeparatorForBlankLines) {
    const std::string path = write_temp("dd_rewrite.txt",
                                        "# what this checks\n"
                                        "one\n"
                                        "----\n"
                                        "stale\n"
                                        "\n"
                                        "two\n"
                                        "in\n"
                                        "----\n"
                                        "----\n"
                                        "old\n"
                                        "\n"
                                        "old\n"
                                        "----\n"
                                        "----\n");
    auto handler = [](const Command& c) { return c.name == "one" ? "a\n\nb\n" : "fresh"; };
    setenv("WD_REWRITE", "1", 1);
    run_file(path, handler);
    unsetenv("WD_REWRITE");
    EXPECT_EQ(read_back(path), "# what this checks\none\n----\n----\na\n\nb\n----\n----\n\n"
                               "two\nin\n----\nfresh\n");
    EXPECT_TRUE(failures_of(path, handler).empty());
}

}  // namespace
}  // namespace wd::datadriven
