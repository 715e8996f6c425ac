# SPDX-License-Identifier: Apache-2.0
"""Upstream servers for the end-to-end tests, all on loopback: a real NSD, and a scripted server in
this process for behaviour a real server will not produce on demand."""
import shutil
import socket
import struct
import subprocess
import threading

from conftest import dig, wait_for


def stop_process(process):
    """Stops a server this test started: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port(host="127.0.0.1"):
    """A port free for both UDP and TCP on `host` (the kernel's choice, checked for both)."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((host, 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


class NSD:
    """A real authoritative server from Debian, serving `zone_text` for `origin` on loopback."""

    def __init__(self, tmp_path, origin, zone_text, host="127.0.0.1"):
        assert shutil.which("nsd"), "nsd is not installed (make test installs it)"
        self.host = host
        self.port = free_port(host)
        self.dir = tmp_path / f"nsd-{self.port}"
        self.dir.mkdir()
        (self.dir / "zone").write_text(zone_text)
        (self.dir / "nsd.conf").write_text(f"""server:
    ip-address: {host}
    port: {self.port}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{self.dir}"
    pidfile: "{self.dir}/nsd.pid"
    database: ""
    zonelistfile: "{self.dir}/zone.list"
    xfrdfile: "{self.dir}/xfrd.state"
    logfile: "{self.dir}/nsd.log"
    server-count: 1
    hide-version: yes
    rrl-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "{origin}"
    zonefile: "zone"
""")
        self.process = subprocess.Popen(["nsd", "-d", "-c", str(self.dir / "nsd.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(lambda: self.process.poll() is not None or dig(self.port, origin, "SOA", server=host).status == "NOERROR",
                 timeout=20, what="nsd to answer")
        assert self.process.poll() is None, (self.dir / "nsd.log").read_text()

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    def stop(self):
        stop_process(self.process)


def parse_query(data):
    """(id, flags, qname lower-cased, qtype, question bytes) of a query, or None."""
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", data[:6])
    if qd != 1:
        return None
    labels, i = [], 12
    while i < len(data) and data[i] != 0:
        n = data[i]
        if n > 63:
            return None
        labels.append(data[i + 1:i + 1 + n].decode("latin-1"))
        i += 1 + n
    if i + 5 > len(data):
        return None
    qtype = struct.unpack("!H", data[i + 1:i + 3])[0]
    return qid, flags, ".".join(labels).lower() + ".", qtype, data[12:i + 5]


def response(qid, question, rcode=0, tc=False, answers=(), authority=b"", ancount=None, nscount=0):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    body = b"".join(answers)
    return struct.pack("!HHHHHH", qid, flags, 1, len(answers) if ancount is None else ancount, nscount, 0) \
        + question + body + authority


def garbage(qid, question):
    """Replies no resolver may use: noise, cut-off messages, a query echoed, the wrong question, a
    record running past the end, a bad pointer."""
    other = b"\x05other\x07example\x00" + question[-4:]
    return [
        bytes(range(7, 47)),
        b"\x01\x02\x03",
        struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0),  # promises a question, has none
        struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question,  # QR=0: a query, not a reply
        response(qid, other, answers=[a_record("203.0.113.66")]),  # someone else's question
        response(qid, question, answers=[a_record("203.0.113.66")[:-2]]),  # RDATA runs past the end
        response(qid, question, answers=[b"\xc3\xff" + a_record("203.0.113.66")[2:]]),  # pointer past the end
    ]


def a_record(ip, ttl=300):
    return b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(ip)


def txt_record(text, ttl=300):
    data = b"".join(bytes([len(chunk)]) + chunk for chunk in (text[i:i + 255] for i in range(0, len(text), 255)))
    return b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, ttl, len(data)) + data


def soa_authority(ttl=300, minimum=60):
    # Owner: the root (keeps the encoding trivial); a valid SOA for any name.
    rdata = b"\x02ns\x00\x0ahostmaster\x00" + struct.pack("!IIIII", 1, 2, 3, 4, minimum)
    return b"\x00" + struct.pack("!HHIH", 6, 1, ttl, len(rdata)) + rdata


class ScriptedUpstream:
    """A UDP+TCP server on loopback whose behaviour per name the test sets:
    `answer` (A records), `silent`, `servfail`, `nxdomain`, `tc` (TC=1 over UDP, the answer over
    TCP), `wrongid` (replies only with wrong IDs), `spoof` (50 wrong-ID replies, then the answer: few enough
    that the socket buffer keeps the real one),
    `big` (a large TXT), `flood` (N wrong-ID replies, then the answer), `garbage` (only unusable
    replies: see `garbage`). It counts the queries it receives per (name, type)."""

    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = free_port(host)
        self.behaviour = {}
        self.default = ("answer", ["192.0.2.53"])
        self.counts = {}
        self.source_ports = []  # of every UDP query, in order of arrival
        self.lock = threading.Lock()
        self.running = True
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, self.port))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, self.port))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.threads = [threading.Thread(target=self.serve_udp, daemon=True),
                        threading.Thread(target=self.serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    def set(self, name, mode, *args):
        with self.lock:
            self.behaviour[name.lower().rstrip(".") + "."] = (mode, *args)

    def count(self, name, qtype=None):
        key = name.lower().rstrip(".") + "."
        with self.lock:
            return sum(n for (q, t), n in self.counts.items() if q == key and (qtype is None or t == qtype))

    def replies(self, data, over_tcp):
        parsed = parse_query(data)
        if not parsed:
            return []
        qid, _, qname, qtype, question = parsed
        with self.lock:
            self.counts[(qname, qtype)] = self.counts.get((qname, qtype), 0) + 1
            mode, *args = self.behaviour.get(qname, self.default)
        if mode == "silent":
            return []
        if mode == "servfail":
            return [response(qid, question, rcode=2)]
        if mode == "nxdomain":
            return [response(qid, question, rcode=3, authority=soa_authority(), nscount=1)]
        if mode == "wrongid":
            return [response((qid + 1 + i) & 0xFFFF, question, answers=[a_record("203.0.113.66")]) for i in range(50)]
        if mode == "flood":
            # args: (count, ips): `count` wrong-ID answers from the right address and port, then the
            # real one. Over TCP (which an off-path forger cannot reach) only the real one.
            if over_tcp:
                return [response(qid, question, answers=[a_record(ip) for ip in args[1]])]
            fakes = [response((qid + 1 + i % 65535) & 0xFFFF, question, answers=[a_record("203.0.113.66")])
                     for i in range(args[0])]
            return fakes + [response(qid, question, answers=[a_record(ip) for ip in args[1]])]
        if mode == "garbage":
            return garbage(qid, question)
        if mode == "spoof":
            fakes = [response((qid + 1 + i) & 0xFFFF, question, answers=[a_record("203.0.113.66")]) for i in range(50)]
            return fakes + [response(qid, question, answers=[a_record(ip) for ip in args[0]])]
        if mode == "tc" and not over_tcp:
            return [response(qid, question, tc=True)]
        if mode == "tcp-cut":
            # TC=1 over UDP; over TCP the answer is cut off half-way (see serve_tcp).
            return [response(qid, question, tc=True)] if not over_tcp else [b"CUT"]
        if mode == "slow":
            import time as _time
            _time.sleep(args[0])
            return [response(qid, question, answers=[a_record("192.0.2.77")])]
        if mode == "big":
            return [response(qid, question, answers=[txt_record(b"x" * 200, ttl=300) for _ in range(args[0])])]
        ips = args[0] if args else ["192.0.2.53"]
        if qtype != 1:
            return [response(qid, question, authority=soa_authority(), nscount=1)]
        return [response(qid, question, answers=[a_record(ip, ttl=args[1] if len(args) > 1 else 300) for ip in ips])]

    def serve_udp(self):
        while self.running:
            try:
                data, peer = self.udp.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            with self.lock:
                self.source_ports.append(peer[1])
            for reply in self.replies(data, over_tcp=False):
                try:
                    self.udp.sendto(reply, peer)
                except OSError:
                    pass

    def serve_tcp(self):
        while self.running:
            try:
                conn, _ = self.tcp.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    length = struct.unpack("!H", recv_exact(conn, 2))[0]
                    for reply in self.replies(recv_exact(conn, length), over_tcp=True):
                        if reply == b"CUT":
                            conn.sendall(struct.pack("!H", 120) + b"\x00" * 30)  # promises 120, sends 30, closes
                            break
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
                except (OSError, struct.error):
                    pass

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=5)
        self.udp.close()
        self.tcp.close()


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data
