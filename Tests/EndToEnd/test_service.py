# SPDX-License-Identifier: Apache-2.0
"""Issue 5: running as a service — sd_notify, SIGHUP reload without losing a query, graceful stop,
the systemd unit, privileges."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import BINARY, ROOT, NotifySocket, config, dig, wait_for


def zone_text(serial, address):
    return f"$TTL 60\n@ SOA ns hostmaster {serial} 2 3 4 60\nhost A {address}\n"


def test_notify_ready_reloading_stopping(start_daemon, tmp_path):
    notify = NotifySocket(tmp_path)
    zone = tmp_path / "svc.zone"
    zone.write_text(zone_text(1, "10.0.0.1"))
    d = start_daemon(config(zones=f"zones:\n  - file: {zone}\n    origin: svc.test\n"),
                     env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"})
    ready = notify.wait_for("READY=1")
    assert any(line.startswith("STATUS=serving: 1 zones, 6 records") for line in notify.messages[ready].split("\n")), notify.messages
    notify.wait_for("WATCHDOG=1")
    d.signal(signal.SIGHUP)
    reloading = notify.wait_for("RELOADING=1", after=ready + 1)
    assert re.search(r"^MONOTONIC_USEC=\d+$", notify.messages[reloading], re.M), notify.messages[reloading]
    notify.wait_for("READY=1", after=reloading + 1)
    d.signal(signal.SIGTERM)
    notify.wait_for("STOPPING=1")
    assert d.process.wait(timeout=10) == 0


def test_reload_under_load_loses_nothing(start_daemon, tmp_path):
    """50 SIGHUPs alternating valid and broken zone files while a client queries without pause: every
    query is answered, answers follow each valid file, broken files keep the old data and are logged
    with file and line."""
    zone = tmp_path / "live.zone"
    zone.write_text(zone_text(1, "10.1.0.0"))
    d = start_daemon(config(zones=f"zones:\n  - file: {zone}\n    origin: live.test\n"))
    stop = threading.Event()
    results = {"sent": 0, "answered": 0, "lost": 0, "bad": 0}

    def client():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        q = 0
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            q = (q + 1) & 0xFFFF
            packet = bytes([q >> 8, q & 0xFF, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\x04host\x04live\x04test\x00\x00\x01\x00\x01"
            s.sendto(packet, ("127.0.0.1", d.port))
            results["sent"] += 1
            try:
                while True:
                    reply = s.recv(512)
                    if reply[:2] == packet[:2]:
                        break
                results["answered"] += 1
                if reply[3] & 0x0F != 0:
                    results["bad"] += 1
            except socket.timeout:
                results["lost"] += 1

    thread = threading.Thread(target=client)
    thread.start()
    generation = 0
    try:
        for i in range(50):
            valid = i % 2 == 0
            if valid:
                generation += 1
                address = f"10.1.{generation}.{generation}"
                zone.write_text(zone_text(generation + 1, address))
            else:
                zone.write_text(zone_text(99, "10.1.0.0") + "broken A 10.0.0.999\n")
            before = d.text().count("reload ok") + d.text().count("reload failed")
            d.signal(signal.SIGHUP)
            wait_for(lambda: d.text().count("reload ok") + d.text().count("reload failed") > before, timeout=10,
                     what=f"reload {i}")
            answer = dig(d.port, "host.live.test")
            assert answer.rdata("A") == [f"10.1.{generation}.{generation}"], (i, answer)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert results["lost"] == 0 and results["bad"] == 0, results
    assert results["answered"] == results["sent"] and results["sent"] > 50, results
    log = d.text()
    assert log.count("reload ok") == 25 and log.count("reload failed") == 25, log[-2000:]
    assert log.count(f'{zone}:4:10: expected an IPv4 address, found "10.0.0.999"') == 25


def test_reload_rereads_only_changed_zone_files(start_daemon, tmp_path):
    """A SIGHUP re-reads the zone files that changed and reuses the rest; an edit whose modification
    time was put back is still seen. A file changed within two seconds of a load is re-read at the
    next one whatever its stamp says, so the test waits for the files to age first."""
    kept, edited = tmp_path / "kept.zone", tmp_path / "edited.zone"
    kept.write_text(zone_text(1, "10.2.0.1"))
    edited.write_text(zone_text(1, "10.3.0.1"))
    d = start_daemon(config(zones=f"zones:\n  - file: {kept}\n    origin: kept.test\n"
                                  f"  - file: {edited}\n    origin: edited.test\n"))

    def reload(what):
        before = d.text().count("reload ok")
        d.signal(signal.SIGHUP)
        wait_for(lambda: d.text().count("reload ok") > before, timeout=10, what=what)
        return [line for line in d.text().splitlines() if "reload ok" in line][-1]

    def aged():
        return all(time.time() - os.stat(f).st_ctime >= 2.2 for f in (kept, edited))

    wait_for(aged, timeout=10, what="the zone files to be older than the two-second window")
    reload("a reload that records both files' stamps")
    edited.write_text(zone_text(2, "10.3.0.2"))
    line = reload("a reload after editing one file")
    assert line.endswith("; 1 unchanged zone file not re-read"), line
    assert dig(d.port, "host.edited.test").rdata("A") == ["10.3.0.2"]
    assert dig(d.port, "host.kept.test").rdata("A") == ["10.2.0.1"]

    # Same size, modification time put back: the change time still moves.
    old = os.stat(kept)
    kept.write_text(zone_text(1, "10.2.0.9"))
    os.utime(kept, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert os.stat(kept).st_size == old.st_size and os.stat(kept).st_mtime_ns == old.st_mtime_ns
    reload("a reload after a same-size edit with its time put back")
    assert dig(d.port, "host.kept.test").rdata("A") == ["10.2.0.9"]

    # Nothing changed: no file is read and no table rebuilt; the answers stay.
    wait_for(aged, timeout=10, what="the edited file to age past the two-second window")
    reload("a reload that reads its stamps again")
    line = reload("a reload with nothing changed")
    assert line.endswith("; 2 unchanged zone files not re-read; nothing to rebuild"), line
    assert dig(d.port, "host.kept.test").rdata("A") == ["10.2.0.9"]
    assert dig(d.port, "host.edited.test").rdata("A") == ["10.3.0.2"]


def test_graceful_stop_answers_queries_in_flight(start_daemon, tmp_path):
    from upstreams import ScriptedUpstream
    slow = ScriptedUpstream()
    try:
        slow.set("slow.example", "silent")
        d = start_daemon(config(upstreams=[slow.address, "127.0.0.1:9"]))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        s.sendto(bytes([0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\x04slow\x07example\x00\x00\x01\x00\x01", ("127.0.0.1", d.port))
        wait_for(lambda: slow.count("slow.example") == 1, what="the query to reach the upstream")
        d.signal(signal.SIGTERM)
        reply = s.recv(512)  # the in-flight query still gets its answer (SERVFAIL once the upstream stays silent)
        assert reply[:2] == b"\x00\x07" and reply[3] & 0x0F == 2
        assert d.process.wait(timeout=10) == 0
        assert "stopped" in d.text()
    finally:
        slow.stop()


def test_unit_file_verifies_cleanly(tmp_path):
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing (make test installs systemd)"
    unit = (ROOT / "systemd" / "vpcdnsd.service").read_text()
    assert "Type=notify" in unit and "ExecReload=/bin/kill -HUP $MAINPID" in unit
    # A call the filter leaves out kills the process: the workers' io_uring sends must be allowed.
    allowed = " ".join(re.findall(r"^SystemCallFilter=([^~].*)$", unit, re.M)).split()
    assert {"io_uring_setup", "io_uring_enter"} <= set(allowed), allowed
    # udp_yield's sched_yield comes with @system-service, and the groups denied must not take it away.
    def group(name):
        out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        words = [w for line in out.stdout.splitlines()[1:] if not line.strip().startswith("#") for w in line.split()]
        return set().union(*(group(w) if w.startswith("@") else {w} for w in words))
    denied = set().union(*(group(g) for g in re.search(r"^SystemCallFilter=~(.*)$", unit, re.M).group(1).split()))
    assert "sched_yield" in group("@system-service") and "sched_yield" not in denied
    # Verified with ExecStart pointing at the built binary (the installed path does not exist here).
    path = tmp_path / "vpcdnsd.service"
    path.write_text(unit.replace("/usr/local/sbin/vpcdnsd", str(BINARY)))
    result = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and "vpcdnsd.service" not in output, output


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_drops_privileges_after_binding_port_53(start_daemon):
    d = start_daemon(config(listen="127.53.0.2:53", extra="user: nobody\n"))
    assert dig(53, "anything.example", server="127.53.0.2").status == "REFUSED"
    status = open(f"/proc/{d.process.pid}/status").read()
    nobody = int(subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True).stdout)
    nogroup = int(subprocess.run(["id", "-g", "nobody"], capture_output=True, text=True).stdout)
    uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
    gids = re.search(r"^Gid:\s+(.*)$", status, re.M).group(1).split()
    groups = re.search(r"^Groups:[ \t]*(.*)$", status, re.M).group(1).split()
    assert uids == [str(nobody)] * 4 and gids == [str(nogroup)] * 4 and groups == [], status
    assert "dropped privileges to nobody" in d.text()


def test_threads_are_named_for_ps_and_top(start_daemon):
    """Each worker shows as vpcdnsd-wN in top -H and ps -L, one per configured worker."""
    d = start_daemon(config())
    tasks = f"/proc/{d.process.pid}/task"
    names = sorted(open(f"{tasks}/{tid}/comm").read().strip() for tid in os.listdir(tasks))
    assert [n for n in names if n.startswith("vpcdnsd-w")] == ["vpcdnsd-w0", "vpcdnsd-w1"], names


def test_query_log_lines_are_route53_json(start_daemon, tmp_path):
    import json
    from upstreams import ScriptedUpstream
    upstream = ScriptedUpstream()
    try:
        log = tmp_path / "queries.log"
        zone = tmp_path / "q.zone"
        zone.write_text("$TTL 60\nhost A 10.2.0.1\n")
        d = start_daemon(config(zones=f"zones:\n  - file: {zone}\n    origin: q.test\n",
                                endpoints=SEED_ENDPOINT_LOG, upstreams=[upstream.address],
                                extra=f"query_log: {log}\n"))
        dig(d.port, "host.q.test")
        dig(d.port, "missing.q.test", "A", "+tcp")
        dig(d.port, "execute-api.us-east-1.amazonaws.com")
        dig(d.port, "forwarded.example")
        dig(d.port, "forwarded.example")
        wait_for(lambda: log.exists() and len(log.read_text().splitlines()) >= 5, what="five query log lines")
        records = [json.loads(line) for line in log.read_text().splitlines()]
        fields = {"version", "query_timestamp", "query_name", "query_type", "query_class", "rcode", "answers",
                  "srcaddr", "srcport", "transport", "resolved_by"}
        assert all(fields <= set(r) for r in records), records
        assert [r["resolved_by"] for r in records] == ["zone", "zone", "endpoint", "upstream", "cache"]
        first = records[0]
        assert first["query_name"] == "host.q.test." and first["query_type"] == "A" and first["rcode"] == "NOERROR"
        assert first["answers"] == [{"Rdata": "10.2.0.1", "Type": "A", "Class": "IN"}]
        assert first["srcaddr"] == "127.0.0.1" and first["transport"] == "UDP"
        assert records[1]["rcode"] == "NXDOMAIN" and records[1]["transport"] == "TCP"
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", first["query_timestamp"])
        # Rotation: move the file away, SIGUSR1, and new lines go to a new file.
        log.rename(tmp_path / "queries.log.1")
        d.signal(signal.SIGUSR1)
        d.wait_log("reopening the query log")
        wait_for(lambda: (dig(d.port, "host.q.test") and log.exists() and log.read_text().strip() != ""), timeout=10,
                 what="a line in the reopened log")
    finally:
        upstream.stop()


SEED_ENDPOINT_LOG = """
endpoints:
  - id: vpce-0123456789abcdef0
    dns_suffix: abcd1234
    service: com.amazonaws.us-east-1.execute-api
    enis:
      - {az: us-east-1a, ipv4: 10.0.1.15}
