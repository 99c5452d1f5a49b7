#!/usr/bin/python3
"""An interactive `warden` session driven through a pseudo-terminal: the prompt, line editing
(backspace, Ctrl-A), history recall with the Up arrow, history saved across runs, and tab
completion of a command name and of a znode path."""

import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shell_common import Checker, run, start_server, warden_path  # noqa: E402

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r|\x07|\x08")
UP = "\x1b[A"


class Terminal:
    def __init__(self, address, home):
        self.master, slave = pty.openpty()
        env = dict(os.environ, HOME=home, TERM="xterm")
        env.pop("WARDEN_HISTORY", None)
        self.proc = subprocess.Popen([warden_path(), "-server", address], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.seen = b""
        self.pos = 0

    def text(self):
        return ANSI.sub(b"", self.seen).decode(errors="replace")

    def expect(self, pattern, timeout=15.0):
        """Waits until `pattern` (a regex) matches the output after the previous match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.compile(pattern).search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return True
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    break
        print(f"# expected {pattern!r}; screen after the previous match was:\n# "
              + self.text()[self.pos:].replace("\n", "\n# "))
        return False

    def send(self, keys):
        os.write(self.master, keys.encode())

    def close(self):
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        return self.proc.returncode


def first_session(c, address, home):
    t = Terminal(address, home)
    c.true("prompt", t.expect(r"\[zk: 127\.0\.0\.1:\d+\(CONNECTED\) 0\] "))
    t.send("create /inter hello\r")
    c.true("create", t.expect(r"Created /inter"))
    t.send("create /inter/kid k\r")
    c.true("create kid", t.expect(r"Created /inter/kid"))
    # Tab completes a command name ("whoa" is only whoami) ...
    t.send("whoa\t")
    time.sleep(0.3)
    t.send("\r")
    c.true("tab completes a command", t.expect(r"Auth scheme: User"))
    # ... and a path: "/int" -> "/inter", then "/inter/k" -> "/inter/kid".
    t.send("get /int\t")
    time.sleep(0.3)
    t.send("\r")
    c.true("tab completes a path", t.expect(r"\n\s*hello\s*\n"))
    t.send("get /inter/k\t")
    time.sleep(0.3)
    t.send("\r")
    c.true("tab completes a child path", t.expect(r"\n\s*k\s*\n"))
    # Editing: a typo fixed with backspace, and Ctrl-A to insert at the start.
    t.send("get /intex\x7fr\r")
    c.true("backspace", t.expect(r"\n\s*hello\s*\n"))
    t.send("et /inter/kid\x01g\r")
    c.true("ctrl-a", t.expect(r"\n\s*k\s*\n"))
    # Up arrow recalls the previous line.
    t.send("set /inter again\r")
    t.send("get /inter\r")
    c.true("get after set", t.expect(r"again"))
    t.send(UP + "\r")
    c.true("up arrow recalls", t.expect(r"again"))
    t.send("quit\r")
    c.eq("quit exit code", t.close(), 0)
    history = os.path.join(home, ".warden_history")
    c.true("history file written", os.path.exists(history))


def second_session(c, address, home):
    t = Terminal(address, home)
    c.true("second prompt", t.expect(r"\(CONNECTED\) 0\] "))
    # The last line of the first run was "quit"; the one before it "get /inter".
    t.send(UP + UP + "\r")
    c.true("history across runs", t.expect(r"again"))
    c.true("prompt counts commands", t.expect(r"\(CONNECTED\) 1\] "))
    # libedit prints the prompt a moment before it puts the terminal in raw mode; a Ctrl-D
    # that arrives in between is taken by the tty's canonical mode and lost.
    time.sleep(0.5)
    t.send("\x04")  # Ctrl-D on an empty line ends the shell
    c.eq("ctrl-d exit code", t.close(), 0)


def main():
    c = Checker()
    server = start_server()
    home = tempfile.mkdtemp(prefix="wd-shell-home-")
    try:
        first_session(c, server.address, home)
        second_session(c, server.address, home)
        c.eq("state after the sessions", run(server.address, "get", "/inter")[1], "again\n")
    finally:
        server.cleanup()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
