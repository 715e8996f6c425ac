#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Does a private-zone lookup cost more in a bigger zone? For each zone size (default 1,000,
100,000 and 1,000,000 A records) it starts the release vpcdnsd on that zone and measures, per
answered query:

- instructions in the fast path (`FastPath.answer` and what it calls), counted by callgrind over a
  fixed set of queries: exact and stable on a noisy machine, and the measure of the algorithm;
- server CPU time under saturating dnsperf (`/proc/PID/stat` before and after), which adds the
  memory hierarchy: a big zone's names do not fit in the CPU's caches when queries spread over all
  of them (`spread`), while `hot` asks 1,000 of its names over and over.

Workloads: hits spread over the whole zone, hits on 1,000 names of it, NXDOMAIN. Loopback only;
each daemon is stopped by PID before the next starts.
Usage: bench/lookup_scale.py [--sizes 1000,100000,1000000] [--no-callgrind] [--seconds 5] [--reps 3]"""
import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VPCDNSD = Path(os.environ.get("VPCDNSD", ROOT / ".build" / "release" / "vpcdnsd"))
IP, PORT = "127.0.10.31", 5353
CLK_TCK = os.sysconf("SC_CLK_TCK")
ANSWER_SYMBOL = "$s9DNSEngine8FastPathC6answer_6client3tcp8rotation4intoAA0B7OutcomeOSW_AA13ClientAddressVSbSiSwtF"
QUERIES = 200_000


def write_zone(work, records):
    zone = work / f"big-{records}.zone"
    with zone.open("w") as f:
        f.write("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 60\n@ NS ns\nns A 10.255.0.1\n")
        for i in range(records - 3):
            f.write(f"host{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
    return zone


def write_queries(work, records):
    rng = random.Random(records)
    names = records - 3
    hot = [rng.randrange(names) for _ in range(1_000)]
    files = {
        "spread": [f"host{rng.randrange(names)}.big.test A" for _ in range(QUERIES)],
        "hot": [f"host{hot[i % len(hot)]}.big.test A" for i in range(QUERIES)],
        "nxdomain": [f"missing{rng.randrange(1 << 30)}.big.test A" for _ in range(QUERIES)],
    }
    paths = {}
    for name, lines in files.items():
        paths[name] = work / f"q-{records}-{name}.txt"
        paths[name].write_text("\n".join(lines) + "\n")
    return paths


class Server:
    def __init__(self, work, zone, prefix=(), binary=VPCDNSD):
        conf = work / "vpcdnsd.yaml"
        conf.write_text(f'listen: ["{IP}:{PORT}"]\nworkers: 2\nallow_query: [127.0.0.0/8]\n'
                        f"zones:\n  - file: {zone}\n    origin: big.test\n")
        self.log = work / f"vpcdnsd-{time.monotonic_ns()}.log"
        self.process = subprocess.Popen([*prefix, str(binary), "--config", str(conf)], stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 900  # a million records under valgrind take minutes
        while "ready:" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"vpcdnsd did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def cpu_ticks(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_mib(self):
        return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.process.pid}/status").read_text()).group(1)) / 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def dnsperf(queries, seconds, qps=None):
    argv = ["dnsperf", "-s", IP, "-p", str(PORT), "-d", str(queries), "-l", str(seconds), "-t", "2"]
    argv += ["-Q", str(qps), "-c", "1", "-T", "1"] if qps else ["-c", "8", "-T", "2", "-q", "100"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    completed = re.search(r"Queries completed:\s+(\d+)", out)
    qps_seen = re.search(r"Queries per second:\s+([\d.]+)", out)
    return int(completed.group(1)) if completed else 0, float(qps_seen.group(1)) if qps_seen else 0.0


def callgrind_ir(work, zone, queries):
    """Instructions in FastPath.answer per query answered, by workload, under callgrind: one daemon,
    its counters zeroed before and dumped after each workload (`callgrind_control`). 2,000 queries
    a second: valgrind runs the daemon some 50 times slower, and nothing may time out."""
    out = work / f"callgrind-{zone.stem}.out"
    # Valgrind cannot read the DWARF 5 that Swift emits: a copy without debug information keeps the
    # symbols, which is all --toggle-collect needs.
    binary = work / "vpcdnsd-nodebug"
    if not binary.exists():
        subprocess.run(["objcopy", "--strip-debug", str(VPCDNSD), str(binary)], check=True)
    server = Server(work, zone, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                 f"--toggle-collect={ANSWER_SYMBOL}"], binary=binary)
    ir = {}
    try:
        pid = str(server.process.pid)
        for name, path in queries.items():
            subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True, timeout=120)
            answered, _ = dnsperf(path, 5, qps=2_000)
            before = set(work.glob(f"{out.name}*"))
            subprocess.run(["callgrind_control", "--dump", pid], check=True, capture_output=True, timeout=120)
            dumped = sorted(set(work.glob(f"{out.name}*")) - before)
            total = sum(int(m.group(1)) for f in dumped
                        for m in [re.search(r"^summary:\s+(\d+)", f.read_text(), re.M)] if m)
            ir[name] = total / answered if answered and dumped else float("nan")
    finally:
        server.stop()
    return ir


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-callgrind", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tools = ["dnsperf"] + ([] if args.no_callgrind else ["valgrind", "callgrind_control", "objcopy"])
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        sys.exit(f"missing: {', '.join(missing)} (bench/run.sh installs dnsperf; apt-get install valgrind binutils, "
                 "or pass --no-callgrind)")
    if not VPCDNSD.exists():
        sys.exit(f"{VPCDNSD} is missing: swift build -c release --product vpcdnsd")
    work = Path(tempfile.mkdtemp(prefix="vpcdns-lookup-"))
    rows = []
    for records in sizes:
        zone = write_zone(work, records)
        queries = write_queries(work, records)
        ir = {} if args.no_callgrind else callgrind_ir(work, zone, queries)
        server = Server(work, zone)
        try:
            runs = {name: [] for name in queries}
            for name, path in queries.items():
                dnsperf(path, 1)  # warm up
            for rep in range(args.reps):
                for name, path in (queries.items() if rep % 2 == 0 else reversed(queries.items())):
                    ticks = server.cpu_ticks()
                    completed, qps = dnsperf(path, args.seconds)
                    cpu_us = (server.cpu_ticks() - ticks) * 1e6 / CLK_TCK / completed if completed else 0.0
                    runs[name].append((qps, cpu_us))
                    print(f"{records:>9,} {name:9s} {qps:10.0f} qps {cpu_us:6.2f} us/q", flush=True)
            rss = server.rss_mib()
        finally:
            server.stop()
        for name, r in runs.items():
            rows.append((records, name, statistics.median(q for q, _ in r), statistics.median(c for _, c in r),
                         ir.get(name), rss))
    base = {name: (cpu, i) for records, name, _, cpu, i, _ in rows if records == sizes[0]}
    print(f"\n| private records | queries | median QPS | CPU µs/query | × {sizes[0]:,} records | "
          "fast-path instructions/query | × | RSS MiB |\n|---:|---|---:|---:|---:|---:|---:|---:|")
    for records, name, qps, cpu, i, rss in rows:
        b_cpu, b_i = base[name]
        irs = f"{i:,.0f} | {i / b_i:.2f}" if i and b_i else "— | —"
        print(f"| {records:,} | {name} | {qps:,.0f} | {cpu:.2f} | {cpu / b_cpu:.2f} | {irs} | {rss:.1f} |")


if __name__ == "__main__":
    main()
