#include "support/datadriven.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wd::datadriven {
namespace {

constexpr const char* separator = "----";

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) {
        out.push_back(line);
    }
    return out;
}

std::string trim(const std::string& text) {
    const size_t first = text.find_first_not_of(' ');
    if (first == std::string::npos) {
        return "";
    }
    return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// "a, b,c" -> {a, b, c}; "" -> {}.
std::vector<std::string> split_list(const std::string& body) {
    std::vector<std::string> out;
    std::stringstream ss(body);
    for (std::string item; std::getline(ss, item, ',');) {
        out.push_back(trim(item));
    }
    if (!body.empty() && body.back() == ',') {
        out.emplace_back();
    }
    return out;
}

// Reads the value after '=' starting at line[i]; advances i past it.
std::vector<std::string> read_value(const std::string& line, size_t& i, Command& cmd) {
    if (i < line.size() && line[i] == '"') {
        std::string value;
        for (++i; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] == '\\' && i + 1 < line.size()) {
                ++i;
            }
            value.push_back(line[i]);
        }
        if (i >= line.size()) {
            cmd.errors.push_back("unterminated quote in: " + line);
        }
        ++i;
        return {value};
    }
    if (i < line.size() && line[i] == '(') {
        const size_t close = line.find(')', i);
        if (close == std::string::npos) {
            cmd.errors.push_back("unterminated ( in: " + line);
            i = line.size();
            return {};
        }
        std::vector<std::string> values = split_list(line.substr(i + 1, close - i - 1));
        i = close + 1;
        return values;
    }
    std::string value;
    while (i < line.size() && line[i] != ' ') {
        value.push_back(line[i++]);
    }
    return {value};
}

bool parse_number(const std::string& text, bool is_signed, int64_t* out_signed,
                  uint64_t* out_unsigned) {
    if (text.empty()) {
        return false;
    }
    const bool hex = text.size() > 2 && (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0);
    const int base = hex ? 16 : 10;
    char* end = nullptr;
    errno = 0;
    if (is_signed) {
        *out_signed = std::strtoll(text.c_str(), &end, base);
    } else {
        if (text[0] == '-') {
            return false;
        }
        *out_unsigned = std::strtoull(text.c_str(), &end, base);
    }
    return errno == 0 && end != nullptr && *end == '\0';
}

// One item of a parsed file: a line kept verbatim, or a block.
struct Item {
    bool is_block = false;
    std::string text;  // the verbatim line
    Command command;
    std::string expected;
};

std::string join(const std::vector<std::string>& lines, size_t begin, size_t end) {
    std::string out;
    for (size_t i = begin; i < end; ++i) {
        out += lines[i] + "\n";
    }
    return out;
}

// Reads the expected output of the block whose "----" is lines[at]. Returns the index of the
// first line after the block, or 0 with *error set.
size_t read_expected(const std::vector<std::string>& lines, size_t at, std::string* expected,
                     std::string* error) {
    size_t k = at + 1;
    if (k < lines.size() && lines[k] == separator) {  // the double-separator form
        for (size_t end = k + 1; end + 1 < lines.size(); ++end) {
            if (lines[end] == separator && lines[end + 1] == separator) {
                *expected = join(lines, k + 1, end);
                return end + 2;
            }
        }
        *error = "no closing ----/---- for the block";
        return 0;
    }
    while (k < lines.size() && !lines[k].empty()) {
        k += 1;
    }
    *expected = join(lines, at + 1, k);
    return k;
}

// Parses the lines of `path` into items. On a malformed file, *error_line and *error say where.
bool parse_file(const std::string& path, const std::vector<std::string>& lines,
                std::vector<Item>* items, size_t* error_line, std::string* error) {
    size_t i = 0;
    // Bounded by the number of lines: every iteration consumes at least one.
    while (i < lines.size()) {
        if (lines[i].empty() || lines[i][0] == '#') {
            items->push_back(Item{false, lines[i], {}, {}});
            i += 1;
            continue;
        }
        Item item;
        item.is_block = true;
        item.command = parse_command(lines[i]);
        item.command.file = path;
        item.command.line_number = i + 1;
        size_t j = i + 1;
        while (j < lines.size() && lines[j] != separator) {
            item.command.input.push_back(lines[j++]);
        }
        if (j >= lines.size()) {
            *error_line = i + 1;
            *error = "missing ---- after: " + lines[i];
            return false;
        }
        const size_t next = read_expected(lines, j, &item.expected, error);
        if (next == 0) {
            *error_line = j + 1;
            return false;
        }
        items->push_back(std::move(item));
        i = next;
    }
    return true;
}

std::string normalize(std::string out) {
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out.empty() ? "ok" : out;
}

bool has_blank_line(const std::string& out) {
    return out.find("\n\n") != std::string::npos || (!out.empty() && out.front() == '\n');
}

// The block as the rewrite writes it. REQUIRES: `output` is normalized.
std::string render_block(const Command& cmd, const std::string& output) {
    std::string out = cmd.line + "\n";
    for (const std::string& line : cmd.input) {
        out += line + "\n";
    }
    if (has_blank_line(output)) {
        return out + "----\n----\n" + output + "\n----\n----\n";
    }
    return out + "----\n" + output + "\n";
}

