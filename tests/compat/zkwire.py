"""Minimal raw ZooKeeper client-protocol helper (own jute encoder/decoder).

Used by the compatibility tests for what kazoo 2.8 cannot do: addWatch, removeWatches,
checkWatches, getEphemerals, getAllChildrenNumber, whoAmI, createContainer/createTTL,
re-attaching a session on a new connection, a session that never pings, odd frames.

Everything is synchronous and single-threaded: one WireSession is one TCP connection.
Notifications (xid -1) that arrive while waiting for a reply are queued in `.events`.
Also provides kazoo-compatible request records (CreateContainer / CreateTTL) usable with
KazooClient._call, see `kazoo_call`.
"""

import collections
import socket
import struct
import time

# Op codes (ZooDefs.OpCode)
OP_CREATE, OP_DELETE, OP_EXISTS, OP_GETDATA, OP_SETDATA = 1, 2, 3, 4, 5
OP_GETACL, OP_SETACL, OP_GETCHILDREN, OP_SYNC, OP_PING = 6, 7, 8, 9, 11
OP_GETCHILDREN2, OP_CHECK, OP_MULTI, OP_CREATE2 = 12, 13, 14, 15
OP_CHECKWATCHES, OP_REMOVEWATCHES, OP_CREATECONTAINER, OP_CREATETTL = 17, 18, 19, 21
OP_AUTH, OP_GETEPHEMERALS, OP_GETALLCHILDRENNUMBER = 100, 103, 104
OP_ADDWATCH, OP_WHOAMI, OP_CLOSE = 106, 107, -11
OP_SETWATCHES, OP_SETWATCHES2 = 101, 105
XID_SETWATCHES = -8

# Error codes
OK, SYSTEMERROR, UNIMPLEMENTED, BADARGUMENTS = 0, -1, -6, -8
NONODE, NOAUTH, BADVERSION, NODEEXISTS, NOTEMPTY = -101, -102, -103, -110, -111
SESSIONEXPIRED, INVALIDACL, AUTHFAILED, NOWATCHER = -112, -114, -115, -121

# Watcher event types / states / watcher types
EV_NONE, EV_CREATED, EV_DELETED, EV_CHANGED, EV_CHILD = -1, 1, 2, 3, 4
EV_DATA_WATCH_REMOVED, EV_CHILD_WATCH_REMOVED, EV_PERSISTENT_REMOVED = 5, 6, 7
STATE_SYNC_CONNECTED, STATE_EXPIRED = 3, -112
WT_CHILDREN, WT_DATA, WT_ANY, WT_PERSISTENT, WT_PERSISTENT_RECURSIVE = 1, 2, 3, 4, 5
ADDWATCH_PERSISTENT, ADDWATCH_PERSISTENT_RECURSIVE = 0, 1

PERM_ALL = 31
OPEN_ACL = [(PERM_ALL, "world", "anyone")]

Stat = collections.namedtuple(
    "Stat", "czxid mzxid ctime mtime version cversion aversion ephemeralOwner "
            "dataLength numChildren pzxid")
ConnectResponse = collections.namedtuple(
    "ConnectResponse", "protocol_version timeout session_id passwd read_only")
Event = collections.namedtuple("Event", "type state path")
Reply = collections.namedtuple("Reply", "xid zxid err body")

_STAT = struct.Struct("!qqqqiiiqiiq")


class Writer:
    def __init__(self):
        self.b = bytearray()

    def int(self, v):
        self.b += struct.pack("!i", v)
        return self

    def long(self, v):
        self.b += struct.pack("!q", v)
        return self

    def bool(self, v):
        self.b += b"\x01" if v else b"\x00"
        return self

    def buffer(self, v):
        if v is None:
            return self.int(-1)
        self.int(len(v))
        self.b += v
        return self

    def string(self, v):
        return self.buffer(None if v is None else v.encode())

    def acls(self, acl):
        self.int(len(acl))
        for perms, scheme, ident in acl:
            self.int(perms).string(scheme).string(ident)
        return self

    def strings(self, items):
        self.int(len(items))
        for s in items:
            self.string(s)
        return self

    def bytes(self):
        return bytes(self.b)


class Reader:
    def __init__(self, data, offset=0):
        self.d = data
        self.o = offset

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.o)[0]
        self.o += struct.calcsize(fmt)
        return v

    def int(self):
        return self._take("!i")

    def long(self):
        return self._take("!q")

    def bool(self):
        return self._take("!B") != 0

    def buffer(self):
        n = self.int()
        if n < 0:
            return None
        v = self.d[self.o:self.o + n]
        if len(v) != n:
            raise ValueError("short buffer")
        self.o += n
        return bytes(v)

    def string(self):
        v = self.buffer()
        return None if v is None else v.decode()

    def strings(self):
        n = self.int()
        return [] if n < 0 else [self.string() for _ in range(n)]

    def stat(self):
        v = Stat._make(_STAT.unpack_from(self.d, self.o))
        self.o += _STAT.size
        return v

    def acls(self):
        n = self.int()
        return [] if n < 0 else [(self.int(), self.string(), self.string()) for _ in range(n)]

    def remaining(self):
        return len(self.d) - self.o


