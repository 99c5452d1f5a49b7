#!/usr/bin/python3
"""Recording TCP proxy for the ZooKeeper client protocol (Python 3 standard library only).

Listens on 127.0.0.1:<port>, forwards every connection to a real ZooKeeper, and appends each
complete frame of each direction to --out as one line:

    <dir> <op> <hex of the whole frame, 4-byte length prefix included>

dir is '>' (client to server) or '<' (server to client); op is 'connect' for the handshake
frames, otherwise the request's opcode as a decimal integer (responses are matched to their
request by xid; notifications, xid -1, are op 0). Lines starting with '#' are comments.

Usage: zkproxy.py --upstream 127.0.0.1:2181 --out session.txt [--port 0] [--label text]
The chosen port is printed on stdout as 'PORT <n>' once listening.
"""

import argparse
import socket
import struct
import sys
import threading

NOTIFICATION_XID = -1


class Connection:
    def __init__(self, number, sink):
        self.number = number
        self.sink = sink
        self.ops_by_xid = {}
        self.handshake_done = {">": False, "<": False}
        self.lock = threading.Lock()

    def record(self, direction, frame):
        payload = frame[4:]
        if not self.handshake_done[direction]:
            self.handshake_done[direction] = True
            op = "connect"
        elif direction == ">":
            xid, op_num = struct.unpack("!ii", payload[:8]) if len(payload) >= 8 else (0, -1)
            with self.lock:
                self.ops_by_xid[xid] = op_num
            op = str(op_num)
        else:
            xid = struct.unpack("!i", payload[:4])[0] if len(payload) >= 4 else 0
            with self.lock:
                if xid == NOTIFICATION_XID:
                    op = "0"
                else:
                    op = str(self.ops_by_xid.pop(xid, -1))
        self.sink.write(direction, op, frame)


class Sink:
    def __init__(self, path, label):
        self.file = open(path, "a", encoding="ascii")
        self.lock = threading.Lock()
        if self.file.tell() == 0:
            self.comment("Recorded by tools/capture/zkproxy.py. One frame per line: <dir> <op> <hex>;")
            self.comment("dir '>' client->server, '<' server->client; op 'connect' or the opcode")
            self.comment("(0 = notification); hex = the whole frame, 4-byte length included.")
        if label:
            self.comment(label)

    def comment(self, text):
        with self.lock:
            self.file.write("# " + text + "\n")
            self.file.flush()

    def write(self, direction, op, frame):
        with self.lock:
            self.file.write(f"{direction} {op} {frame.hex()}\n")
            self.file.flush()


def pump(src, dst, direction, conn):
    buf = b""
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            buf += chunk
            # Record before forwarding so a request's xid is known before its reply arrives.
            while len(buf) >= 4:
                (length,) = struct.unpack("!i", buf[:4])
                if length < 0 or len(buf) < 4 + length:
                    break
                conn.record(direction, buf[: 4 + length])
                buf = buf[4 + length :]
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    sink = Sink(args.out, args.label)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    print("PORT", listener.getsockname()[1], flush=True)
    number = 0
    while True:
        client, _ = listener.accept()
        number += 1
        upstream = socket.create_connection((host, int(port)))
        sink.comment(f"connection {number}")
        conn = Connection(number, sink)
        for a, b, d in ((client, upstream, ">"), (upstream, client, "<")):
            threading.Thread(target=pump, args=(a, b, d, conn), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
