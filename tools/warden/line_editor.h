// Line editing for the interactive shell on libedit's readline interface: history kept in a
// file across runs, and tab completion of command names (first word) and znode paths.
#pragma once

#include <optional>
#include <string>

namespace wd::shell {

class Shell;

class LineEditor {
public:
    // Loads `history_file` (if it exists); completion asks `shell` for paths.
    LineEditor(Shell& shell, std::string history_file);
    // Saves the history.
    ~LineEditor();
    LineEditor(const LineEditor&) = delete;
    LineEditor& operator=(const LineEditor&) = delete;

    // Reads one line; nullopt at end of input (Ctrl-D). Non-empty lines enter the history.
    std::optional<std::string> read_line(const std::string& prompt);

private:
    std::string history_file_;
};

// ~/.warden_history (or $WARDEN_HISTORY when set).
std::string default_history_file();

}  // namespace wd::shell