"""


def parse_prometheus(text):
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            assert line.startswith("# HELP ") or line.startswith("# TYPE ") or not line, line
            continue
        match = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf)$', line)
        assert match, f"not Prometheus text: {line!r}"
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def test_metrics_and_health(start_daemon):
    import urllib.request
    from upstreams import free_port
    port = free_port()
    d = start_daemon(config(endpoints=SEED_ENDPOINT_LOG, extra=f"metrics: 127.0.0.1:{port}\n"))

    def get(path):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()

    assert get("/health") == (200, "ok\n")
    assert get("/ready") == (200, "ready\n")
    before = parse_prometheus(get("/metrics")[1])
    for _ in range(3):
        dig(d.port, "execute-api.us-east-1.amazonaws.com")
    dig(d.port, "nope.example")  # forwarding is off: REFUSED
    dig(d.port, "execute-api.us-east-1.amazonaws.com", "A", "+tcp")
    after = parse_prometheus(get("/metrics")[1])
    assert after['vpcdnsd_queries_total{transport="Do53-UDP"}'] - before['vpcdnsd_queries_total{transport="Do53-UDP"}'] == 4
    assert after['vpcdnsd_queries_total{transport="Do53-TCP"}'] - before['vpcdnsd_queries_total{transport="Do53-TCP"}'] == 1
    assert after['vpcdnsd_resolutions_total{resolved_by="endpoint"}'] == 4
    assert after['vpcdnsd_resolutions_total{resolved_by="refused"}'] == 1
    assert after['vpcdnsd_responses_total{rcode="REFUSED"}'] == 1
    assert after['vpcdnsd_queries_by_type_total{qtype="A"}'] == 5
    assert after["vpcdnsd_zones"] == 3 and after["vpcdnsd_endpoints"] == 1
    assert 'vpcdnsd_reloads_total{result="ok"}' in after and "vpcdnsd_upstream_latency_seconds_count" in after
    # A datagram longer than the receive buffer is dropped unanswered and counted; each of the four
    # UDP queries above was a receive of one datagram from loopback, so the worker yielded after each
    # reply (udp_yield: auto). Worker counters are published once a second.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(bytes(5000), ("127.0.0.1", d.port))
    udp = {}

    def udp_counted():
        udp.update(parse_prometheus(get("/metrics")[1]))
        return udp['vpcdnsd_udp_dropped_total{reason="oversize"}'] == 1 and udp["vpcdnsd_udp_lone_reply_yields_total"] == 4

    wait_for(udp_counted, what="oversize drops 1 and lone-reply yields 4")
    assert udp['vpcdnsd_udp_dropped_total{reason="send_buffer_full"}'] == 0
    d.signal(signal.SIGHUP)
    wait_for(lambda: parse_prometheus(get("/metrics")[1])['vpcdnsd_reloads_total{result="ok"}'] == 1, what="the reload counter")
    try:
        get("/nope")
        raise AssertionError("404 expected")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_a_metrics_port_in_use_fails_the_start_before_ready(start_daemon, tmp_path):
    """The metrics socket is bound with the DNS listeners: a port another program holds stops the
    start with the reason, before READY=1 (after it, systemd would count a crash of a started
    service)."""
    notify = NotifySocket(tmp_path)
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        d = start_daemon(config(extra=f"metrics: 127.0.0.1:{port}\n"), wait=False, env={"NOTIFY_SOCKET": notify.path})
        assert d.process.wait(timeout=20) == 1, d.text()
        assert f"cannot start: bind 127.0.0.1:{port} failed: Address already in use" in d.text(), d.text()
        assert not any("READY=1" in m.split("\n") for m in notify.poll()), notify.messages
    finally:
        holder.close()


def test_udp_steering_by_cpu(start_daemon):
    """With udp_steering: cpu and two workers, a query sent over loopback from the k-th CPU this test
    may use is answered by worker k mod 2, whatever its source port; /metrics counts per worker."""
    import socket
    import urllib.request
    import wire
    from upstreams import free_port
    port = free_port()
    d = start_daemon(config(endpoints=SEED_ENDPOINT_LOG, extra=f"metrics: 127.0.0.1:{port}\nudp_steering: cpu\n"))
    assert re.search(r"listening .*udp_steering=cpu", d.text()), d.text()

    def per_worker():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            samples = parse_prometheus(response.read().decode())
        return [samples[f'vpcdnsd_worker_queries_total{{worker="{i}"}}'] for i in range(2)]

    cpus = sorted(os.sched_getaffinity(0))
    try:
        for rank, cpu in enumerate(cpus[:2]):
            os.sched_setaffinity(0, {cpu})
            before = per_worker()
            for i in range(6):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a new source port each time
                    s.settimeout(5)
                    s.sendto(wire.query("execute-api.us-east-1.amazonaws.com", qid=i), ("127.0.0.1", d.port))
                    assert s.recvfrom(4096)[0][:2] == i.to_bytes(2, "big")
            wait_for(lambda: sum(per_worker()) - sum(before) == 6, what="the six queries counted")
            after = per_worker()
            expected = [6 if worker == rank % 2 else 0 for worker in range(2)]
            assert [a - b for a, b in zip(after, before)] == expected, f"sent from CPU {cpu}"
    finally:
        os.sched_setaffinity(0, cpus)


def test_udp_steering_modes(start_daemon):
    """auto steers a loopback address by CPU when there are no more workers (2) than CPUs; hash never."""
    auto = start_daemon(config(endpoints=SEED_ENDPOINT_LOG))
    mode = "cpu" if len(os.sched_getaffinity(0)) >= 2 else "hash"
    assert re.search(rf"listening .*udp_steering={mode}", auto.text()), auto.text()
    hashed = start_daemon(config(endpoints=SEED_ENDPOINT_LOG, extra="udp_steering: hash\n"))
    assert re.search(r"listening .*udp_steering=hash", hashed.text()), hashed.text()
    for d in (auto, hashed):
        assert dig(d.port, "execute-api.us-east-1.amazonaws.com").rdata("A") == ["10.0.1.15"]


def test_udp_send_modes(start_daemon):
    """auto sends UDP replies through io_uring where the kernel allows it (CI's does); sendmmsg
    never does. Both answer, over more than one batch of queries at once. The udp_yield policy
    (yield after a lone reply) is the configured one."""
    auto = start_daemon(config(endpoints=SEED_ENDPOINT_LOG))
    assert re.search(r"listening .*udp_send=io_uring.*udp_yield=auto", auto.text()), auto.text()
    plain = start_daemon(config(endpoints=SEED_ENDPOINT_LOG, extra="udp_send: sendmmsg\nudp_yield: never\n"))
    assert re.search(r"listening .*udp_send=sendmmsg.*udp_yield=never", plain.text()), plain.text()
    for d in (auto, plain):
        assert dig(d.port, "execute-api.us-east-1.amazonaws.com").rdata("A") == ["10.0.1.15"]
        assert answers_a_burst(d.port, 100) == 100


def answers_a_burst(port, count):
    """Sends `count` queries at once from one socket and counts the distinct IDs answered."""
    import wire
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        for i in range(count):
            s.sendto(wire.query("execute-api.us-east-1.amazonaws.com", qid=i), ("127.0.0.1", port))
        ids = set()
        while len(ids) < count:
            ids.add(int.from_bytes(s.recv(512)[:2], "big"))
        return len(ids)


def refuse_io_uring():
    """Runs in the child before exec: a seccomp filter that fails io_uring_setup (425 on every
    architecture) with EPERM, as a container runtime's filter or kernel.io_uring_disabled do."""
    import ctypes
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    load_nr, jump_if_equal, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    program = [(load_nr, 0, 0, 0), (jump_if_equal, 0, 1, 425), (ret, 0, 0, 0x00050000 | 1), (ret, 0, 0, 0x7FFF0000)]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in program))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fprog = Program(len(program), ctypes.addressof(code))
    # PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with SECCOMP_MODE_FILTER.
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl")


