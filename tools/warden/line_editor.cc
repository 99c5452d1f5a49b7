#include "line_editor.h"

#include <editline/readline.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "shell.h"

namespace wd::shell {

namespace {

constexpr int history_max = 1000;
Shell* g_shell = nullptr;
std::vector<std::string> g_matches;
size_t g_next = 0;

char* next_match(const char*, int state) {
    if (state == 0) g_next = 0;
    if (g_next >= g_matches.size()) return nullptr;
    return strdup(g_matches[g_next++].c_str());
}

// The first word completes to a command name, any later word starting with '/' to a path.
char** complete(const char* text, int start, int) {
    rl_attempted_completion_over = 1;
    g_matches.clear();
    std::string prefix(text);
    bool first_word =
        std::string(rl_line_buffer, static_cast<size_t>(start)).find_first_not_of(" \t") ==
        std::string::npos;
    if (first_word) {
        for (const auto& name : Shell::command_names()) {
            if (name.rfind(prefix, 0) == 0) g_matches.push_back(name);
        }
        rl_completion_append_character = ' ';
    } else if (g_shell != nullptr) {
        g_matches = g_shell->complete_path(prefix);
        rl_completion_append_character = '\0';
    }
    if (g_matches.empty()) return nullptr;
    return rl_completion_matches(text, next_match);
}

}  // namespace

std::string default_history_file() {
    if (const char* file = std::getenv("WARDEN_HISTORY")) return file;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.warden_history";
}

LineEditor::LineEditor(Shell& shell, std::string history_file)
    : history_file_(std::move(history_file)) {
    g_shell = &shell;
    rl_readline_name = "warden";
    rl_attempted_completion_function = complete;
    static char breaks[] = " \t\n\"'";
    rl_completer_word_break_characters = breaks;
    using_history();
    stifle_history(history_max);
    read_history(history_file_.c_str());
}

LineEditor::~LineEditor() {
    write_history(history_file_.c_str());
    g_shell = nullptr;
}

std::optional<std::string> LineEditor::read_line(const std::string& prompt) {
    char* raw = readline(prompt.c_str());
    if (raw == nullptr) return std::nullopt;
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    return line;
}

}  // namespace wd::shell