def connect_request(last_zxid=0, timeout_ms=4000, session_id=0, passwd=b"\0" * 16,
                    read_only=False):
    return (Writer().int(0).long(last_zxid).int(timeout_ms).long(session_id)
            .buffer(passwd).bool(read_only).bytes())


def path_watch(path, watch=False):
    return Writer().string(path).bool(watch).bytes()


def create_body(path, data=b"", acl=OPEN_ACL, flags=0, ttl=None):
    w = Writer().string(path).buffer(data).acls(acl).int(flags)
    if ttl is not None:
        w.long(ttl)
    return w.bytes()


class ConnectionClosed(Exception):
    pass


class WireSession:
    """One raw connection. `connect()` does the handshake (returns ConnectResponse)."""

    def __init__(self, port, timeout_ms=4000, session_id=0, passwd=b"\0" * 16, last_zxid=0,
                 read_only=False, sock_timeout=5.0, host="127.0.0.1"):
        self.port = port
        self.host = host
        self.req_timeout_ms = timeout_ms
        self.session_id = session_id
        self.passwd = passwd
        self.last_zxid = last_zxid
        self.read_only = read_only
        self.sock_timeout = sock_timeout
        self.sock = None
        self.events = collections.deque()
        self.xid = 0
        self.negotiated_timeout = None

    # -- framing -------------------------------------------------------------------------
    def open(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=self.sock_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_frame(self, payload):
        self.sock.sendall(struct.pack("!i", len(payload)) + payload)

    def _recv_exact(self, n, deadline):
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out waiting for server")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise ConnectionClosed("server closed the connection")
            buf += chunk
        return bytes(buf)

    def recv_frame(self, timeout=None):
        deadline = time.monotonic() + (self.sock_timeout if timeout is None else timeout)
        (n,) = struct.unpack("!i", self._recv_exact(4, deadline))
        if n < 0 or n > 16 * 1024 * 1024:
            raise ValueError(f"bad frame length {n}")
        return self._recv_exact(n, deadline)

    def closed_by_server(self, timeout=5.0):
        """True if the server closes the connection within timeout (data is discarded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
        return False

    # -- session -------------------------------------------------------------------------
    def connect(self, timeout=None):
        if self.sock is None:
            self.open()
        self.send_frame(connect_request(self.last_zxid, self.req_timeout_ms, self.session_id,
                                        self.passwd, self.read_only))
        r = Reader(self.recv_frame(timeout))
        resp = ConnectResponse(r.int(), r.int(), r.long(), r.buffer(),
                               r.bool() if r.remaining() else False)
        if resp.session_id:
            self.session_id = resp.session_id
            self.passwd = resp.passwd
            self.negotiated_timeout = resp.timeout
        return resp

    def request(self, op, body=b"", timeout=None, xid=None):
        """Sends one request, returns its Reply (body is a Reader positioned after header)."""
        if xid is None:
            self.xid += 1
            xid = self.xid
        self.send_frame(Writer().int(xid).int(op).bytes() + body)
        deadline = time.monotonic() + (self.sock_timeout if timeout is None else timeout)
        for _ in range(100000):
            frame = self.recv_frame(max(0.01, deadline - time.monotonic()))
            r = Reader(frame)
            rxid, zxid, err = r.int(), r.long(), r.int()
            if rxid == -1:
                self.events.append(Event(r.int(), r.int(), r.string()))
                continue
            if rxid == -2 and xid != -2:
                continue
            if zxid > 0:
                self.last_zxid = max(self.last_zxid, zxid)
            if rxid != xid:
                raise ValueError(f"xid mismatch: sent {xid}, got {rxid}")
            return Reply(rxid, zxid, err, r)
        raise RuntimeError("too many frames")

    def ping(self):
        return self.request(OP_PING, xid=-2)

    def close_session(self):
        try:
            return self.request(OP_CLOSE)
        finally:
            self.close()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def wait_event(self, timeout=5.0):
        """Next notification, or None after timeout. Pings while waiting."""
        deadline = time.monotonic() + timeout
        while not self.events:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                frame = self.recv_frame(min(left, 0.5))
            except socket.timeout:
                continue
            r = Reader(frame)
            rxid = r.int()
            r.long(), r.int()
            if rxid == -1:
                self.events.append(Event(r.int(), r.int(), r.string()))
        return self.events.popleft()

    def drain_events(self, quiet=0.3):
        """All notifications arriving until `quiet` seconds pass without one."""
        out = []
        for _ in range(1000):
            ev = self.wait_event(quiet)
            if ev is None:
                break
            out.append(ev)
        return out

    # -- operations (return Reply; decode helpers below) ----------------------------------
    def create(self, path, data=b"", acl=OPEN_ACL, flags=0, ttl=None, op=None):
        if op is None:
            op = OP_CREATETTL if ttl is not None else OP_CREATE2
        return self.request(op, create_body(path, data, acl, flags, ttl))

    def delete(self, path, version=-1):
        return self.request(OP_DELETE, Writer().string(path).int(version).bytes())

    def exists(self, path, watch=False):
        return self.request(OP_EXISTS, path_watch(path, watch))

    def get_data(self, path, watch=False):
        return self.request(OP_GETDATA, path_watch(path, watch))

    def set_data(self, path, data, version=-1):
        return self.request(OP_SETDATA, Writer().string(path).buffer(data).int(version).bytes())

    def get_children(self, path, watch=False):
        return self.request(OP_GETCHILDREN, path_watch(path, watch))

    def add_watch(self, path, mode):
        return self.request(OP_ADDWATCH, Writer().string(path).int(mode).bytes())

    def remove_watches(self, path, wtype):
        return self.request(OP_REMOVEWATCHES, Writer().string(path).int(wtype).bytes())

    def check_watches(self, path, wtype):
        return self.request(OP_CHECKWATCHES, Writer().string(path).int(wtype).bytes())

    def get_ephemerals(self, prefix):
        rep = self.request(OP_GETEPHEMERALS, Writer().string(prefix).bytes())
        return rep, (rep.body.strings() if rep.err == 0 else None)

    def get_all_children_number(self, path):
        rep = self.request(OP_GETALLCHILDRENNUMBER, Writer().string(path).bytes())
        return rep, (rep.body.int() if rep.err == 0 else None)

    def whoami(self):
        rep = self.request(OP_WHOAMI)
        out = None
        if rep.err == 0:
            n = rep.body.int()
            out = [(rep.body.string(), rep.body.string()) for _ in range(max(n, 0))]
        return rep, out

    def set_watches(self, relative_zxid, data=(), exist=(), child=(), persistent=None,
                    persistent_recursive=None, timeout=None):
        """SetWatches (101) or, when persistent lists are given, SetWatches2 (105); xid -8.
        Notifications fired by it are queued in `.events`."""
        w = (Writer().long(relative_zxid).strings(list(data)).strings(list(exist))
             .strings(list(child)))
        op = OP_SETWATCHES
        if persistent is not None or persistent_recursive is not None:
            op = OP_SETWATCHES2
            w.strings(list(persistent or ())).strings(list(persistent_recursive or ()))
        return self.request(op, w.bytes(), timeout=timeout, xid=XID_SETWATCHES)

    def auth(self, scheme, auth):
        """AuthPacket with xid -4; returns the reply header's err."""
        body = Writer().int(0).string(scheme).buffer(auth).bytes()
        return self.request(OP_AUTH, body, xid=-4)


def open_session(port, timeout_ms=4000, **kw):
    s = WireSession(port, timeout_ms=timeout_ms, **kw)
    resp = s.connect()
    if not resp.session_id:
        s.close()
        raise RuntimeError("server refused the session")
    return s


# -- kazoo-compatible request records ----------------------------------------------------
def _kacl(acl):
    """kazoo ACL objects (or None) -> [(perms, scheme, id)]."""
    if not acl:
        return OPEN_ACL
    return [(a.perms, a.id.scheme, a.id.id) for a in acl]


class KCreateExt(collections.namedtuple("KCreateExt", "path data acl flags ttl")):
    """createContainer (19) / createTTL (21) for KazooClient._call. Returns (path, ZnodeStat)."""

    @property
    def type(self):
        return OP_CREATETTL if self.ttl is not None else OP_CREATECONTAINER

    def serialize(self):
        return bytearray(create_body(self.path, self.data, _kacl(self.acl), self.flags, self.ttl))

    @classmethod
    def deserialize(cls, data, offset):
        from kazoo.protocol.states import ZnodeStat
        r = Reader(data, offset)
        path = r.string()
        return path, ZnodeStat._make(tuple(r.stat()))


def kazoo_call(client, request, timeout=10.0):
    """Runs a custom request through a kazoo client; raises kazoo exceptions on error."""
    result = client.handler.async_result()
    client._call(request, result)
    return result.get(timeout=timeout)


def kazoo_create_container(client, path, value=b"", acl=None):
    return kazoo_call(client, KCreateExt(path, value, acl, 4, None))


def kazoo_create_ttl(client, path, value=b"", ttl=60000, sequence=False, acl=None):
    return kazoo_call(client, KCreateExt(path, value, acl, 6 if sequence else 5, ttl))


class KRaw:
    """Any request for KazooClient._call: op code, encoded body, decoder(Reader) -> value."""

    def __init__(self, op, body, decode):
        self.type = op
        self.body = body
        self.decode = decode

    def serialize(self):
        return bytearray(self.body)

    def deserialize(self, data, offset):
        return self.decode(Reader(data, offset))

    def __repr__(self):
        return f"KRaw(op={self.type})"


def kazoo_get_ephemerals(client, prefix):
    return kazoo_call(client, KRaw(OP_GETEPHEMERALS, Writer().string(prefix).bytes(),
                                   lambda r: r.strings()))


def kazoo_get_all_children_number(client, path):
    return kazoo_call(client, KRaw(OP_GETALLCHILDRENNUMBER, Writer().string(path).bytes(),
                                   lambda r: r.int()))
