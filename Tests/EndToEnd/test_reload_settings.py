# SPDX-License-Identifier: Apache-2.0
"""What a SIGHUP does with each setting (docs/configuration.md, the reload column): a live key takes
effect, a restart key keeps its running value and the reload names it in a warning. These six were
once ignored silently: workers, user, cache.*, tcp.*, query_log, metrics."""
import os
import re
import signal
import subprocess
import socket
import struct

from conftest import BINARY, config, dig, wait_for
from wire import peer_closed, query

ZONE = "$TTL 60\n@ SOA ns hostmaster 1 2 3 4 60\nhost A 10.2.0.1\n"


def reload(d, path, text):
    """Writes the config and sends SIGHUP; returns the log from this reload on, once it ended."""
    before = d.text().count("reload ok") + d.text().count("reload failed")
    start = len(d.text())
    path.write_text(text)
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.text().count("reload ok") + d.text().count("reload failed") > before, what="the reload")
    return d.text()[start:]


def worker_threads(pid):
    names = (open(f"/proc/{pid}/task/{t}/comm").read().strip() for t in os.listdir(f"/proc/{pid}/task"))
    return sorted(n for n in names if re.fullmatch(r"vpcdnsd-w\d+", n))


def test_restart_keys_are_named_and_keep_their_running_value(start_daemon, tmp_path):
    (tmp_path / "a.test.zone").write_text(ZONE)
    zones = "zones: [a.test.zone]\n"
    d = start_daemon(config(zones=zones, extra="cache: {max_ttl: 1h}\n"))
    path = tmp_path / "vpcdnsd.yaml"
    qlog = tmp_path / "queries.log"
    changed = config(zones=zones, extra=(
        f"cache: {{max_ttl: 2h, serve_stale: true}}\nquery_log: {qlog}\nmetrics: 127.0.0.1:0\nuser: nobody\n")) \
        .replace("workers: 2", "workers: 3")
    log = reload(d, path, changed)
    assert "reload ok" in log, log
    for key, running, new in [("workers", "2", "3"), ("user", "none", "nobody"), ("cache.max_ttl", "1h", "2h"),
                              ("cache.serve_stale", "false", "true"), ("query_log", "off", str(qlog)),
                              ("metrics", "off", "127.0.0.1:0")]:
        assert f"reload: {key} is {new} in the configuration, {running} is running; that takes a restart" in log, log
    # Not applied: still two workers, no query log, no metrics listener; the zone still answers.
    assert worker_threads(d.process.pid) == ["vpcdnsd-w0", "vpcdnsd-w1"]
    assert dig(d.port, "host.a.test").rdata("A") == ["10.2.0.1"]
    assert not qlog.exists()
    assert "metrics on" not in d.text()
    # A second reload of the same file warns again: the comparison is with what runs, not the last file.
    assert "reload: workers is 3 in the configuration, 2 is running" in reload(d, path, changed)
    # Back to the running values: nothing to warn about.
    log = reload(d, path, config(zones=zones, extra="cache: {max_ttl: 1h}\n"))
    assert "reload ok" in log and "takes a restart" not in log, log


def tcp_query(port, name, qid):
    """One query over a new TCP connection: the answer's RCODE, or None when the server closed it."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as c:
        packet = query(name, qid=qid)
        c.sendall(struct.pack("!H", len(packet)) + packet)
        try:
            head = c.recv(2)
        except ConnectionResetError:
            return None
        return None if len(head) < 2 else "answered"


def test_tcp_limits_apply_to_new_connections_after_a_reload(start_daemon, tmp_path):
    """tcp.max_connections is live: with 3 connections held open, a reload to 2 turns the next one
    away, and a reload back to 1000 lets it in again. One worker, so the limit is the whole count."""
    (tmp_path / "a.test.zone").write_text(ZONE)
    text = lambda n: config(zones="zones: [a.test.zone]\n", extra=f"tcp: {{max_connections: {n}}}\n").replace(
        "workers: 2", "workers: 1")
    d = start_daemon(text(1000))
    path = tmp_path / "vpcdnsd.yaml"
    held = [socket.create_connection(("127.0.0.1", d.port), timeout=3) for _ in range(3)]
    try:
        assert tcp_query(d.port, "host.a.test", 1) == "answered"
        log = reload(d, path, text(2))
        assert "reload ok" in log and "takes a restart" not in log, log
        assert tcp_query(d.port, "host.a.test", 2) is None
        assert not any(peer_closed(c) for c in held)  # those already open stay
        reload(d, path, text(1000))
        assert tcp_query(d.port, "host.a.test", 3) == "answered"
    finally:
        for c in held:
            c.close()


def test_a_removed_key_warns_at_start_reload_and_check(start_daemon, tmp_path):
    text = config(extra="pin_workers: true\n")
    d = start_daemon(text)
    assert "pin_workers was removed in 0.3.0 and is ignored" in d.text()
    assert re.search(r"reload: .*vpcdnsd\.yaml:\d+: pin_workers was removed", reload(d, tmp_path / "vpcdnsd.yaml", text))
    out = subprocess.run([str(BINARY), "check", "--config", str(tmp_path / "vpcdnsd.yaml")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out
    assert re.search(r"warning: .*vpcdnsd\.yaml:\d+: pin_workers was removed", out.stderr), out.stderr
