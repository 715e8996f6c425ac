# SPDX-License-Identifier: Apache-2.0
"""Instructions per query, this tree against another commit, under callgrind: the A/B that does
not swing. Timing runs on a shared 2-core VM move ±10–25% from one run to the next; an instruction
count moves by a few tenths of a percent. It does not see the kernel (most of a query's cost on
loopback: docs/performance.md) nor cache misses, so it complements `bench/run.sh --baseline REV`
rather than replacing it: it says whether vpcdnsd's own code for a query grew, and where.

Each build serves the bench zones (bench/run.py) under `valgrind --tool=callgrind`, one worker busy
at a time (dnsperf -c 1 at 500 QPS, 5,000 queries per workload), debug info stripped (symbols
kept). A run of the same length with no queries is subtracted (start-up and timers), so what is left
is per query. With --functions, the functions whose count changed most, per query.

Usage: bench/run.sh instructions --baseline REV [--functions] [--workload NAME]. Loopback only; every process is
stopped by PID."""
import argparse
import collections
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import ab
import run as bench

IP = "127.0.10.31"
SECONDS, RATE = 10, 500
WORKLOADS = ("private-zone hits", "forwarded, cache hit", "NXDOMAIN in a private zone", "forwarded, cache miss")


def config(work):
    path = work / "callgrind.yaml"
    path.write_text(f"""listen: ["{IP}:{bench.PORT}"]
workers: 1
allow_query: [127.0.0.0/8]
zones:
  - {{file: {work}/bench.corp.zone, origin: bench.corp}}
endpoints:
  - {{id: vpce-0123456789abcdef0, dns_suffix: abcd1234, service: com.amazonaws.us-east-1.execute-api,
     enis: [{{az: us-east-1a, ipv4: 10.0.1.15}}]}}
forward:
  upstreams: ["{bench.NSD_IP}:{bench.PORT}"]
""")
    return path


def measure(binary, cfg, out, queries):
    """Callgrind's instruction count while dnsperf ran (zeroed before, dumped after: start-up and
    shutdown, which frees the cache, are not in it), and how many queries dnsperf completed
    (queries: (file, warm-up file or None), or None for the idle run)."""
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", str(binary), "--config", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def control(*argv):
        subprocess.run(["callgrind_control", *argv, str(proc.pid)], check=True, capture_output=True, timeout=60)
    try:
        bench.wait_until(lambda: bench.answers(IP, "host1.bench.corp") == "10.10.0.2", timeout=120, what=str(binary))
        completed = 0
        if queries:
            path, warm = queries
            if warm:  # the cache-hit names, once, before the counted run
                run_dnsperf(warm, bench.FORWARDED_NAMES // (4 * RATE) + 2, rate=4 * RATE)
            control("--zero")
            completed = run_dnsperf(path, SECONDS)
        else:
            control("--zero")
            time.sleep(SECONDS)  # the idle run: nothing to wait for but time passing
        control("--dump")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    dumps = sorted(out.parent.glob(out.name + ".*"), key=lambda p: p.stat().st_mtime)
    for stale in [out, *dumps[:-1]]:
        stale.unlink(missing_ok=True)
    dumps[-1].rename(out)
    total = sum(int(m.group(1)) for m in re.finditer(r"^summary:\s+(\d+)", out.read_text(), re.M))
    return total, completed


def run_dnsperf(path, seconds, rate=RATE):
    out = subprocess.run(["dnsperf", "-s", IP, "-p", str(bench.PORT), "-d", str(path), "-l", str(seconds), "-Q", str(rate),
                          "-c", "1", "-T", "1", "-t", "5"], capture_output=True, text=True, timeout=seconds + 60).stdout
    return int(re.search(r"Queries completed:\s+(\d+)", out).group(1))


def function_costs(path):
    """Self cost per function in one callgrind output."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", str(path)], capture_output=True,
                         text=True).stdout
    costs = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(.*)", line)
        if m and "PROGRAM TOTALS" not in line:
            costs[re.sub(r" \[.*\]$", "", m.group(2))] += int(m.group(1).replace(",", ""))
    return costs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", metavar="REV", required=True)
    parser.add_argument("--functions", action="store_true", help="list the functions whose count changed most")
    parser.add_argument("--workload", action="append", metavar="NAME", choices=WORKLOADS, help="only this workload (repeatable)")
    args = parser.parse_args()
    workloads = [w for w in WORKLOADS if not args.workload or w in args.workload]
    old_binary, base_id = ab.build_baseline(args.baseline)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-callgrind-"))
    for ip in (bench.NSD_IP, IP):
        bench.assert_free(ip)
    bench.write_data(work)
    builds = {f"vpcdnsd {ab.head_id()}": bench.VPCDNSD, f"vpcdnsd {base_id}": old_binary}
    binaries = {}
    for i, (name, path) in enumerate(builds.items()):
        binaries[name] = work / f"vpcdnsd-{i}"
        subprocess.run(["objcopy", "--strip-debug", str(path), str(binaries[name])], check=True)
    cfg = config(work)
    queries = {
        "private-zone hits": (work / "q-private.txt", None),
        "forwarded, cache hit": (work / "q-cached.txt", work / "q-cached.txt"),
        "NXDOMAIN in a private zone": (work / "q-nxdomain.txt", None),
    }
    per_query, outputs = {}, {}
    nsd = bench.start_nsd(work)
    try:
        bench.wait_until(lambda: bench.answers(bench.NSD_IP, "x.fwd.test") == "198.51.100.7", what="nsd")
        for i, (name, binary) in enumerate(binaries.items()):
            idle_out = work / f"cg-{i}-idle.out"
            idle, _ = measure(binary, cfg, idle_out, None)
            for j, workload in enumerate(workloads):
                q = queries.get(workload) or (bench.miss_file(work, f"cg{i}", SECONDS * RATE * 2), None)
                out = work / f"cg-{i}-{j}.out"
                total, done = measure(binary, cfg, out, q)
                per_query[(name, workload)] = (total - idle) / done
                outputs[(name, workload)] = (out, idle_out, done)
                print(f"{name} {workload}: {per_query[(name, workload)]:,.0f} instructions/query ({done} queries)", flush=True)
    finally:
        nsd.stop()
    new, old = builds
    print(f"\nInstructions per query under callgrind, {new} against {old} (5,000 queries at {RATE} QPS, idle run subtracted):\n")
    print(f"| workload | {new} | {old} | change |\n|---|---:|---:|---:|")
    for workload in workloads:
        n, o = per_query[(new, workload)], per_query[(old, workload)]
        print(f"| {workload} | {n:,.0f} | {o:,.0f} | {100 * (n / o - 1):+.1f}% |")
    if args.functions:
        for workload in workloads:
            rows = {}
            for name in (new, old):
                out, idle_out, done = outputs[(name, workload)]
                busy, idle = function_costs(out), function_costs(idle_out)
                rows[name] = {k: (busy[k] - idle.get(k, 0)) / done for k in busy}
            keys = set(rows[new]) | set(rows[old])
            diffs = sorted(((rows[new].get(k, 0) - rows[old].get(k, 0)), k) for k in keys)
            print(f"\n{workload}: largest changes per query (new − old, self cost)")
            for d, k in diffs[:8] + diffs[-15:]:
                if abs(d) >= 1:
                    print(f"  {d:+8.1f}  {rows[new].get(k, 0):8.1f} {rows[old].get(k, 0):8.1f}  {k[:140]}")


if __name__ == "__main__":
    main()