// Runs one block; returns the normalized output, or `fallback` when the handler failed.
std::string run_block(const Item& item, const Handler& handler, const std::string& fallback) {
    const Command& cmd = item.command;
    std::string actual;
    try {
        actual = normalize(handler(cmd));
    } catch (const std::exception& e) {
        cmd.errors.push_back(std::string("handler threw: ") + e.what());
    }
    if (!cmd.errors.empty()) {
        std::string message = cmd.line;
        for (const std::string& e : cmd.errors) {
            message += "\n  " + e;
        }
        ADD_FAILURE_AT(cmd.file.c_str(), static_cast<int>(cmd.line_number)) << message;
        return fallback;
    }
    return actual;
}

}  // namespace

std::string Command::where() const { return file + ":" + std::to_string(line_number); }

bool Command::has(const std::string& key) const {
    return std::any_of(args.begin(), args.end(), [&](const Arg& a) { return a.key == key; });
}

std::vector<std::string> Command::values(const std::string& key) const {
    for (const Arg& a : args) {
        if (a.key == key) {
            return a.values;
        }
    }
    return {};
}

std::string Command::get(const std::string& key, const std::string& fallback) const {
    const std::vector<std::string> v = values(key);
    return v.empty() ? fallback : v.front();
}

int64_t Command::get_int(const std::string& key, int64_t fallback) const {
    if (!has(key)) {
        return fallback;
    }
    int64_t value = 0;
    if (!parse_number(get(key), true, &value, nullptr)) {
        errors.push_back("bad integer " + key + "=" + get(key));
        return fallback;
    }
    return value;
}

uint64_t Command::get_uint(const std::string& key, uint64_t fallback) const {
    if (!has(key)) {
        return fallback;
    }
    uint64_t value = 0;
    if (!parse_number(get(key), false, nullptr, &value)) {
        errors.push_back("bad unsigned integer " + key + "=" + get(key));
        return fallback;
    }
    return value;
}

std::vector<std::string> Command::positional() const {
    std::vector<std::string> out;
    for (const Arg& a : args) {
        if (a.bare) {
            out.push_back(a.key);
        }
    }
    return out;
}

Command parse_command(const std::string& line) {
    Command cmd;
    cmd.line = line;
    size_t i = 0;
    bool first = true;
    // Bounded by the line length: every iteration consumes at least one character.
    while (i < line.size()) {
        if (line[i] == ' ') {
            ++i;
            continue;
        }
        std::string key;
        while (i < line.size() && line[i] != ' ' && line[i] != '=') {
            key.push_back(line[i++]);
        }
        if (first) {
            cmd.name = key;
            first = false;
            if (i < line.size() && line[i] == '=') {
                cmd.errors.push_back("the command name has a value: " + line);
            }
            continue;
        }
        if (i < line.size() && line[i] == '=') {
            ++i;
            cmd.args.push_back(Arg{key, read_value(line, i, cmd), false});
        } else {
            cmd.args.push_back(Arg{key, {}, true});
        }
    }
    return cmd;
}

bool rewrite_requested() {
    const char* value = std::getenv("WD_REWRITE");
    return value != nullptr && std::string(value) != "" && std::string(value) != "0";
}

void run_file(const std::string& path, const Handler& handler) {
    std::ifstream in(path);
    if (!in.good()) {
        ADD_FAILURE() << "cannot open " << path;
        return;
    }
    std::stringstream content;
    content << in.rdbuf();
    std::vector<Item> items;
    size_t error_line = 0;
    std::string error;
    if (!parse_file(path, split_lines(content.str()), &items, &error_line, &error)) {
        ADD_FAILURE_AT(path.c_str(), static_cast<int>(error_line)) << error;
        return;
    }
    const bool rewrite = rewrite_requested();
    std::string rewritten;
    for (const Item& item : items) {
        if (!item.is_block) {
            rewritten += item.text + "\n";
            continue;
        }
        const std::string expected = normalize(item.expected);
        const std::string actual = run_block(item, handler, expected);
        rewritten += render_block(item.command, actual);
        if (!rewrite && actual != expected) {
            ADD_FAILURE_AT(path.c_str(), static_cast<int>(item.command.line_number))
                << item.command.line << "\noutput differs (- expected, + actual):\n"
                << line_diff(expected, actual)
                << "(rerun with WD_REWRITE=1 to accept the actual output; review the diff)";
        }
    }
    if (rewrite && rewritten != content.str()) {
        std::ofstream(path, std::ios::trunc) << rewritten;
    }
}

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".txt") {
            out.push_back(entry.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = std::filesystem::path(info.param).stem().string();
    for (char& c : name) {
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum) {
            c = '_';
        }
    }
    return name;
}

std::string line_diff(const std::string& expected, const std::string& actual) {
    const std::vector<std::string> a = split_lines(expected);
    const std::vector<std::string> b = split_lines(actual);
    if (a.size() * b.size() > (4u << 20)) {  // too large for the table: show both in full
        return "expected:\n" + expected + "\nactual:\n" + actual + "\n";
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<uint32_t>> lcs(a.size() + 1, std::vector<uint32_t>(b.size() + 1));
    for (size_t i = a.size(); i-- > 0;) {
        for (size_t j = b.size(); j-- > 0;) {
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1
                                     : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    std::string out;
    size_t i = 0;
    size_t j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i] == b[j]) {
            out += "  " + a[i++] + "\n";
            ++j;
        } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
            out += "- " + a[i++] + "\n";
        } else {
            out += "+ " + b[j++] + "\n";
        }
    }
    return out;
}

}  // namespace wd::datadriven
