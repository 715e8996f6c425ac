#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Routed record sets against plain ones, in one run: one vpcdnsd serves a plain zone (the fast
path) and a Route 53 JSON zone of weighted pairs, failover pairs and aliases (the general path), and
Unbound serves the same names as plain local data, for scale. dnsperf drives each workload in turn,
the order alternating; reports median QPS, CPU µs per query, and the ratios. Writes
bench/ROUTING.md.

Loopback only (127.0.10.0/24); bounded in time; every process is stopped by PID.
Usage: bench/run.sh routing [--reps N] [--seconds S]"""
import argparse
import json
import statistics
import tempfile
from pathlib import Path

import run as bench

NAMES = 1000


def write_zones(work):
    plain = ["$TTL 60", "@ SOA ns hostmaster 1 7200 900 1209600 60", "@ NS ns", "ns A 10.9.0.1"]
    sets = []
    unbound = []
    for i in range(NAMES):
        a, b = f"10.20.{i // 250}.{i % 250 + 1}", f"10.21.{i // 250}.{i % 250 + 1}"
        plain.append(f"p{i} A {a}")
        name = f"r{i}.routed.corp."
        kind = i % 3
        if kind == 0:    # weighted 1:3
            sets += [{"Name": name, "Type": "A", "SetIdentifier": "blue", "Weight": 1, "TTL": 60, "ResourceRecords": [{"Value": a}]},
                     {"Name": name, "Type": "A", "SetIdentifier": "green", "Weight": 3, "TTL": 60, "ResourceRecords": [{"Value": b}]}]
        elif kind == 1:  # failover, no checks: the primary
            sets += [{"Name": name, "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 60, "ResourceRecords": [{"Value": a}]},
                     {"Name": name, "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 60, "ResourceRecords": [{"Value": b}]}]
        else:            # an alias to a plain record of the same zone
            sets += [{"Name": f"t{i}.routed.corp.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": a}]},
                     {"Name": name, "Type": "A", "AliasTarget": {"HostedZoneId": "Z1", "DNSName": f"t{i}.routed.corp.",
                                                                 "EvaluateTargetHealth": False}}]
        unbound += [f'    local-data: "p{i}.plain.corp. 60 IN A {a}"', f'    local-data: "r{i}.routed.corp. 60 IN A {a}"']
    (work / "plain.corp.zone").write_text("\n".join(plain) + "\n")
    (work / "routed.json").write_text(json.dumps({"ResourceRecordSets": sets}))
    (work / "q-plain.txt").write_text("\n".join(f"p{(i * 7) % NAMES}.plain.corp A" for i in range(20_000)) + "\n")
    (work / "q-routed.txt").write_text("\n".join(f"r{(i * 7) % NAMES}.routed.corp A" for i in range(20_000)) + "\n")
    return unbound


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    for ip in (bench.VPC_IP, bench.UNBOUND_IP):
        bench.assert_free(ip)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-routing-"))
    local_data = write_zones(work)
    (work / "vpcdnsd.yaml").write_text(f"""listen: ["{bench.VPC_IP}:{bench.PORT}"]
workers: 2
allow_query: [127.0.0.0/8]
forward: {{upstreams: []}}
zones:
  - {{file: {work}/plain.corp.zone, origin: plain.corp}}
  - {{file: {work}/routed.json, format: route53, origin: routed.corp}}
""")
    (work / "unbound.conf").write_text(f"""server:
    interface: {bench.UNBOUND_IP}@{bench.PORT}
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
    module-config: "iterator"
    num-queries-per-thread: 4096
    so-rcvbuf: 4m
    so-sndbuf: 4m
    local-zone: "plain.corp." static
    local-zone: "routed.corp." static
""" + "\n".join(local_data) + "\nremote-control:\n    control-enable: no\n")
    servers = [bench.Server("vpcdnsd", [str(bench.VPCDNSD), "--config", str(work / "vpcdnsd.yaml")], bench.VPC_IP,
                            work / "vpcdnsd.log"),
               bench.Server("unbound", ["unbound", "-d", "-c", str(work / "unbound.conf")], bench.UNBOUND_IP,
                            work / "unbound-run.log")]
    try:
        for s in servers:
            bench.wait_until(lambda: bench.answers(s.ip, "p1.plain.corp") == "10.20.0.2", what=s.name)
            assert bench.answers(s.ip, "r2.routed.corp") == "10.20.0.3", s.name
        workloads = [("plain names (fast path)", work / "q-plain.txt"), ("routed names (weighted, failover, alias)", work / "q-routed.txt")]
        results = {w: {s.name: [] for s in servers} for w, _ in workloads}
        for rep in range(args.reps):
            order = workloads if rep % 2 == 0 else list(reversed(workloads))
            for name, path in order:
                for s in (servers if rep % 2 == 0 else list(reversed(servers))):
                    r = bench.dnsperf(s, path, args.seconds)
                    results[name][s.name].append(r)
                    print(f"rep {rep} {name:42s} {s.name:8s} {r['qps']:10.0f} qps {r['cpu_us']:6.2f} us/q", flush=True)
    finally:
        for s in reversed(servers):
            s.stop()
    median = {w: {n: {k: statistics.median(r[k] for r in runs) for k in ("qps", "cpu_us", "lost")} for n, runs in per.items()}
              for w, per in results.items()}
    lines = ["# Routed record sets against plain ones", "",
             f"`bench/run.sh routing`: {args.reps} reps of {args.seconds} s per workload and server, dnsperf -c 8 -T 2 -q 100, "
             f"on {bench.cpu_model()}. Routed names: {NAMES // 3} weighted pairs, {NAMES // 3} failover pairs and "
             f"{NAMES - 2 * (NAMES // 3)} aliases to records of the same zone, from Route 53 JSON; Unbound serves the same names "
             "as plain local data (it has no routing policies).", "",
             "| workload | vpcdnsd QPS | vpcdnsd µs/query | Unbound QPS | vpcdnsd / Unbound |", "|---|---:|---:|---:|---:|"]
    for name, _ in workloads:
        v, u = median[name]["vpcdnsd"], median[name]["unbound"]
        lines.append(f"| {name} | {v['qps']:,.0f} | {v['cpu_us']:.2f} | {u['qps']:,.0f} | {v['qps'] / u['qps']:.2f}× |")
    plain, routed = (median[w]["vpcdnsd"]["qps"] for w, _ in workloads)
    lines += ["", f"Routed names answer at {routed / plain:.2f}× the QPS of plain names on vpcdnsd (same run)."]
    (bench.ROOT / "bench" / "ROUTING.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