def test_io_uring_refused(start_daemon):
    """Where io_uring is refused, auto says why and sends with sendmmsg; udp_send: io_uring does
    not start, and says why."""
    auto = start_daemon(config(endpoints=SEED_ENDPOINT_LOG), preexec=refuse_io_uring)
    assert re.search(r"udp_send: io_uring_setup failed: Operation not permitted; UDP replies go out with sendmmsg",
                     auto.text()), auto.text()
    assert re.search(r"listening .*udp_send=sendmmsg", auto.text()), auto.text()
    assert answers_a_burst(auto.port, 100) == 100
    strict = start_daemon(config(endpoints=SEED_ENDPOINT_LOG, extra="udp_send: io_uring\n"), wait=False,
                          preexec=refuse_io_uring)
    assert strict.process.wait(timeout=20) == 1, strict.text()
    assert "cannot start: udp_send is io_uring, but io_uring_setup failed: Operation not permitted" in strict.text()


def test_a_starved_reload_still_finishes(start_daemon, tmp_path):
    """The reload thread runs at idle priority. With the daemon and a busy loop on one CPU it gets
    almost nothing; after half a second the daemon sees it and puts it back to normal priority, and
    the reload finishes (at idle priority alone, this zone would take about a minute)."""
    zone = tmp_path / "big.zone"
    zone.write_text(zone_text(1, "10.8.0.1") + "".join(f"h{i} A 10.9.{i >> 8 & 255}.{i & 255}\n" for i in range(20000)))
    d = start_daemon(config(zones=f"zones:\n  - file: {zone}\n    origin: big.test\n"))
    cpu = str(min(os.sched_getaffinity(0)))
    subprocess.run(["taskset", "-a", "-p", "-c", cpu, str(d.process.pid)], check=True, capture_output=True)
    # taskset execs python3, so the PID is the busy loop's own; it also stops itself after 60 s.
    spin = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end: pass\n"
    hog = subprocess.Popen(["taskset", "-c", cpu, "python3", "-c", spin])
    try:
        zone.write_text(zone.read_text().replace("host A 10.8.0.1\n", "host A 10.8.0.2\n"))
        d.signal(signal.SIGHUP)
        d.wait_log(r"vpcdnsd-reload: runnable but \d+ ms on a CPU in 0.5 s at idle priority \(the machine is busy\); "
                   r"it runs at normal priority now", timeout=20)
        d.wait_log(r"reload ok: .*20[0-9]{3} records", timeout=20)
    finally:
        hog.kill()
        hog.wait()
    assert dig(d.port, "host.big.test").rdata("A") == ["10.8.0.2"]


