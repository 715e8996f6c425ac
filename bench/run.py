#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The benchmark: vpcdnsd, Unbound and dnsmasq serve the same private zone, the same execute-api
wildcard and forward to the same local NSD; dnsperf drives each in turn, alternating servers, for
each workload. Reports median QPS, the ratio to Unbound, server CPU µs per query, p50/p99 latency at
a fixed rate, and RSS; then a reload-under-load run. Writes bench/RESULTS.md.

Loopback only (127.0.10.0/24); bounded in time; every process is stopped by PID.
Usage: bench/run.py [--reps N] [--seconds S] [--quick] [--baseline REV]"""
import argparse
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VPCDNSD = Path(os.environ.get("VPCDNSD", ROOT / ".build" / "release" / "vpcdnsd"))
PORT = 5300
NSD_IP, VPC_IP, UNBOUND_IP, DNSMASQ_IP = "127.0.10.1", "127.0.10.2", "127.0.10.3", "127.0.10.4"
# vpcdnsd with a fresh upstream socket per query (forward.queries_per_socket: 1), for the miss runs.
VPC_OWN_SOCKET_IP, OWN_SOCKET = "127.0.10.5", "vpcdnsd, socket per query"
# vpcdnsd sending replies with sendmmsg (udp_send: sendmmsg) rather than io_uring, for the
# private-hit runs: what the io_uring sends buy.
VPC_SENDMMSG_IP, SENDMMSG = "127.0.10.7", "vpcdnsd, sendmmsg"
# vpcdnsd without the yield after a lone reply (udp_yield: never), in the latency samples of the
# hit workloads: what the yield buys at 5,000 QPS (docs/performance.md: udp_yield).
VPC_NO_YIELD_IP, NO_YIELD = "127.0.10.8", "vpcdnsd, udp_yield: never"
# vpcdnsd with the kernel's hash spreading datagrams over the workers (udp_steering: hash) rather
# than the receiving CPU (the default on loopback), for the hit runs: what udp_steering's default buys.
VPC_HASH_IP, HASH_STEERING = "127.0.10.10", "vpcdnsd, udp_steering: hash"
# The floor: bench/echo.c sends each query back as its response, doing no DNS work (hit runs only).
ECHO_IP, ECHO = "127.0.10.6", "echo (no DNS work)"
PRIVATE_NAMES = 1000
FORWARDED_NAMES = 10_000
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sh(*argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def wait_until(check, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def assert_free(ip):
    """Nothing may hold a bench address already: a server left from an earlier run would join the
    port (SO_REUSEPORT) and silently take part of the load."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind((ip, PORT))
    except OSError as e:
        sys.exit(f"{ip}:{PORT} is in use ({e.strerror}): stop what holds it (a server from an earlier run?)")
    finally:
        probe.close()


def answers(ip, name):
    r = subprocess.run(["dig", f"@{ip}", "-p", str(PORT), name, "+short", "+tries=1", "+time=1"],
                       capture_output=True, text=True)
    return r.stdout.strip()


class Server:
    def __init__(self, name, argv, ip, log):
        self.name, self.ip = name, ip
        self.log = open(log, "w")
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def pid(self):
        return self.process.pid

    def cpu_split(self):
        """(user, kernel) clock ticks the process has used."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]), int(fields[12])  # utime, stime

    def rss_mib(self):
        m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.pid}/status").read_text())
        return int(m.group(1)) / 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def write_data(work):
    zone = ["$TTL 300", "@ SOA ns hostmaster 1 7200 900 1209600 300", "@ NS ns", "ns A 10.9.0.1"]
    hosts = []
    for i in range(PRIVATE_NAMES):
        ip = f"10.10.{i // 250}.{i % 250 + 1}"
        zone.append(f"host{i} A {ip}")
        hosts.append(f"{ip} host{i}.bench.corp")
    (work / "bench.corp.zone").write_text("\n".join(zone) + "\n")
    (work / "hosts").write_text("\n".join(hosts) + "\n")
    fwd = ["$TTL 3600", "@ SOA ns hostmaster 1 7200 900 1209600 300", "@ NS ns", "ns A 127.0.10.1", "* A 198.51.100.7"]
    (work / "fwd.test.zone").write_text("\n".join(fwd) + "\n")
    # Query files.
    private = []
    for i in range(20_000):
        private.append(f"host{(i * 7) % PRIVATE_NAMES}.bench.corp A" if i % 2 == 0
                       else f"api{i:05d}x.execute-api.us-east-1.amazonaws.com A")
    (work / "q-private.txt").write_text("\n".join(private) + "\n")
    (work / "q-nxdomain.txt").write_text("\n".join(f"missing{i}.bench.corp A" for i in range(20_000)) + "\n")
    (work / "q-cached.txt").write_text("\n".join(f"name{i}.fwd.test A" for i in range(FORWARDED_NAMES)) + "\n")


def miss_file(work, tag, count=400_000):
    tag = re.sub(r"[^A-Za-z0-9-]", "", tag)
    path = work / f"q-miss-{tag}.txt"
    path.write_text("\n".join(f"m{tag}-{i}.fwd.test A" for i in range(count)) + "\n")
    return path


def start_nsd(work):
    conf = work / "nsd.conf"
    conf.write_text(f"""server:
    ip-address: {NSD_IP}
    port: {PORT}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{work}"
    pidfile: "{work}/nsd.pid"
    database: ""
    zonelistfile: "{work}/zone.list"
    xfrdfile: "{work}/xfrd.state"
    server-count: 2
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    hide-version: yes
remote-control:
    control-enable: no
