# SPDX-License-Identifier: Apache-2.0
"""A/B: this tree's vpcdnsd against the one built from another commit, in one run, on the same zones
and workloads as bench/run.py (Unbound alongside, for the usual ratio). Saturating dnsperf runs in
an ABBA order each repetition (new, old, old, new; the next one old, new, new, old), because a run's
place in the sequence moves its result by several percent: each build gets every place equally, and
the change is the median over repetitions of the paired ratio (the mean of a repetition's two new
runs over its two old ones). Writes the "A/B" section of bench/RESULTS.md (the rest is kept).

Loopback only; every process is stopped by PID; the other commit is built in a git worktree under
.build-ab/ (ignored by git; `git worktree remove` it when done)."""
import random
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

import run as bench

BASE_IP = "127.0.10.9"
HIT_WORKLOADS = ("private-zone hits", "NXDOMAIN in a private zone")


def build_baseline(rev):
    """Builds vpcdnsd at `rev` in a git worktree at .build-ab/ID (kept, so a second A/B against the
    same commit does not build it again); returns (binary, the commit's short id)."""
    short = subprocess.run(["git", "-C", str(bench.ROOT), "rev-parse", "--short", rev], check=True, capture_output=True,
                           text=True).stdout.strip()
    tree = bench.ROOT / ".build-ab" / short
    if not (tree / "Package.swift").exists():
        subprocess.run(["git", "-C", str(bench.ROOT), "worktree", "prune"], check=True)
        subprocess.run(["git", "-C", str(bench.ROOT), "worktree", "add", "--detach", str(tree), rev], check=True,
                       capture_output=True)
    print(f"building {rev} ({short}) in release mode in {tree}", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "vpcdnsd"], cwd=tree, check=True)
    return tree / ".build" / "release" / "vpcdnsd", short


