# SPDX-License-Identifier: Apache-2.0
"""Issue 7's robustness suite against the real binary: mutated datagrams by the hundred thousand,
slow and stalled TCP clients, EDNS abuse, compression bombs and a wildcard flood. Afterwards the
daemon answers at its normal latency and its RSS stays within a stated bound. Figures go to
$VPCDNS_ROBUSTNESS_REPORT when set (docs/robustness.md)."""
import random
import socket
import struct
import time

from conftest import SEED_ENDPOINT, config, dig, wait_for
from wire import Reply, edns_query, encode_name, option, opt, peer_closed, query, report, rss_kib

EXECUTE_API = "abcdef1234.execute-api.us-east-1.amazonaws.com"
ENI_ADDRESSES = [socket.inet_aton("10.0.1.15"), socket.inet_aton("10.0.2.27")]
# What the daemon may grow by, after the abuse, over its RSS once warmed up (MiB): the cache is
# bounded by `cache.max_bytes` and nothing else may keep per-packet state.
RSS_GROWTH_BOUND_MIB = 16


def seeds():
    """Valid queries the mutations start from: plain, EDNS with options and DO, ANY, forwarded."""
    return [
        query(EXECUTE_API),
        edns_query("vpce-0123456789abcdef0-abcd1234-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com", 28,
                   flags=0x8000, options=option(10, bytes(8)) + option(12, bytes(20))),
        query("execute-api.us-east-1.amazonaws.com", 255),
        edns_query("www.upstream.test", 16, payload=4096),
        query("missing.execute-api.us-east-1.amazonaws.com", 6, flags=0x0110),
    ]


def mutate(rng, packet, pool):
    data = bytearray(packet)
    for _ in range(rng.randrange(1, 5)):
        op = rng.randrange(8)
        if op == 0 and data:    # overwrite an octet
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1 and data:  # flip a bit
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif op == 2:           # insert random octets
            at = rng.randrange(len(data) + 1)
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        elif op == 3 and len(data) > 1:  # delete a run
            at = rng.randrange(len(data))
            del data[at:at + rng.randrange(1, 9)]
        elif op == 4 and data:  # truncate
            del data[rng.randrange(len(data)):]
        elif op == 5 and len(data) >= 12:  # lie in a section count
            at = 4 + 2 * rng.randrange(4)
            data[at:at + 2] = struct.pack("!H", rng.choice([0, 1, 2, 255, 0xFFFF, rng.randrange(65536)]))
        elif op == 6 and len(data) > 14:  # plant a compression pointer
            at = rng.randrange(12, len(data) - 1)
            data[at:at + 2] = struct.pack("!H", 0xC000 | rng.randrange(len(data) + 4))
        else:                   # splice another seed's tail on
            other = rng.choice(pool)
            data += other[rng.randrange(len(other)):]
    return bytes(data)


def probe(sock, target, qid):
    """One valid query on `sock`; reads until its answer (replies to earlier packets on the same
    socket come first: the same 4-tuple reaches the same worker in order). Returns (seconds, others)."""
    sock.sendto(query(EXECUTE_API, qid=qid), target)
    started = time.monotonic()
    others = 0
    while True:
        data = sock.recv(65535)
        # Every reply, to the probe or to a mutated packet, is a well-formed response.
        reply = Reply(data)
        assert reply.qr, data
        if reply.id == qid and reply.an == 2 and data[-4:] in ENI_ADDRESSES:
            return time.monotonic() - started, others
        others += 1