# Runs inside a network namespace of its own (its own port range, which the host keeps): only
# 40000-40002 are ephemeral there, 40000 is taken for TCP and 40002 for UDP, so a kernel-chosen UDP
# port is 40000 (taken for TCP) or 40001 (free for both), each about half the time.
PORT_ZERO_SCRIPT = r"""
import re, socket, subprocess, sys, time
open("/proc/sys/net/ipv4/ip_local_port_range", "w").write("40000 40002")
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 40000))
tcp.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 40002))
binary, conf, log = sys.argv[1:4]
for start in range(8):
    with open(log, "w") as out:
        daemon = subprocess.Popen([binary, "--config", conf], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while "ready:" not in open(log).read() and daemon.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    text = open(log).read()
    daemon.terminate()
    daemon.wait(timeout=20)
    print(start, re.search(r"listening (.*)", text).group(1) if "ready:" in text else "NOT READY: " + text, flush=True)
"""


def test_port_zero_finds_a_port_free_for_udp_and_tcp(tmp_path):
    """`listen: 127.0.0.1:0` asks the kernel for a port. The kernel picks one free for the first UDP
    socket only; when it is taken for TCP, the daemon picks again rather than failing to start (a
    port asked for by number still fails at once)."""
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.fail("needs root and unshare (util-linux) for a network namespace with its own port range")
    conf = tmp_path / "vpcdnsd.yaml"
    conf.write_text(config())
    script = tmp_path / "port_zero.py"
    script.write_text(PORT_ZERO_SCRIPT)
    result = subprocess.run(["unshare", "--net", sys.executable, str(script), str(BINARY), str(conf), str(tmp_path / "d.log")],
                            capture_output=True, text=True, timeout=300)
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 8, result.stdout + result.stderr
    assert all(line.startswith(f"{i} tcp=127.0.0.1:40001 udp=127.0.0.1:40001") for i, line in enumerate(lines)), result.stdout
