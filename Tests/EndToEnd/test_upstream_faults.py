# SPDX-License-Identifier: Apache-2.0
"""Issue 7's upstream faults not covered in test_forwarding.py: an upstream answering garbage, a
flood of 10,000 spoofed replies per query window, serve-stale when every upstream fails, and the
in-flight table's cap. Figures go to $VPCDNS_ROBUSTNESS_REPORT when set."""
import time
import urllib.request

from conftest import config, dig, wait_for
from test_service import parse_prometheus
from upstreams import free_port
from wire import report, rss_kib


def metrics_config(port, upstreams, extra=""):
    forward = "forward:\n  upstreams: [" + ", ".join(f'"{u}"' for u in upstreams) + "]\n"
    return config(extra=f"metrics: 127.0.0.1:{port}\n{forward}{extra}")


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return parse_prometheus(response.read().decode())


def test_garbage_answers_are_ignored_and_the_next_upstream_answers(start_daemon, scripted, nsd):
    scripted.set("www.upstream.test", "garbage")
    port = free_port()
    d = start_daemon(metrics_config(port, [scripted.address, nsd.address]))
    started = time.monotonic()
    answer = dig(d.port, "www.upstream.test", "A", "+time=8")
    elapsed = time.monotonic() - started
    assert answer.rdata("A") == ["198.51.100.10"], answer  # NSD's, after the 1 s try timeout
    assert 0.9 < elapsed < 2.5, elapsed
    ignored = wait_for(lambda: metrics(port)["vpcdnsd_upstream_ignored_replies_total"], what="published statistics")
    assert ignored == 7, ignored  # every garbage reply was seen and dropped
    # With nothing else to ask: SERVFAIL by the 3 s deadline.
    alone = start_daemon(config(upstreams=[scripted.address]))
    started = time.monotonic()
    assert dig(alone.port, "www.upstream.test", "A", "+time=8").status == "SERVFAIL"
    assert time.monotonic() - started < 3.5
    report(test="garbage upstream", garbage_replies=14, failover_s=round(elapsed, 2))


def test_10k_spoofed_replies_per_query_window(start_daemon, scripted, nsd):
    """10,000 wrong-ID replies from the upstream's own address and port race each real reply, enough
    to push it out of the socket's buffer. None is accepted: after 20 the question moves to TCP, and
    the real answer comes back from the same upstream; the in-flight table empties, memory stays put."""
    port = free_port()
    d = start_daemon(metrics_config(port, [scripted.address, nsd.address]))
    dig(d.port, "warm.upstream.test")
    rss_before = rss_kib(d.process.pid)
    rounds = 5
    slowest = 0.0
    for i in range(rounds):
        name = f"spoofed{i}.example"
        scripted.set(name, "flood", 10_000, ["192.0.2.1"])
        started = time.monotonic()
        answer = dig(d.port, name, "A", "+time=8")
        slowest = max(slowest, time.monotonic() - started)
        # The real answer, never 203.0.113.66, and not NSD's REFUSED: no failover was needed.
        assert answer.rdata("A") == ["192.0.2.1"], answer
        assert scripted.count(name) == 2  # once over UDP, once over TCP
    assert slowest < 1.0, slowest  # well inside the 1 s try timeout
    m = wait_for(lambda: (lambda m: m if m["vpcdnsd_upstream_spoofing_retries_total"] == rounds else None)(metrics(port)),
                 what="the worker statistics to be published")
    assert m["vpcdnsd_upstream_ignored_replies_total"] >= rounds * 20
    wait_for(lambda: metrics(port)["vpcdnsd_upstream_in_flight"] == 0, what="the in-flight table to empty")
    assert d.process.poll() is None
    rss_after = rss_kib(d.process.pid)
    report(test="spoof flood", spoofs_sent=rounds * 10_000, spoofs_read=int(m["vpcdnsd_upstream_ignored_replies_total"]),
           accepted_spoofs=0, moved_to_tcp=rounds, slowest_answer_s=round(slowest, 3),
           rss_before_kib=rss_before, rss_after_kib=rss_after)
    assert rss_after - rss_before < 16 * 1024, (rss_before, rss_after)


