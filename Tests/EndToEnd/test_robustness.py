# SPDX-License-Identifier: Apache-2.0
"""Malformed input never crashes or stalls the daemon."""
import random
import socket
import struct
import time
import urllib.request

from conftest import SEED_ENDPOINT, config, dig, wait_for
from test_service import parse_prometheus
from upstreams import free_port
from wire import peer_closed, query, report, rss_kib


def test_malformed_datagrams_and_abusive_tcp(start_daemon):
    d = start_daemon(config(endpoints=SEED_ENDPOINT, extra="tcp: {idle_timeout: 2s, max_connections: 1000}\n"))
    rng = random.Random(20261126)
    seed = query("abcdef1234.execute-api.us-east-1.amazonaws.com")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setblocking(False)
    sent = 0
    for i in range(10_000):
        if i % 3 == 0:
            packet = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80)))
        else:
            packet = bytearray(seed)
            for _ in range(rng.randrange(1, 6)):
                packet[rng.randrange(len(packet))] = rng.randrange(256)
            packet = bytes(packet[: rng.randrange(1, len(packet) + 1)])
        try:
            udp.sendto(packet, ("127.0.0.1", d.port))
            sent += 1
        except BlockingIOError:
            time.sleep(0.001)
        if i % 500 == 0:
            drain(udp)
    drain(udp)
    assert sent >= 9_900

    conns = []
    for i in range(100):
        c = socket.create_connection(("127.0.0.1", d.port), timeout=5)
        kind = i % 4
        if kind == 0:
            c.sendall(bytes(rng.randrange(256) for _ in range(200)))  # garbage
        elif kind == 1:
            c.sendall(b"\xff\xff" + b"x" * 10)  # announces 65535 octets, sends 10
        elif kind == 2:
            c.sendall(b"\x00")  # one byte of a length prefix, then silence
        conns.append(c)  # kind 3: connects and never sends
    # While the abusers hold their connections, normal clients are served on both transports.
    for transport in ("+notcp", "+tcp"):
        answer = dig(d.port, "abcdef1234.execute-api.us-east-1.amazonaws.com", "A", transport)
        assert answer.status == "NOERROR" and answer.rdata("A") == ["10.0.1.15", "10.0.2.27"], answer
    # The idle timeout closes every stalled connection (recv returns b"" once the server closes).
    for c in conns:
        c.settimeout(10)
        wait_for(lambda: closed(c), timeout=10, what="an idle connection to be closed")
        c.close()
    assert d.process.poll() is None, d.text()
    report(test="malformed datagrams and abusive TCP", datagrams=sent, tcp_connections=len(conns),
           rss_after_kib=rss_kib(d.process.pid))


def drain(sock):
    while True:
        try:
            sock.recv(4096)
        except BlockingIOError:
            return


def closed(c):
    try:
        while True:
            data = c.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_formerr_notimp_and_responses_dropped(start_daemon):
    d = start_daemon(config(endpoints=SEED_ENDPOINT))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    target = ("127.0.0.1", d.port)
    # A header and a broken name: FORMERR with our ID.
    s.sendto(struct.pack("!HHHHHH", 0xAB01, 0x0100, 1, 0, 0, 0) + b"\xc0\xff", target)
    reply = s.recv(4096)
    assert reply[:2] == b"\xab\x01" and reply[3] & 0x0F == 1 and reply[2] & 0x80
    # NOTIFY (opcode 4): NOTIMP.
    s.sendto(query("execute-api.us-east-1.amazonaws.com", qid=0xAB02, flags=0x2000), target)
    reply = s.recv(4096)
    assert reply[:2] == b"\xab\x02" and reply[3] & 0x0F == 4
    # A response (QR=1) is never answered: the next reply we read belongs to the next query.
    s.sendto(query("execute-api.us-east-1.amazonaws.com", qid=0xAB03, flags=0x8100), target)
    s.sendto(query("execute-api.us-east-1.amazonaws.com", qid=0xAB04), target)
    reply = s.recv(4096)
    assert reply[:2] == b"\xab\x04" and reply[3] & 0x0F == 0
    # Two questions: FORMERR.
    two = bytearray(query("a.b", qid=0xAB05))
    two[5] = 2
    s.sendto(bytes(two) + query("c.d")[12:], target)
    reply = s.recv(4096)
    assert reply[:2] == b"\xab\x05" and reply[3] & 0x0F == 1


