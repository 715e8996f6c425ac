#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Views against none, in one run: one vpcdnsd serves 1,000 zones as 50 views of 20 zones each
(every view on a /24 of its own), another the same 1,000 zones in one view (no `views:`). dnsperf
asks both for the names of one view's 20 zones, from an address in that view's /24, the order
alternating each repetition; reports median QPS and CPU µs per query, and the ratio. Writes
bench/VIEWS.md.

Loopback only (127.0.10.0/24 servers, 127.0.30.0–127.0.79.0 clients); bounded in time; every
process is stopped by PID. Usage: bench/run.sh views [--reps N] [--seconds S]"""
import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

import run as bench

VIEWS, ZONES, HOSTS = 50, 20, 20
ASKED = 25  # the view dnsperf's address falls in
VIEWS_IP, SINGLE_IP = "127.0.10.20", "127.0.10.21"


def write_zones(work):
    zones = []
    for v in range(VIEWS):
        for z in range(ZONES):
            origin = f"v{v}z{z}.corp"
            lines = ["$TTL 60", "@ SOA ns hostmaster 1 7200 900 1209600 60", "@ NS ns", f"ns A 10.{v}.{z}.250"]
            lines += [f"h{h} A 10.{v}.{z}.{h}" for h in range(HOSTS)]
            (work / f"{origin}.zone").write_text("\n".join(lines) + "\n")
            zones.append((v, origin))
    names = [f"h{(i * 7) % HOSTS}.v{ASKED}z{(i * 3) % ZONES}.corp A" for i in range(20_000)]
    (work / "q-view.txt").write_text("\n".join(names) + "\n")
    return zones


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    for ip in (VIEWS_IP, SINGLE_IP):
        bench.assert_free(ip)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-views-"))
    zones = write_zones(work)
    common = "workers: 2\nallow_query: [127.0.0.0/8]\nforward: {upstreams: []}\nzones:\n" + "".join(
        f"  - {{file: {work}/{origin}.zone, origin: {origin}}}\n" for _, origin in zones)
    views = "views:\n" + "".join(
        f"  - {{name: vpc-{v}, clients: [127.0.{30 + v}.0/24], zones: [{', '.join(o for w, o in zones if w == v)}]}}\n"
        for v in range(VIEWS))
    (work / "views.yaml").write_text(f'listen: ["{VIEWS_IP}:{bench.PORT}"]\n' + common + views)
    (work / "single.yaml").write_text(f'listen: ["{SINGLE_IP}:{bench.PORT}"]\n' + common)
    servers = [bench.Server("50 views × 20 zones", [str(bench.VPCDNSD), "--config", str(work / "views.yaml")], VIEWS_IP,
                            work / "views.log"),
               bench.Server("one view, the same 1,000 zones", [str(bench.VPCDNSD), "--config", str(work / "single.yaml")],
                            SINGLE_IP, work / "single.log")]
    source = f"127.0.{30 + ASKED}.99"
    try:
        def answer(ip):
            r = subprocess.run(["dig", f"@{ip}", "-p", str(bench.PORT), "-b", source, f"h1.v{ASKED}z1.corp", "+short", "+tries=1",
                                "+time=1"], capture_output=True, text=True, timeout=10)
            return r.stdout.strip()
        for s in servers:
            bench.wait_until(lambda: answer(s.ip) == f"10.{ASKED}.1.1", timeout=120, what=s.name)
        results = {s.name: [] for s in servers}
        for rep in range(args.reps):
            # ABBA: a run's place in the sequence moves its result by several percent (docs/performance.md).
            for s in (servers if rep % 2 == 0 else list(reversed(servers))):
                r = bench.dnsperf(s, work / "q-view.txt", args.seconds, source=source)
                assert r["lost"] == 0 and r["completed"] > 0, (s.name, r)
                results[s.name].append(r)
                print(f"rep {rep} {s.name:32s} {r['qps']:10.0f} qps {r['cpu_us']:6.2f} us/q", flush=True)
    finally:
        for s in reversed(servers):
            s.stop()
    median = {n: {k: statistics.median(r[k] for r in runs) for k in ("qps", "cpu_us")} for n, runs in results.items()}
    paired = [a["qps"] / b["qps"] for a, b in zip(*results.values())]
    names = list(results)
    lines = ["# Views against one view", "",
             f"`bench/run.sh views`: {args.reps} reps of {args.seconds} s per server (ABBA order), dnsperf -c 8 -T 2 -q 100 "
             f"from {source}, on {bench.cpu_model()}. The same {VIEWS * ZONES:,} zones of {HOSTS} hosts: as {VIEWS} views of "
             f"{ZONES} zones (each view a /24 of clients), and in one view. dnsperf asks for A records of view {ASKED}'s "
             f"{ZONES} zones: the view stage selects it by the client's address in the first server, and costs nothing in "
             "the second (one view is selected by no look-up).", "",
             "| server | QPS | CPU µs/query |", "|---|---:|---:|"]
    for name in names:
        lines.append(f"| {name} | {median[name]['qps']:,.0f} | {median[name]['cpu_us']:.2f} |")
    ratio = median[names[0]]["qps"] / median[names[1]]["qps"]
    lines += ["", f"50 views answer at {ratio:.3f}× the QPS of one view (paired ratios: "
              + ", ".join(f"{p:.3f}" for p in paired) + ")."]
    (bench.ROOT / "bench" / "VIEWS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