def test_serve_stale_when_every_upstream_fails(start_daemon, scripted):
    d = start_daemon(config(extra=f"""forward:
  upstreams: ["{scripted.address}"]
cache: {{serve_stale: true, min_ttl: 0s}}
"""))
    scripted.set("stale.example", "answer", ["192.0.2.33"], 1)
    fresh = dig(d.port, "stale.example")
    assert fresh.rdata("A") == ["192.0.2.33"], fresh
    scripted.set("stale.example", "silent")
    time.sleep(1.1)  # the answer's 1 s TTL runs out: the passing of time is what is tested
    started = time.monotonic()
    stale = dig(d.port, "stale.example", "A", "+time=8")
    assert stale.rdata("A") == ["192.0.2.33"] and stale.records()[0][1] == "30", stale  # RFC 8767 §4
    assert time.monotonic() - started < 3.5
    assert scripted.count("stale.example") >= 2  # it did try the upstream first


def test_in_flight_table_is_capped(start_daemon, scripted):
    scripted.default = ("silent",)
    port = free_port()
    d = start_daemon(metrics_config(port, [scripted.address], extra="") .replace(
        "forward:\n", "forward:\n  max_in_flight: 5\n"))
    import subprocess
    started = time.monotonic()
    # 40 different names at once: each worker keeps at most 5 upstream questions; the rest get
    # SERVFAIL at once instead of queueing.
    procs = [subprocess.Popen(["dig", "-p", str(d.port), "@127.0.0.1", f"n{i}.capped.example", "+tries=1", "+time=8"],
                              stdout=subprocess.PIPE, text=True) for i in range(40)]
    wait_for(lambda: metrics(port)["vpcdnsd_upstream_in_flight"] > 0, what="questions in flight")
    assert metrics(port)["vpcdnsd_upstream_in_flight"] <= 10
    outputs = [p.communicate(timeout=20)[0] for p in procs]
    unexpected = [out for out in outputs if "status: SERVFAIL" not in out]
    assert not unexpected, unexpected
    assert time.monotonic() - started < 5
    wait_for(lambda: metrics(port)["vpcdnsd_upstream_in_flight"] == 0, what="the in-flight table to empty")
    report(test="in-flight cap", queries=40, cap_per_worker=5, workers=2)


def burst(port, names):
    """Sends one query per name at once from one socket and waits for every reply (or 5 s)."""
    import socket
    from wire import query
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        for i, name in enumerate(names):
            s.sendto(query(name, qid=i), ("127.0.0.1", port))
        for _ in names:
            s.recvfrom(4096)


def test_upstream_source_ports_are_shared_briefly_or_not_at_all(start_daemon, scripted):
    """By default a random-port socket carries at most 32 upstream queries (docs/performance.md: upstream sockets);
    with queries_per_socket: 1 every query has a port of its own. Either way no port is 53 or fixed
    across sockets."""
    names = [f"n{i}.ports.test" for i in range(64)]
    shared = start_daemon(config(upstreams=[scripted.address]))
    burst(shared.port, names)
    ports = list(scripted.source_ports)
    assert len(ports) == 64, len(ports)
    uses = {p: ports.count(p) for p in set(ports)}
    assert len(uses) < 64, "no socket carried more than one query"
    assert max(uses.values()) <= 32, uses
    assert 53 not in uses
    scripted.source_ports.clear()
    own = start_daemon(config(upstreams=[scripted.address], extra="") .replace(
        "forward:\n", "forward:\n  queries_per_socket: 1\n"))
    burst(own.port, [f"m{i}.ports.test" for i in range(64)])
    ports = list(scripted.source_ports)
    assert len(ports) == 64 and len(set(ports)) == 64, sorted(ports)