def test_100k_mutated_datagrams_with_health_probes(start_daemon, nsd):
    d = start_daemon(config(endpoints=SEED_ENDPOINT, upstreams=[nsd.address],
                            extra="cache: {max_entries: 20000}\n"))
    target = ("127.0.0.1", d.port)
    rng = random.Random(7_100_000)
    pool = seeds()
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
    for s in sockets:
        s.settimeout(3)
    # Warm up (first answers, the allocator's arenas), then take the baseline.
    for i, s in enumerate(sockets):
        probe(s, target, 0xF000 + i)
    rss_before = rss_kib(d.process.pid)
    batches, per_batch = 1000, 100
    sent, replies, probe_times = 0, 0, []
    for batch in range(batches):
        s = sockets[batch % len(sockets)]
        for _ in range(per_batch):
            s.sendto(mutate(rng, rng.choice(pool), pool), target)
            sent += 1
        seconds, others = probe(s, target, 0xA000 + batch)
        probe_times.append(seconds)
        replies += others
    assert d.process.poll() is None, d.text()
    # Normal service afterwards, on both transports.
    for transport in ("+notcp", "+tcp"):
        assert dig(d.port, EXECUTE_API, "A", transport).rdata("A") == ["10.0.1.15", "10.0.2.27"]
    after = [probe(sockets[i % 4], target, 0xE000 + i)[0] for i in range(50)]
    rss_after = rss_kib(d.process.pid)
    probe_times.sort()
    after.sort()
    report(test="mutated datagrams", sent=sent, replies=replies, probes=batches, probes_unanswered=0,
           probe_p50_ms=round(probe_times[len(probe_times) // 2] * 1000, 2),
           probe_max_ms=round(probe_times[-1] * 1000, 2), after_p50_ms=round(after[25] * 1000, 2),
           rss_before_kib=rss_before, rss_after_kib=rss_after)
    assert sent == batches * per_batch
    assert after[25] < 0.05, after  # answered at normal latency (a debug build on loopback: ~1 ms)
    assert rss_after - rss_before < RSS_GROWTH_BOUND_MIB * 1024, (rss_before, rss_after)


def test_tcp_trickle_and_stalls_are_cut_off(start_daemon):
    """One byte a second never completes a message: the connection is closed once a message has
    taken longer than the idle timeout, even though bytes keep arriving."""
    d = start_daemon(config(endpoints=SEED_ENDPOINT, extra="tcp: {idle_timeout: 2s}\n"))
    message = query(EXECUTE_API)
    frame = struct.pack("!H", len(message)) + message
    trickle = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    stalled = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    stalled.sendall(b"\xff\xff" + bytes(100))  # promises 65535 octets, sends 100, stops
    started = time.monotonic()
    sent = 0
    closed_at = None
    for octet in frame:
        try:
            trickle.sendall(bytes([octet]))
            sent += 1
        except (BrokenPipeError, ConnectionResetError):
            closed_at = time.monotonic() - started
            break
        if peer_closed(trickle):
            closed_at = time.monotonic() - started
            break
        time.sleep(0.5)  # the trickle's pace is the point of the test, not synchronisation
    assert closed_at is not None and closed_at < 4.5, (closed_at, sent, len(frame))
    wait_for(lambda: peer_closed(stalled), timeout=5, what="the stalled connection to be closed")
    report(test="tcp trickle", octets_sent=sent, closed_after_s=round(closed_at, 2))
    assert dig(d.port, EXECUTE_API, "A", "+tcp").rdata("A") == ["10.0.1.15", "10.0.2.27"]


def exchange(target, packet, timeout=2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(packet, target)
        return Reply(s.recv(65535))
    except socket.timeout:
        return None
    finally:
        s.close()


def test_edns_abuse(start_daemon):
    d = start_daemon(config(endpoints=SEED_ENDPOINT))
    target = ("127.0.0.1", d.port)
    name = EXECUTE_API
    cases = {
        # RFC 6891 §6.1.1: more than one OPT is FORMERR.
        "two OPT": (query(name, additional=opt() + opt(), arcount=2), "FORMERR"),
        # OPT belongs in the additional section only.
        "OPT in the answer section": (struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 1, 0, 0) + encode_name(name)
                                      + struct.pack("!HH", 1, 1) + opt(), "FORMERR"),
        "OPT in the authority section": (struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 1, 0) + encode_name(name)
                                         + struct.pack("!HH", 1, 1) + opt(), "FORMERR"),
        "OPT owner not the root": (query(name, additional=opt(owner=b"\x01a\x00"), arcount=1), "FORMERR"),
        "option longer than the RDATA": (query(name, additional=opt(options=struct.pack("!HH", 10, 60000) + bytes(8)),
                                               arcount=1), "FORMERR"),
        "RDLENGTH past the end": (query(name, additional=opt(options=bytes(4), rdlength=65535), arcount=1), "FORMERR"),
        "option header cut short": (query(name, additional=opt(options=b"\x00\x0a\x00"), arcount=1), "FORMERR"),
        # Legal, if odd: answered normally.
        "200 unknown options": (edns_query(name, options=b"".join(option(65001 + i % 10, bytes(i % 7)) for i in range(200))),
                                "NOERROR"),
        "payload size 0 (treated as 512)": (edns_query(name, payload=0), "NOERROR"),
        "ext-RCODE set in a query": (edns_query(name, ext_rcode=0xFF), "NOERROR"),
        "EDNS version 255": (edns_query(name, version=255), "BADVERS"),
    }
    outcomes = {}
    for label, (packet, expected) in cases.items():
        reply = exchange(target, packet)
        assert reply is not None, f"{label}: no reply"
        outcomes[label] = reply.rcode
        assert reply.rcode == expected, (label, reply.rcode)
        assert reply.an == 0 or expected == "NOERROR", label
        if expected == "NOERROR":
            assert reply.an == 2 and reply.opt and reply.opt["options"] == b"", label  # unknown options not echoed
            assert len(reply.data) <= max(512, reply.opt["payload"])
    report(test="edns abuse", cases=len(cases), outcomes=outcomes)
    assert dig(d.port, name).rdata("A") == ["10.0.1.15", "10.0.2.27"]


def chained_records(at, depth):
    """`depth` A records for the additional section, starting at offset `at`, each owner one label
    and a pointer to the owner before it: the last owner expands to `depth` labels. Returns the
    bytes and the offset of the last owner."""
    out = bytearray()
    previous = None
    for _ in range(depth):
        start = at + len(out)
        out += b"\x01a" + (struct.pack("!H", 0xC000 | previous) if previous is not None else b"\x00")
        out += struct.pack("!HHIH", 1, 1, 0, 4) + bytes(4)
        previous = start
    return bytes(out), previous


def test_compression_bombs(start_daemon):
    """Pointer loops, forward pointers, pointers into the header or past the end, and names that
    expand past 255 octets are FORMERR; 100 records through a 120-deep pointer chain are legal and
    answered; all promptly."""
    d = start_daemon(config(endpoints=SEED_ENDPOINT))
    target = ("127.0.0.1", d.port)

    def header(ar=0):
        return struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, ar)

    question = encode_name(EXECUTE_API) + struct.pack("!HH", 1, 1)
    at = 12 + len(question)
    too_deep, _ = chained_records(at, 130)  # the 128th owner passes 255 octets
    chain, deepest = chained_records(at, 120)  # 241 octets: legal
    bomb = chain + b"".join(struct.pack("!H", 0xC000 | deepest) + struct.pack("!HHIH", 1, 1, 0, 4) + bytes(4)
                            for _ in range(100))
    qtail = struct.pack("!HH", 1, 1)
    cases = {
        "pointer to itself": (header() + b"\xc0\x0c" + qtail, "FORMERR"),
        "two pointers in a loop": (header() + b"\x01a\xc0\x0e\xc0\x0c" + qtail, "FORMERR"),
        "forward pointer": (header() + b"\xc0\x0e\x01a\x00" + qtail, "FORMERR"),
        "pointer into the header": (header() + b"\xc0\x02" + qtail, "FORMERR"),
        "pointer past the end": (header() + b"\xc3\xff" + qtail, "FORMERR"),
        "name over 255 octets by pointers": (header(130) + question + too_deep, "FORMERR"),
        "reserved label type 0x40": (header() + b"\x41a\x00" + qtail, "FORMERR"),
        "label type 0x80": (header() + b"\x81a\x00" + qtail, "FORMERR"),
        "100 records through a 120-deep chain": (header(220) + question + bomb, "NOERROR"),
        # Datagrams are read into 4096-octet buffers: a longer query is dropped, unanswered.
        "a 5000-octet query": (header(220) + question + bomb + bytes(1200), None),
    }
    timings = {}
    for label, (packet, expected) in cases.items():
        started = time.monotonic()
        reply = exchange(target, packet)
        timings[label] = round((time.monotonic() - started) * 1000, 2)
        if expected is None:
            assert reply is None, label
            continue
        assert reply is not None, f"{label}: no reply"
        assert reply.id == 0x4242 and reply.rcode == expected, (label, reply.rcode)
        assert reply.an == (2 if expected == "NOERROR" else 0), label
        assert timings[label] < 500, (label, timings[label])
    report(test="compression bombs", cases=len(cases), reply_ms=timings)
    assert dig(d.port, EXECUTE_API).rdata("A") == ["10.0.1.15", "10.0.2.27"]


