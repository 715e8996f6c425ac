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
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the bench's Server, dnsperf and binary)

IP = "127.0.10.31"
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


def start(work, zone, prefix=(), binary=run.VPCDNSD):
    """vpcdnsd on `zone` (under `prefix`, e.g. valgrind), once it says it is ready."""
    conf = work / "vpcdnsd.yaml"
    conf.write_text(f'listen: ["{IP}:{run.PORT}"]\nworkers: 2\nallow_query: [127.0.0.0/8]\n'
                    f"zones:\n  - file: {zone}\n    origin: big.test\n")
    log = work / f"vpcdnsd-{time.monotonic_ns()}.log"
    server = run.Server("vpcdnsd", [*prefix, str(binary), "--config", str(conf)], IP, log)
    deadline = time.monotonic() + 900  # a million records under valgrind take minutes
    while "ready:" not in log.read_text():
        if server.process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            sys.exit(f"vpcdnsd did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return server


def callgrind_ir(work, zone, queries):
    """Instructions in FastPath.answer per query answered, by workload, under callgrind: one daemon,
    its counters zeroed before and dumped after each workload (`callgrind_control`). 2,000 queries
    a second: valgrind runs the daemon some 50 times slower, and nothing may time out."""
    out = work / f"callgrind-{zone.stem}.out"
    # Valgrind cannot read the DWARF 5 that Swift emits: a copy without debug information keeps the
    # symbols, which is all --toggle-collect needs.
    binary = work / "vpcdnsd-nodebug"
    if not binary.exists():
        subprocess.run(["objcopy", "--strip-debug", str(run.VPCDNSD), str(binary)], check=True)
    server = start(work, zone, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                 f"--toggle-collect={ANSWER_SYMBOL}"], binary=binary)
    ir = {}
    try:
        pid = str(server.process.pid)
        for name, path in queries.items():
            subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True, timeout=120)
            answered = run.dnsperf(server, path, 5, qps=2_000)["completed"]
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
    if not run.VPCDNSD.exists():
        sys.exit(f"{run.VPCDNSD} is missing: swift build -c release --product vpcdnsd")
    work = Path(tempfile.mkdtemp(prefix="vpcdns-lookup-"))
    rows = []
    for records in sizes:
        zone = write_zone(work, records)
        queries = write_queries(work, records)
        ir = {} if args.no_callgrind else callgrind_ir(work, zone, queries)
        server = start(work, zone)
        try:
            runs = {name: [] for name in queries}
            for name, path in queries.items():
                run.dnsperf(server, path, 1)  # warm up
            for rep in range(args.reps):
                for name, path in (queries.items() if rep % 2 == 0 else reversed(queries.items())):
                    r = run.dnsperf(server, path, args.seconds)
                    qps, cpu_us = r["qps"], r["cpu_us"]
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
