// warden: the interactive shell of Warden, compatible with zkCli.
//
//   warden [-server host:port[,...][/chroot]] [-timeout ms] [-r] [--json] [-k]
//          [-f script | cmd args...]
//
// With a command: runs it and exits (0 on success, 1 on failure). With -f, or when stdin is
// not a terminal: runs the lines of the script and exits 1 at the first failure (-k: go on,
// and exit with the last command's status, as zkCli does). Otherwise: an interactive shell.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "line_editor.h"
#include "shell.h"

namespace {

using wd::shell::Mode;
using wd::shell::Shell;

struct Args {
    wd::shell::ShellOptions options;
    std::string script;
    bool keep_going = false;
    std::vector<std::string> command;
};

// zkCli spells its long options with one dash (-server, -timeout): accept both.
std::vector<std::string> normalize(int argc, char** argv) {
    std::vector<std::string> out(argv + 1, argv + argc);
    for (size_t i = 0; i < out.size(); ++i) {
        std::string& arg = out[i];
        if (arg == "-server" || arg == "-timeout" || arg == "-readonly") arg = "-" + arg;
        bool takes_value =
            arg == "--server" || arg == "--timeout" || arg == "-f" || arg == "--file";
        if (takes_value) {
            ++i;
        } else if (!arg.empty() && arg[0] != '-') {
            break;  // the one-shot command starts here
        }
    }
    return out;
}

int run_lines(Shell& shell, std::istream& in, bool keep_going) {
    bool last_ok = true;
    std::string line;
    while (!shell.quit_requested() && std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        bool ok = shell.execute(line);
        if (shell.quit_requested()) break;  // quit keeps the status of the command before it
        last_ok = ok;
        if (!last_ok && !keep_going) return 1;
    }
    return last_ok ? 0 : 1;
}

int run_interactive(Shell& shell, const std::string& server) {
    std::cout << "Connecting to " << server << "\n" << std::flush;
    if (shell.connect(server)) std::cout << "Welcome to Warden!\n" << std::flush;
    wd::shell::LineEditor editor(shell, wd::shell::default_history_file());
    while (!shell.quit_requested()) {
        auto line = editor.read_line(shell.prompt());
        if (!line) break;
        shell.execute(*line);
    }
    return 0;
}

int run(Args& args) {
    auto& o = args.options;
    if (!args.command.empty()) {
        o.mode = Mode::one_shot;
    } else if (!args.script.empty() || !isatty(STDIN_FILENO)) {
        o.mode = Mode::script;
    }
    Shell shell(o);
    if (o.mode == Mode::interactive) return run_interactive(shell, o.server);
    if (!shell.connect(o.server)) return 1;
    if (o.mode == Mode::one_shot) {
        std::string line;
        for (const auto& word : args.command) line += (line.empty() ? "" : " ") + word;
        return shell.execute_words(args.command, line) ? 0 : 1;
    }
    if (args.script.empty()) return run_lines(shell, std::cin, args.keep_going);
    std::ifstream file(args.script);
    if (!file) {
        std::cerr << "Cannot read " << args.script << "\n";
        return 1;
    }
    return run_lines(shell, file, args.keep_going);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"warden: the Warden shell (zkCli-compatible)", "warden"};
    Args args;
    app.add_option("--server", args.options.server, "host:port[,host:port...][/chroot]");
    app.add_option("--timeout", args.options.timeout_ms, "session timeout in ms");
    app.add_flag("-r,--readonly", args.options.read_only, "allow a read-only server");
    app.add_flag("--json", args.options.json,
                 "JSON output for ls, get, stat, getAcl, getEphemerals, getAllChildrenNumber, "
                 "whoami, tree and watch");
    app.add_option("-f,--file", args.script, "run the commands of this script");
    app.add_flag("-k,--keep-going", args.keep_going,
                 "script mode: go on after a failure (exit status of the last command)");
    // Everything from the first positional argument on is the one-shot command.
    app.prefix_command();
    app.footer("A command after the options runs once (e.g. warden -server h:2181 ls -s /).");
    auto words = normalize(argc, argv);
    std::reverse(words.begin(), words.end());
    try {
        app.parse(words);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    for (const auto& extra : app.remaining()) args.command.push_back(extra);
    int code = run(args);
    // _Exit: the shell's client is closed with the Shell; skip static destructors, which the
    // libedit state does not need.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
}