zone:
    name: "fwd.test"
    zonefile: "fwd.test.zone"
""")
    return Server("nsd", ["nsd", "-d", "-c", str(conf)], NSD_IP, work / "nsd.log")


def start_vpcdnsd(work, extra_zone=None, name="vpcdnsd", ip=VPC_IP, forward_extra="", extra="", listen_extra=(),
                  binary=None):
    zones = f"  - file: {work}/bench.corp.zone\n    origin: bench.corp\n"
    if extra_zone:
        zones += f"  - file: {extra_zone}\n    origin: big.corp\n"
    listen = ", ".join(f'"{a}"' for a in (f"{ip}:{PORT}", *listen_extra))
    (work / f"{name}.yaml").write_text(f"""listen: [{listen}]
workers: 2
allow_query: [127.0.0.0/8]
zones:
{zones}endpoints:
  - id: vpce-0123456789abcdef0
    dns_suffix: abcd1234
    service: com.amazonaws.us-east-1.execute-api
    enis:
      - {{az: us-east-1a, ipv4: 10.0.1.15}}
forward:
  upstreams: ["{NSD_IP}:{PORT}"]
{forward_extra}cache:
  max_entries: 100000
{extra}""")
    return Server(name, [str(binary or VPCDNSD), "--config", str(work / f"{name}.yaml")], ip, work / f"{name}.log")


def start_unbound(work, extra=""):
    local = "\n".join(f'    local-data: "host{i}.bench.corp. 300 IN A 10.10.{i // 250}.{i % 250 + 1}"'
                      for i in range(PRIVATE_NAMES))
    conf = work / "unbound.conf"
    conf.write_text(f"""server:
    interface: {UNBOUND_IP}@{PORT}
{extra}    port: {PORT}
    num-threads: 2
    so-reuseport: yes
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "{work}"
    pidfile: "{work}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    do-ip6: no
    do-not-query-localhost: no
    module-config: "iterator"
    qname-minimisation: no
    msg-cache-size: 64m
    rrset-cache-size: 128m
    num-queries-per-thread: 4096
    outgoing-range: 8192
    so-rcvbuf: 4m
    so-sndbuf: 4m
    local-zone: "test." nodefault
    local-zone: "bench.corp." static
    local-data: "bench.corp. 300 IN SOA ns.bench.corp. hostmaster.bench.corp. 1 7200 900 1209600 300"
{local}
    local-zone: "execute-api.us-east-1.amazonaws.com." redirect
    local-data: "execute-api.us-east-1.amazonaws.com. 60 IN A 10.0.1.15"
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: {NSD_IP}@{PORT}
""")
    return Server("unbound", ["unbound", "-d", "-c", str(conf)], UNBOUND_IP, work / "unbound.log")


def start_echo(work):
    binary = work / "echo"
    sh("cc", "-O2", "-pthread", "-o", str(binary), str(ROOT / "bench" / "echo.c"))
    return Server(ECHO, [str(binary), ECHO_IP, str(PORT)], ECHO_IP, work / "echo.log")


def responds(ip):
    r = subprocess.run(["dig", f"@{ip}", "-p", str(PORT), "x.", "+tries=1", "+time=1"], capture_output=True, text=True)
    return "->>HEADER<<-" in r.stdout


def start_dnsmasq(work):
    argv = ["dnsmasq", "--keep-in-foreground", "--no-daemon", f"--listen-address={DNSMASQ_IP}", "--bind-interfaces",
            f"--port={PORT}", "--no-resolv", "--no-hosts", f"--addn-hosts={work}/hosts", "--local=/bench.corp/",
            f"--server={NSD_IP}#{PORT}", "--address=/execute-api.us-east-1.amazonaws.com/10.0.1.15",
            "--cache-size=10000", "--dns-forward-max=5000", "--user=root", "--pid-file=", "--log-facility=-"]
    return Server("dnsmasq", argv, DNSMASQ_IP, work / "dnsmasq.log")


def latencies_of(out, in_order=False):
    """Per-query latencies (seconds) from dnsperf -v lines: `> RCODE name type latency`, sorted, or
    in the order the responses came."""
    values = []
    for line in out.splitlines():
        if line.startswith("> "):
            try:
                values.append(float(line.split()[-1]))
            except ValueError:
                pass
    return values if in_order else sorted(values)


# A host stall (the hypervisor holding a virtual CPU for a millisecond or more) delays every query
# in flight, whoever serves it, in a burst: at 5,000 QPS, the 250 responses of a 50 ms window. A
# window with a response over 0.5 ms (several times a hit's usual 40-100 µs) is counted as stalled.
STALL_WINDOW = 250
STALL_SECONDS = 0.0005


def outside_stalls(in_order):
    """(p99 in ms of the responses outside stalled windows, stalled windows, windows)."""
    kept, stalled, windows = [], 0, 0
    for i in range(0, len(in_order), STALL_WINDOW):
        window = in_order[i:i + STALL_WINDOW]
        windows += 1
        if max(window) > STALL_SECONDS:
            stalled += 1
        else:
            kept += window
    return percentile(sorted(kept), 0.99), stalled, windows


def percentile(latencies, fraction):
    """The `fraction` quantile of sorted latencies in seconds, in milliseconds."""
    return latencies[min(len(latencies) - 1, int(len(latencies) * fraction))] * 1000 if latencies else 0.0


def paced_run(server, queryfile, seconds, every_second=None, count=20):
    """dnsperf at 5,000 QPS for `seconds`; from 2 s in, calls `every_second(i)` once a second, `count`
    times (or just waits as long). dnsperf's per-query lines go to a pipe that a thread drains: a
    full pipe would stall dnsperf, and a file on disk adds writeback stalls to its latencies."""
    argv = ["dnsperf", "-s", server.ip, "-p", str(PORT), "-d", str(queryfile), "-l", str(seconds),
            "-Q", "5000", "-c", "4", "-T", "1", "-t", "2", "-v"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))
    reader.start()
    try:
        time.sleep(2)
        for i in range(count):
            if every_second:
                every_second(i)
            time.sleep(1)
        proc.wait(timeout=seconds + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join()
    out = chunks[0].decode() if chunks else ""
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    return {"latencies": latencies_of(out), "lost": int(lost.group(1)) if lost else -1}


def dnsperf(server, queryfile, seconds, qps=None, verbose=False, source=None):
    argv = ["dnsperf", "-s", server.ip, "-p", str(PORT), "-d", str(queryfile), "-l", str(seconds), "-t", "2"]
    if source:  # the client's address: which view answers (bench/views.py)
        argv += ["-a", source]
    argv += ["-Q", str(qps), "-c", "4", "-T", "1"] if qps else ["-c", "8", "-T", "2", "-q", "100"]
    if verbose:
        argv.append("-v")
    user, kernel = server.cpu_split()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    user, kernel = (a - b for a, b in zip(server.cpu_split(), (user, kernel)))
    ticks = user + kernel
    def number(pattern):
        m = re.search(pattern, out)
        return float(m.group(1)) if m else 0.0
    completed = number(r"Queries completed:\s+(\d+)")
    result = {
        "qps": number(r"Queries per second:\s+([\d.]+)"),
        "completed": completed,
        "lost": number(r"Queries lost:\s+(\d+)"),
        "cpu_us": (ticks * 1e6 / CLK_TCK) / completed if completed else 0.0,
        "user_us": (user * 1e6 / CLK_TCK) / completed if completed else 0.0,
        "max_latency": number(r"Average Latency \(s\):\s+[\d.]+ \(min [\d.]+, max ([\d.]+)\)"),
    }
    if verbose:
        in_order = latencies_of(out, in_order=True)
        if in_order:
            latencies = sorted(in_order)
            result["p50"] = percentile(latencies, 0.5)
            result["p99"] = percentile(latencies, 0.99)
            result["quiet_p99"], result["stalled"], result["windows"] = outside_stalls(in_order)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--latency-reps", type=int, default=15, help="samples per server and workload at 5,000 QPS")
    parser.add_argument("--latency-seconds", type=int, default=3, help="length of one latency sample")
    parser.add_argument("--quick", action="store_true", help="1 rep of 3 s, for a smoke test")
    parser.add_argument("--baseline", metavar="REV", help="instead: an A/B of this tree against vpcdnsd built at REV (bench/ab.py)")
    parser.add_argument("--workload", action="append", metavar="NAME",
                        help="with --baseline: only this workload (repeatable), e.g. 'forwarded, cache miss'")
    args = parser.parse_args()
    if args.baseline:
        import ab
        return ab.run_ab(args)
    if args.quick:
        args.reps, args.seconds, args.latency_reps, args.latency_seconds = 1, 3, 1, 3
    for tool in ("dnsperf", "unbound", "dnsmasq", "nsd", "dig", "cc"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run bench/run.sh, which installs it")
    for ip in (NSD_IP, VPC_IP, UNBOUND_IP, DNSMASQ_IP, VPC_OWN_SOCKET_IP, ECHO_IP, VPC_SENDMMSG_IP, VPC_NO_YIELD_IP, VPC_HASH_IP):
        assert_free(ip)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-bench-"))
    write_data(work)
    servers = []
    try:
        nsd = start_nsd(work)
        servers.append(nsd)
        wait_until(lambda: answers(NSD_IP, "x.fwd.test") == "198.51.100.7", what="nsd")
        targets = [start_vpcdnsd(work), start_unbound(work), start_dnsmasq(work)]
        own_socket = start_vpcdnsd(work, name=OWN_SOCKET.replace(", ", "-").replace(" ", "-"), ip=VPC_OWN_SOCKET_IP,
                                   forward_extra="  queries_per_socket: 1\n")
        own_socket.name = OWN_SOCKET
        plain = start_vpcdnsd(work, name="vpcdnsd-sendmmsg", ip=VPC_SENDMMSG_IP, extra="udp_send: sendmmsg\n")
        plain.name = SENDMMSG
        no_yield = start_vpcdnsd(work, name="vpcdnsd-no-yield", ip=VPC_NO_YIELD_IP, extra="udp_yield: never\n")
        no_yield.name = NO_YIELD
        hashed = start_vpcdnsd(work, name="vpcdnsd-hash", ip=VPC_HASH_IP, extra="udp_steering: hash\n")
        hashed.name = HASH_STEERING
        echo = start_echo(work)
        servers += targets + [own_socket, plain, no_yield, hashed, echo]
        wait_until(lambda: responds(ECHO_IP), what="echo")
        for s in targets + [own_socket, plain, no_yield, hashed]:
            wait_until(lambda: answers(s.ip, "host1.bench.corp") == "10.10.0.2", what=s.name)
            assert answers(s.ip, "abc.execute-api.us-east-1.amazonaws.com") == "10.0.1.15", s.name
            assert answers(s.ip, "q.fwd.test") == "198.51.100.7", s.name
        # Warm the forward caches with the cached-workload names.
        for s in targets:
            dnsperf(s, work / "q-cached.txt", 5, qps=None)
        workloads = [
            ("private-zone hits", work / "q-private.txt"),
            ("forwarded, cache hit", work / "q-cached.txt"),
            ("NXDOMAIN in a private zone", work / "q-nxdomain.txt"),
            ("forwarded, cache miss", None),
        ]
        # The miss runs also measure vpcdnsd with a socket per upstream query (docs/performance.md: upstream sockets);
        # the hit runs, the echo responder (the kernel's share alone: the floor for batched UDP I/O
        # with sendmmsg); the private-hit runs, vpcdnsd sending with sendmmsg and vpcdnsd with
        # udp_steering: hash (docs/performance.md: what each default buys).
        def servers_for(workload):
            if workload == "forwarded, cache miss":
                return targets + [own_socket]
            return targets + [echo] + ([plain, hashed] if workload == "private-zone hits" else [])
        results = {w: {s.name: [] for s in servers_for(w)} for w, _ in workloads}
        for rep in range(args.reps):
            for name, path in workloads:
                for s in (servers_for(name) if rep % 2 == 0 else list(reversed(servers_for(name)))):
                    qfile = path or miss_file(work, f"{s.name}{rep}")
                    if name == "forwarded, cache hit" and s is not echo:
                        # The miss runs fill (and, at 100,000 entries, overflow) vpcdnsd's cache: put the
                        # cached names back first, for every server alike.
                        dnsperf(s, qfile, 2)
                    r = dnsperf(s, qfile, args.seconds)
                    r["rss"] = s.rss_mib()
                    results[name][s.name].append(r)
                    print(f"rep {rep} {name:28s} {s.name:8s} {r['qps']:10.0f} qps {r['cpu_us']:6.2f} us/q", flush=True)
        # One sample's p99 swings 2–10× on a shared 2-core machine: the host stalls a virtual CPU for
        # tens of milliseconds now and then, and one stall holds up more than 1% of a sample's
        # queries. Take the median of many short samples per server, the servers taking turns, so a
        # stall spoils one sample, not the result.
        # The echo responder's p99 is the floor: the kernel's and the host's share of the tail alone.
        def latency_servers(workload):
            return targets if workload == "forwarded, cache miss" else targets + [echo, no_yield]
        # The order is shuffled (seeded, so a run can be repeated) rather than alternated: alternating
        # put vpcdnsd first and last, always next to the change of workload, and Unbound in between.
        samples = {w: {s.name: [] for s in latency_servers(w)} for w, _ in workloads}
        shuffler = random.Random(20261126)
        for rep in range(args.latency_reps):
            for name, path in workloads:
                order = list(latency_servers(name))
                shuffler.shuffle(order)
                for s in order:
                    qfile = path or miss_file(work, f"{s.name}-lat{rep}", 60_000)
                    if name == "forwarded, cache hit" and s is not echo:
                        dnsperf(s, qfile, 2)
                    r = dnsperf(s, qfile, args.latency_seconds, qps=5000, verbose=True)
                    samples[name][s.name].append(r)
                    print(f"lat {rep} {name:28s} {s.name:8s} p50 {r.get('p50', 0):.3f} p99 {r.get('p99', 0):.3f} ms", flush=True)
        latency = {w: {n: {k: statistics.median(r.get(k, 0.0) for r in runs) for k in ("p50", "p99")}
                       for n, runs in per.items()} for w, per in samples.items()}
        reload = reload_under_load(work, targets[0], servers, args)
        report(results, latency, samples, reload, targets, args)
    finally:
        for s in reversed(servers):
            s.stop()


def reload_under_load(work, vpc, servers, args):
    """dnsperf at a fixed rate against vpcdnsd while it reloads a 100,000-record zone 20 times."""
    big = work / "big.corp.zone"
    with big.open("w") as f:
        f.write("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 300\n")
        for i in range(100_000):
            f.write(f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
    vpc.stop()
    servers.remove(vpc)
    fresh = start_vpcdnsd(work, extra_zone=big)
    servers.append(fresh)
    wait_until(lambda: answers(fresh.ip, "h5.big.corp") == "10.0.0.5", what="vpcdnsd with 100k records")
    seconds = 25
    rounds = []

    def reload(_):
        # vpcdnsd re-reads only zone files that changed: touch the zone so every reload reads it.
        big.touch()
        fresh.process.send_signal(signal.SIGHUP)

    for round_ in range(min(3, max(1, args.reps))):
        # The steady run is the reload run without the signals: same length, same dnsperf, same
        # output path. (A steady sample read through a pipe against a reload sample written to a
        # file on disk made the file's writeback look like a reload's cost: 2-3x on p99 alone.)
        steady = paced_run(fresh, work / "q-private.txt", seconds, every_second=None)
        during = paced_run(fresh, work / "q-private.txt", seconds, every_second=reload, count=20)
        latencies = during["latencies"]
        rounds.append({
            "lost": during["lost"],
            "sent": len(latencies),
            "p99": percentile(latencies, 0.99),
            "max": latencies[-1] * 1000 if latencies else 0,
            "steady_p99": percentile(steady["latencies"], 0.99),
        })
        print(f"reload round {round_}: p99 {rounds[-1]['p99']:.3f} ms vs {rounds[-1]['steady_p99']:.3f} steady, "
              f"lost {rounds[-1]['lost']}", flush=True)
    log = (work / "vpcdnsd.log").read_text() if (work / "vpcdnsd.log").exists() else ""
    reload_ms = [int(x) for x in re.findall(r"reload ok: .* in (\d+) ms", log)]
    return {"rounds": rounds, "reload_ms": reload_ms, "rss": fresh.rss_mib()}


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def report(results, latency, samples, reload, targets, args):
    med = lambda xs: statistics.median(xs) if xs else 0.0
    lines = ["# Benchmark results", "",
             f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu_model()}), {platform.platform()}; "
             f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
             "Versions: " + "; ".join(v for v in [
                 sh(str(VPCDNSD), "--version").stdout.strip() and f"vpcdnsd {sh(str(VPCDNSD), '--version').stdout.strip()}",
                 sh("unbound", "-V").stdout.splitlines()[0], sh("dnsmasq", "--version").stdout.splitlines()[0],
                 sh("dnsperf", "-h").stdout.splitlines()[-1] if False else "dnsperf 2.10.0"] if v) + ".",
             f"Parameters: dnsperf -c 8 -T 2 -q 100, {args.seconds} s saturating runs, {args.reps} repetitions "
             f"alternating server order; latency at a fixed 5,000 QPS (dnsperf -Q 5000 -v, {args.latency_seconds} s, median of {args.latency_reps} "
             "samples per server, in a shuffled order); all servers with 2 "
             "threads (dnsmasq has one) on loopback; NSD upstream with RRL off.", "",
             "| workload | server | median QPS | ratio to Unbound | CPU µs/query | CPU ratio | p50 ms @5k | p99 ms @5k | RSS MiB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for workload, per in results.items():
        base = med([r["qps"] for r in per["unbound"]]) or 1
        base_cpu = med([r["cpu_us"] for r in per["unbound"]]) or 1
        for name, runs in per.items():
            q = med([r["qps"] for r in runs])
            cpu = med([r["cpu_us"] for r in runs])
            lat = latency[workload].get(name)
            p50, p99 = (f"{lat['p50']:.3f}", f"{lat['p99']:.3f}") if lat else ("", "")
            lines.append(f"| {workload} | {name} | {q:,.0f} | {q / base:.2f} | {cpu:.2f} | {cpu / base_cpu:.2f} | "
                         f"{p50} | {p99} | {max(r['rss'] for r in runs):.1f} |")
    # What the servers add to the kernel's share: CPU per query over the echo responder's.
    floors = [(w, med([r["cpu_us"] for r in per["vpcdnsd"]]) / med([r["cpu_us"] for r in per[ECHO]]),
               med([r["cpu_us"] for r in per["unbound"]]) / med([r["cpu_us"] for r in per[ECHO]]))
              for w, per in results.items() if ECHO in per]
    lines += ["", "CPU per query over the echo responder's (1.00 is the kernel's cost alone with recvmmsg and sendmmsg; vpcdnsd sends through io_uring), vpcdnsd / Unbound: " + "; ".join(
        f"{w} {v:.2f} / {u:.2f}" for w, v, u in floors) + "."]
    # Where each server's CPU goes: its own code (user time) or the kernel's socket and scheduling work
    # (system time, which includes waking dnsperf on loopback).
    lines += ["", "CPU µs per query in user space (the server's own code) + in the kernel, vpcdnsd / Unbound / echo: " + "; ".join(
        f"{w} " + " / ".join(
            f"{med([r['user_us'] for r in per[n]]):.2f} + {med([r['cpu_us'] - r['user_us'] for r in per[n]]):.2f}"
            for n in ("vpcdnsd", "unbound", ECHO)) for w, per in results.items() if ECHO in per) + "."]
    # Paired ratios: each repetition's vpcdnsd run against the Unbound run next to it.
    lines += ["", "Per-repetition QPS ratios, vpcdnsd / Unbound: " + "; ".join(
        f"{w} " + ", ".join(f"{a['qps'] / b['qps']:.2f}" for a, b in zip(per["vpcdnsd"], per["unbound"]) if b["qps"])
        for w, per in results.items()) + "."]
    # The p99 samples themselves, and how often vpcdnsd's was at or below Unbound's taken next to it.
    lines += ["", "p99 @5k per sample, ms, sorted, vpcdnsd | Unbound (the echo responder's median p99, the floor):"]
    for w, per in samples.items():
        ours, theirs = [r.get("p99", 0.0) for r in per["vpcdnsd"]], [r.get("p99", 0.0) for r in per["unbound"]]
        wins = sum(a <= b for a, b in zip(ours, theirs))
        lines.append(f"- {w}: " + ", ".join(f"{x:.3f}" for x in sorted(ours)) + " | " +
                     ", ".join(f"{x:.3f}" for x in sorted(theirs)) + f" (vpcdnsd at or below in {wins} of {len(ours)} pairs"
                     + (f"; echo {med([r.get('p99', 0.0) for r in per[ECHO]]):.3f}" if ECHO in per else "")
                     + (f"; vpcdnsd with udp_yield: never {med([r.get('p99', 0.0) for r in per[NO_YIELD]]):.3f}, p50 "
                        f"{med([r.get('p50', 0.0) for r in per[NO_YIELD]]):.3f}" if NO_YIELD in per else "") + ")")
    # The same samples with the host's stalls taken out, for every server alike: what each server's own
    # tail is, and how many windows stalled while it served (the echo responder's count is the host's).
    lines += ["", f"The same samples outside host stalls (without the {STALL_WINDOW}-response windows, 50 ms at 5,000 QPS, "
              f"that hold a response over {STALL_SECONDS * 1000:.1f} ms): median p99 ms, and the median number of stalled windows out of "
              f"{med([r.get('windows', 0) for r in samples[next(iter(samples))]['vpcdnsd']]):.0f}, "
              "vpcdnsd / Unbound / echo. Not the target's measure: a server's own slow answers also stall a window, "
              "so compare the counts too."]
    for w, per in samples.items():
        if ECHO not in per:
            continue  # a cache miss's own upstream round trip can pass 0.5 ms
        names = ["vpcdnsd", "unbound", ECHO]
        lines.append(f"- {w}: p99 " + " / ".join(f"{med([r.get('quiet_p99', 0.0) for r in per[n]]):.3f}" for n in names)
                     + "; stalled windows " + " / ".join(f"{med([r.get('stalled', 0) for r in per[n]]):g}" for n in names))
    rounds = reload["rounds"]
    ratios = [r["p99"] / r["steady_p99"] for r in rounds if r["steady_p99"]]
    lost = sum(r["lost"] for r in rounds) if all(r["lost"] >= 0 for r in rounds) else -1
    ms = sorted(reload["reload_ms"])
    lines += ["", "## Reload under load", "",
              f"vpcdnsd with a 100,000-record zone: {len(rounds)} rounds, each a 25 s steady run and then the same 25 s run "
              f"with SIGHUP 20 times (the zone file touched before each, so every reload re-reads it), "
              f"dnsperf at 5,000 QPS throughout. **{lost} queries lost** of "
              f"{sum(r['sent'] for r in rounds)} sent during reloads; p99 during reloads / steady p99, median "
              f"**{med(ratios):.2f}×** (rounds: " + ", ".join(
                  f"{r['p99']:.3f} / {r['steady_p99']:.3f} ms" for r in rounds) +
              f"); max {max(r['max'] for r in rounds):.3f} ms; reload time median {med(ms):.0f} ms "
              f"(range {ms[0] if ms else 0}–{ms[-1] if ms else 0} ms, {len(ms)} reloads); RSS {reload['rss']:.1f} MiB.", ""]
    text = "\n".join(lines)
    # The scale section comes from bench/reload_time.py and bench/cache_memory.py: keep it.
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    # So are the last A/B (bench/ab.py) and the encrypted transports' run (bench/encrypted.py).
    for kept in ("## A/B\n", "## Encrypted DNS"):
        if "\n" + kept in old:
            text += "\n" + re.search(r"\n(" + re.escape(kept) + r".*?)(?=\n## |\Z)", old, re.S).group(1)
    if "\n## Scale" in old:
        text += old[old.index("\n## Scale"):]
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