def test_pipelined_tcp_queries_on_one_connection(start_daemon):
    d = start_daemon(config(endpoints=SEED_ENDPOINT))
    c = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    batch = b""
    for qid in range(1, 21):
        q = query("abcdef1234.execute-api.us-east-1.amazonaws.com", qid=qid)
        batch += struct.pack("!H", len(q)) + q
    # Written in awkward pieces: partial frames must be reassembled.
    for i in range(0, len(batch), 7):
        c.sendall(batch[i:i + 7])
    ids = set()
    buffer = b""
    while len(ids) < 20:
        chunk = c.recv(65536)
        assert chunk, "connection closed early"
        buffer += chunk
        while len(buffer) >= 2 and len(buffer) >= 2 + struct.unpack("!H", buffer[:2])[0]:
            length = struct.unpack("!H", buffer[:2])[0]
            message, buffer = buffer[2:2 + length], buffer[2 + length:]
            ids.add(struct.unpack("!H", message[:2])[0])
            assert message[3] & 0x0F == 0
    assert ids == set(range(1, 21))
    c.close()


def test_connection_cap(start_daemon):
    port = free_port()
    d = start_daemon(config(endpoints=SEED_ENDPOINT, extra=f"tcp: {{max_connections: 5}}\nmetrics: 127.0.0.1:{port}\n"))
    held = [socket.create_connection(("127.0.0.1", d.port), timeout=5) for _ in range(12)]
    # With 2 workers × 5, at least two of the 12 are closed straight away, and /metrics counts each.
    wait_for(lambda: sum(peer_closed(c) for c in held) >= 2, timeout=5, what="connections over the cap to be closed")

    def rejected():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return parse_prometheus(response.read().decode())['vpcdnsd_connections_rejected_total{transport="Do53-TCP"}']
    wait_for(lambda: rejected() == sum(peer_closed(c) for c in held), what="each closed connection counted as rejected")
    report(test="connection cap", opened=len(held), cap_per_worker=5, workers=2)
    for c in held:
        c.close()
    answer = dig(d.port, "execute-api.us-east-1.amazonaws.com", "A", "+tcp")
    assert answer.status == "NOERROR"


def test_response_rate_limit_slips_and_drops(start_daemon):
    """With loopback not exempt and 20 responses/s, a flood gets ~burst answers, every 2nd excess
    response as an empty TC=1 reply, the rest dropped; TCP still answers. /metrics counts the
    datagrams slipped and dropped, and only the answered ones as queries."""
    port = free_port()
    d = start_daemon(config(endpoints=SEED_ENDPOINT,
                            extra=f"metrics: 127.0.0.1:{port}\n"
                                  "rate_limit: {responses_per_second: 20, burst: 20, slip: 2, exempt: []}\n"))

    def metrics():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return parse_prometheus(response.read().decode())
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    for qid in range(200):
        s.sendto(query("execute-api.us-east-1.amazonaws.com", qid=qid), ("127.0.0.1", d.port))
    full, slipped = 0, 0
    try:
        while True:
            reply = s.recv(4096)
            if reply[2] & 0x02:
                assert struct.unpack("!H", reply[6:8])[0] == 0  # no data in a slip
                slipped += 1
            else:
                full += 1
    except socket.timeout:
        pass
    assert 20 <= full <= 40, (full, slipped)
    assert 60 <= slipped <= 100, (full, slipped)
    report(test="response rate limit", sent=200, answered=full, slipped=slipped, dropped=200 - full - slipped)
    counted = metrics()
    assert counted['vpcdnsd_rate_limited_total{action="slip"}'] == slipped
    assert counted['vpcdnsd_rate_limited_total{action="drop"}'] == 200 - full - slipped
    assert counted['vpcdnsd_queries_total{transport="Do53-UDP"}'] == full
    answer = dig(d.port, "execute-api.us-east-1.amazonaws.com", "A", "+tcp")
    assert answer.rdata("A") == ["10.0.1.15", "10.0.2.27"]
