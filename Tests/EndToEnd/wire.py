# SPDX-License-Identifier: Apache-2.0
"""Raw DNS messages for tests that need bytes dig will not send, and small socket and /proc helpers."""
import os
import struct

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def encode_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".") if label) + b"\0"


def query(name, qtype=1, qid=0x1234, flags=0x0100, additional=b"", arcount=0, qclass=1):
    return struct.pack("!HHHHHH", qid, flags, 1, 0, 0, arcount) + encode_name(name) \
        + struct.pack("!HH", qtype, qclass) + additional


def opt(payload=1232, version=0, flags=0, options=b"", owner=b"\0", ext_rcode=0, rdlength=None):
    """An OPT pseudo-record (RFC 6891 §6.1.2); `rdlength` may lie about the options' length."""
    ttl = ext_rcode << 24 | version << 16 | flags
    return owner + struct.pack("!HHIH", 41, payload, ttl, len(options) if rdlength is None else rdlength) + options


def option(code, data):
    return struct.pack("!HH", code, len(data)) + data


def edns_query(name, qtype=1, qid=0x1234, **opt_args):
    return query(name, qtype, qid, additional=opt(**opt_args), arcount=1)


class Reply:
    """The header of a response, and its OPT record if there is one (found by walking the sections)."""

    def __init__(self, data):
        self.data = data
        self.id, self.flags, self.qd, self.an, self.ns, self.ar = struct.unpack("!HHHHHH", data[:12])
        self.qr = bool(self.flags & 0x8000)
        self.tc = bool(self.flags & 0x0200)
        self.aa = bool(self.flags & 0x0400)
        self.opt = None
        offset = 12
        for _ in range(self.qd):
            offset = skip_name(data, offset) + 4
        for index in range(self.an + self.ns + self.ar):
            start = offset
            offset = skip_name(data, offset)
            rtype, rclass, ttl, rdlength = struct.unpack("!HHIH", data[offset:offset + 10])
            if rtype == 41:
                assert index >= self.an + self.ns, "OPT outside the additional section"
                assert self.opt is None, "two OPT records"
                self.opt = {"owner_root": data[start] == 0, "payload": rclass, "ext_rcode": ttl >> 24,
                            "version": (ttl >> 16) & 0xFF, "do": bool(ttl & 0x8000), "zflags": ttl & 0x7FFF,
                            "options": data[offset + 10:offset + 10 + rdlength]}
            offset += 10 + rdlength
        assert offset == len(data), f"{len(data) - offset} trailing octets"

    @property
    def rcode(self):
        low = self.flags & 0x0F
        full = (self.opt["ext_rcode"] << 4 | low) if self.opt else low
        return {16: "BADVERS"}.get(full, RCODES.get(full, str(full)))


def skip_name(data, offset):
    while True:
        length = data[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length


def peer_closed(c):
    """True once the other end has closed the TCP connection `c` (reads without waiting)."""
    c.setblocking(False)
    try:
        return c.recv(1) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        c.setblocking(True)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def report(**figures):
    """Appends one JSON line of figures to $VPCDNS_ROBUSTNESS_REPORT when set (docs/robustness.md)."""
    path = os.environ.get("VPCDNS_ROBUSTNESS_REPORT")
    if path:
        import json
        with open(path, "a") as out:
            out.write(json.dumps(figures) + "\n")
