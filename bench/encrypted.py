#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""DNS over TLS and DNS over HTTPS: vpcdnsd and Unbound serve the same private zone, the same
execute-api names and forward to the same local NSD, each with a DoT and a DoH listener and the
same certificate (made by openssl here); dnsperf -m dot and -m doh drive each in turn, alternating
servers, for private hits and cache hits. Reports median QPS, the ratio to Unbound and server CPU
µs per query. Writes the "Encrypted DNS" section of bench/RESULTS.md (the rest is kept).

With --baseline REV: instead, this tree's vpcdnsd against vpcdnsd built at REV (bench/ab.py's
worktree), over TCP, DoT and DoH, in ABBA order: the A/B a change to the stream transports comes with.

Loopback only (127.0.10.0/24); bounded in time; every process is stopped by PID.
Usage: bench/run.sh encrypted [--reps N] [--seconds S] [--baseline REV]"""
import argparse
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import run as bench

DOT_PORT, DOH_PORT = 8853, 8443


def make_certificate(work):
    key, cert = work / "tls.key", work / "tls.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=bench.test",
                    "-addext", f"subjectAltName=DNS:bench.test,IP:{bench.VPC_IP},IP:{bench.UNBOUND_IP}"],
                   check=True, capture_output=True)
    return cert, key


def start_unbound(work, cert, key):
    return bench.start_unbound(work, extra=(
        f"    interface: {bench.UNBOUND_IP}@{DOT_PORT}\n    interface: {bench.UNBOUND_IP}@{DOH_PORT}\n"
        f"    tls-port: {DOT_PORT}\n    https-port: {DOH_PORT}\n    tls-service-key: \"{key}\"\n"
        f"    tls-service-pem: \"{cert}\"\n    incoming-num-tcp: 200\n"))


def start_vpcdnsd(work, cert, key, name="vpcdnsd", ip=bench.VPC_IP, binary=None):
    server = bench.start_vpcdnsd(
        work, name=name, ip=ip, extra=f"tls: {{cert_file: {cert}, key_file: {key}}}\n",
        listen_extra=(f"tls://{ip}:{DOT_PORT}", f"https://{ip}:{DOH_PORT}/dns-query"), binary=binary)
    return server


def encrypted_perf(server, mode, queryfile, seconds):
    """dnsperf over TCP, DoT or DoH (POST), 8 connections, 100 queries outstanding each."""
    port = {"tcp": bench.PORT, "dot": DOT_PORT, "doh": DOH_PORT}[mode]
    argv = ["dnsperf", "-m", mode, "-s", server.ip, "-p", str(port), "-d", str(queryfile), "-l", str(seconds),
            "-t", "2", "-c", "8", "-T", "2", "-q", "100"]
    if mode == "doh":
        argv += ["-O", f"doh-uri=https://{server.ip}:{port}/dns-query", "-O", "doh-method=POST"]
    user, kernel = server.cpu_split()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    ticks = sum(a - b for a, b in zip(server.cpu_split(), (user, kernel)))
    qps = re.search(r"Queries per second:\s+([\d.]+)", out)
    completed = re.search(r"Queries completed:\s+(\d+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    n = int(completed.group(1)) if completed else 0
    return {"qps": float(qps.group(1)) if qps else 0.0, "completed": n, "lost": int(lost.group(1)) if lost else -1,
            "cpu_us": ticks * 1e6 / bench.CLK_TCK / n if n else 0.0}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--baseline", metavar="REV")
    args = parser.parse_args()
    if args.baseline:
        return ab(args)
    for ip in (bench.NSD_IP, bench.VPC_IP, bench.UNBOUND_IP):
        bench.assert_free(ip)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-bench-tls-"))
    bench.write_data(work)
    cert, key = make_certificate(work)
    servers = []
    try:
        servers.append(bench.start_nsd(work))
        vpc, unbound = start_vpcdnsd(work, cert, key), start_unbound(work, cert, key)
        servers += [vpc, unbound]
        for s in servers:
            bench.wait_until(lambda: bench.responds(s.ip), what=f"{s.name} to answer")
        # Both caches warm with every forwarded name first.
        for s in (vpc, unbound):
            bench.dnsperf(s, work / "q-cached.txt", 3)
        workloads = {"private-zone hits": work / "q-private.txt", "forwarded, cache hit": work / "q-cached.txt"}
        results = {}
        for mode in ("dot", "doh"):
            for workload, queries in workloads.items():
                per = {"vpcdnsd": [], "unbound": []}
                for rep in range(args.reps):
                    order = [vpc, unbound] if rep % 2 == 0 else [unbound, vpc]
                    for s in order:
                        per[s.name].append(encrypted_perf(s, mode, queries, args.seconds))
                        print(mode, workload, s.name, per[s.name][-1], flush=True)
                results[(mode, workload)] = per
        rss = {s.name: s.rss_mib() for s in (vpc, unbound)}
    finally:
        for s in servers:
            s.stop()
    write_section(results, rss, args)


def write_section(results, rss, args):
    med = statistics.median
    lines = [
        "## Encrypted DNS (DoT, DoH)", "",
        f"One run ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; `bench/run.sh encrypted`): vpcdnsd and Unbound "
        f"({bench.sh('unbound', '-V').stdout.splitlines()[0]}) on the same zones and certificate (P-256), "
        f"2 threads each; dnsperf 2.10 `-m dot` and `-m doh` (POST, HTTP/2), -c 8 -T 2 -q 100, {args.seconds} s runs, "
        f"{args.reps} repetitions alternating server order, medians. Target: at least 1.5× Unbound's QPS at no more "
        "than 0.7× its CPU per query.", "",
        "| transport | workload | vpcdnsd QPS | Unbound QPS | QPS ratio | vpcdnsd CPU µs/q | Unbound CPU µs/q | CPU ratio | lost (vpcdnsd, Unbound) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (mode, workload), per in results.items():
        vq, uq = med(r["qps"] for r in per["vpcdnsd"]), med(r["qps"] for r in per["unbound"])
        vc, uc = med(r["cpu_us"] for r in per["vpcdnsd"]), med(r["cpu_us"] for r in per["unbound"])
        lost = (sum(r["lost"] for r in per["vpcdnsd"]), sum(r["lost"] for r in per["unbound"]))
        lines.append(f"| {'DoT' if mode == 'dot' else 'DoH'} | {workload} | {vq:,.0f} | {uq:,.0f} | "
                     f"{vq / uq if uq else 0:.2f} | {vc:.2f} | {uc:.2f} | {vc / uc if uc else 0:.2f} | {lost[0]}, {lost[1]} |")
    lines += ["", f"RSS after the runs: vpcdnsd {rss['vpcdnsd']:.1f} MiB, Unbound {rss['unbound']:.1f} MiB.", ""]
    section = "\n".join(lines)
    path = bench.ROOT / "bench" / "RESULTS.md"
    text = path.read_text()
    if "\n## Encrypted DNS" in text:
        text = re.sub(r"\n## Encrypted DNS.*?(?=\n## |\Z)", "\n" + section.rstrip("\n") + "\n", text, flags=re.S)
    else:
        marker = "\n## Reload under load"
        text = text.replace(marker, "\n" + section + marker, 1) if marker in text else text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    print(section)


def ab(args):
    import ab as abrun
    binary, base = abrun.build_baseline(args.baseline)
    new = abrun.head_id()
    old_ip = bench.VPC_OWN_SOCKET_IP
    for ip in (bench.NSD_IP, bench.VPC_IP, old_ip):
        bench.assert_free(ip)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-bench-tls-ab-"))
    bench.write_data(work)
    cert, key = make_certificate(work)
    servers = []
    try:
        servers.append(bench.start_nsd(work))
        a = start_vpcdnsd(work, cert, key)
        b = start_vpcdnsd(work, cert, key, name=base, ip=old_ip, binary=binary)
        servers += [a, b]
        for s in servers:
            bench.wait_until(lambda: bench.responds(s.ip), what=f"{s.name} to answer")
        for s in (a, b):
            bench.dnsperf(s, work / "q-cached.txt", 3)
        results = {}
        for mode in ("tcp", "dot", "doh"):
            for workload, queries in (("private-zone hits", work / "q-private.txt"), ("forwarded, cache hit", work / "q-cached.txt")):
                runs = {a.name: [], b.name: []}
                for rep in range(args.reps):
                    for s in ((a, b, b, a) if rep % 2 == 0 else (b, a, a, b)):
                        runs[s.name].append(encrypted_perf(s, mode, queries, args.seconds))
                paired = [(runs[a.name][i]["qps"] + runs[a.name][i + 1]["qps"]) / (runs[b.name][i]["qps"] + runs[b.name][i + 1]["qps"])
                          for i in range(0, len(runs[a.name]), 2)]
                cpu = [(runs[a.name][i]["cpu_us"] + runs[a.name][i + 1]["cpu_us"]) / (runs[b.name][i]["cpu_us"] + runs[b.name][i + 1]["cpu_us"])
                       for i in range(0, len(runs[a.name]), 2)]
                results[(mode, workload)] = (statistics.median(paired), statistics.median(cpu),
                                             statistics.median(r["qps"] for r in runs[a.name]),
                                             statistics.median(r["qps"] for r in runs[b.name]))
                print(mode, workload, results[(mode, workload)], flush=True)
    finally:
        for s in servers:
            s.stop()
    lines = [f"A/B, {new} against {base} (`bench/run.sh encrypted --baseline {args.baseline}`, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): {args.reps} repetitions of ABBA, {args.seconds} s runs; "
             "the median over repetitions of new / old:", "",
             "| transport | workload | QPS new | QPS old | QPS change | CPU µs/q change |", "|---|---|---:|---:|---:|---:|"]
    for (mode, workload), (q, c, nq, oq) in results.items():
        lines.append(f"| {mode} | {workload} | {nq:,.0f} | {oq:,.0f} | {100 * (q - 1):+.1f}% | {100 * (c - 1):+.1f}% |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