def test_10k_random_names_under_the_wildcard(start_daemon):
    d = start_daemon(config(endpoints=SEED_ENDPOINT))
    target = ("127.0.0.1", d.port)
    rng = random.Random(4592)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    probe(s, target, 0xF000)
    rss_before = rss_kib(d.process.pid)
    answered = 0
    for batch in range(100):
        names = {}
        for i in range(100):
            label = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randrange(1, 40)))
            qid = batch * 100 + i
            names[qid] = label
            s.sendto(query(f"{label}.execute-api.us-east-1.amazonaws.com", qid=qid), target)
        while names:
            data = s.recv(65535)
            reply = Reply(data)
            label = names.pop(reply.id)
            assert reply.rcode == "NOERROR" and reply.aa and reply.an == 2, (label, reply.rcode)
            # The owner is the query's name (RFC 4592 §3.3.1), case kept.
            assert data[12:13 + len(label)] == bytes([len(label)]) + label.encode(), label
            assert data[-4:] in ENI_ADDRESSES
            answered += 1
    rss_after = rss_kib(d.process.pid)
    report(test="wildcard names", sent=10_000, answered=answered, rss_before_kib=rss_before, rss_after_kib=rss_after)
    assert answered == 10_000
    assert rss_after - rss_before < RSS_GROWTH_BOUND_MIB * 1024, (rss_before, rss_after)