def head_id():
    out = subprocess.run(["git", "-C", str(bench.ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(bench.ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + ("+changes" if dirty else "")


def run_ab(args):
    binary, base_id = build_baseline(args.baseline)
    work = Path(tempfile.mkdtemp(prefix="vpcdns-ab-"))
    for ip in (bench.NSD_IP, bench.VPC_IP, bench.UNBOUND_IP, BASE_IP, bench.VPC_HASH_IP):
        bench.assert_free(ip)
    bench.write_data(work)
    servers = []
    try:
        nsd = bench.start_nsd(work)
        servers.append(nsd)
        bench.wait_until(lambda: bench.answers(bench.NSD_IP, "x.fwd.test") == "198.51.100.7", what="nsd")
        new = bench.start_vpcdnsd(work)
        new.name = f"vpcdnsd {head_id()}"
        saved = bench.VPCDNSD
        bench.VPCDNSD = binary
        base = bench.start_vpcdnsd(work, name="vpcdnsd-base", ip=BASE_IP)
        bench.VPCDNSD = saved
        base.name = f"vpcdnsd {base_id}"
        unbound = bench.start_unbound(work)
        # This tree's build with the kernel's hash steering, on the hit workloads: what
        # udp_steering's default buys, in the same run.
        hashed = bench.start_vpcdnsd(work, name="vpcdnsd-hash", ip=bench.VPC_HASH_IP, extra="udp_steering: hash\n")
        hashed.name = bench.HASH_STEERING
        targets = [new, base, unbound]
        servers += targets + [hashed]
        for s in targets + [hashed]:
            bench.wait_until(lambda: bench.answers(s.ip, "host1.bench.corp") == "10.10.0.2", what=s.name)
            assert bench.answers(s.ip, "q.fwd.test") == "198.51.100.7", s.name
            bench.dnsperf(s, work / "q-cached.txt", 5)
        workloads = [
            ("private-zone hits", work / "q-private.txt"),
            ("forwarded, cache hit", work / "q-cached.txt"),
            ("NXDOMAIN in a private zone", work / "q-nxdomain.txt"),
            ("forwarded, cache miss", None),
        ]
        if args.workload:
            unknown = set(args.workload) - {w for w, _ in workloads}
            assert not unknown, f"no such workload: {', '.join(sorted(unknown))}"
            workloads = [(w, p) for w, p in workloads if w in args.workload]
        def servers_for(workload, rep):
            pair = [new, base, base, new] if rep % 2 == 0 else [base, new, new, base]
            return pair + [unbound] + ([hashed] if workload in HIT_WORKLOADS else [])
        results = {w: {s.name: [] for s in servers_for(w, 0)} for w, _ in workloads}
        for rep in range(args.reps):
            for name, path in workloads:
                for s in servers_for(name, rep):
                    qfile = path or bench.miss_file(work, f"{s.name}{rep}")
                    if name == "forwarded, cache hit":
                        bench.dnsperf(s, qfile, 2)
                    r = bench.dnsperf(s, qfile, args.seconds)
                    results[name][s.name].append(r)
                    print(f"rep {rep} {name:28s} {s.name:22s} {r['qps']:10.0f} qps {r['cpu_us']:6.2f} us/q", flush=True)
        write_section(results, new.name, base.name, args)
    finally:
        for s in reversed(servers):
            s.stop()


def paired(new_runs, base_runs, key):
    """Per repetition: the mean of its two new runs over the mean of its two old ones."""
    return [(new_runs[i][key] + new_runs[i + 1][key]) / (base_runs[i][key] + base_runs[i + 1][key])
            for i in range(0, min(len(new_runs), len(base_runs)) - 1, 2)]


def interval(ratios, resamples=4000):
    """A 95% bootstrap interval for the median of `ratios` (seeded: the same runs give the same
    interval), as percentages of change."""
    rng = random.Random(20261207)
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(resamples))
    low, high = medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]
    return f"{100 * (low - 1):+.1f}…{100 * (high - 1):+.1f}"


def write_section(results, new, base, args):
    lines = [
        "## A/B",
        "",
        f"{new} against {base}, one run ({bench.time.strftime('%Y-%m-%d %H:%M UTC', bench.time.gmtime())}; "
        f"`bench/run.sh --baseline REV`): dnsperf -c 8 -T 2 -q 100, {args.seconds} s saturating runs, {args.reps} "
        "repetitions, each in ABBA order (new, old, old, new, then old, new, new, old); medians of all runs. Change: the "
        "median over repetitions of new / old, paired within each repetition (QPS up is better, CPU down is better), "
        "with a 95% bootstrap interval for that median.",
        "",
        f"| workload | QPS {new} | QPS {base} | QPS change | 95% interval | CPU µs/q {new} | CPU µs/q {base} | CPU change | "
        "95% interval | QPS × Unbound (new, old) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for workload, per in results.items():
        med = {n: (statistics.median(r["qps"] for r in runs), statistics.median(r["cpu_us"] for r in runs))
               for n, runs in per.items()}
        (nq, nc), (bq, bc), (uq, _) = med[new], med[base], med["unbound"]
        qps, cpu = (paired(per[new], per[base], key) for key in ("qps", "cpu_us"))
        qps_change, cpu_change = (100 * (statistics.median(r) - 1) for r in (qps, cpu))
        lines.append(f"| {workload} | {nq:,.0f} | {bq:,.0f} | {qps_change:+.1f}% | {interval(qps)} | {nc:.2f} | {bc:.2f} | "
                     f"{cpu_change:+.1f}% | {interval(cpu)} | {nq / uq:.2f}, {bq / uq:.2f} |")
    steering = []
    for workload, per in results.items():
        if bench.HASH_STEERING in per:
            (hq, hc), (nq, nc) = ((statistics.median(r["qps"] for r in per[n]), statistics.median(r["cpu_us"] for r in per[n]))
                                  for n in (bench.HASH_STEERING, new))
            steering.append(f"{workload} {hq:,.0f} QPS at {hc:.2f} µs/q against {nq:,.0f} at {nc:.2f}")
    if steering:
        lines += ["", f"What `udp_steering: auto` buys, same run: {new} with `udp_steering: hash`: " + "; ".join(steering) + "."]
    per_rep = []
    for workload, per in results.items():
        for key in ("qps", "cpu_us"):
            ratios = ", ".join(f"{r:.3f}" for r in paired(per[new], per[base], key))
            per_rep.append(f"- {workload}, {'QPS' if key == 'qps' else 'CPU'}: {ratios}")
    lines += ["", "New / old per repetition (each the mean of its two runs of each):", *per_rep, ""]
    section = "\n".join(lines) + "\n"
    path = bench.ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if "\n## A/B\n" in text:
        text = re.sub(r"\n## A/B\n.*?(?=\n## |\Z)", "\n" + section.rstrip("\n") + "\n", text, flags=re.S)
    else:
        head, sep, rest = text.partition("\nEarlier runs")
        text = head.rstrip("\n") + "\n\n" + section + (sep + rest if sep else "")
    path.write_text(text)
    print(section)
