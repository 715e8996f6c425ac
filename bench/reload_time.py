#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up and SIGHUP reload time with a large private zone (default 100,000 records).
Loopback only; the daemon is stopped by PID. Usage: bench/reload_time.py [RECORDS] [RELOADS]"""
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The release build, as the rest of bench/ measures (the test helpers default to the debug one).
os.environ.setdefault("VPCDNSD", str(ROOT / ".build" / "release" / "vpcdnsd"))
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
from conftest import Daemon, config, wait_for  # noqa: E402


def rss_kib(pid):
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


def main():
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    reloads = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    tmp = Path(tempfile.mkdtemp(prefix="vpcdns-reload-"))
    zone = tmp / "big.zone"
    with zone.open("w") as f:
        f.write("$TTL 300\n@ SOA ns hostmaster 1 7200 900 1209600 60\n")
        for i in range(records - 1):
            f.write(f"host{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
    (tmp / "vpcdnsd.yaml").write_text(config(zones=f"zones:\n  - file: {zone}\n    origin: big.test\n"))
    started = time.monotonic()
    daemon = Daemon(tmp, ["--config", str(tmp / "vpcdnsd.yaml")]).wait_ready()
    print(f"records: {records}")
    print(f"start-up to ready: {time.monotonic() - started:.2f} s, RSS {rss_kib(daemon.process.pid) / 1024:.1f} MiB")
    try:
        def reload(n):
            daemon.signal(signal.SIGHUP)
            wait_for(lambda: daemon.text().count("reload ok") >= n, timeout=60, what="reload")

        # A reload re-reads only zone files that changed: touch the zone so each one reads it.
        for n in range(1, reloads + 1):
            zone.touch()
            reload(n)
        times = [int(t) for t in re.findall(r"reload ok: .* in (\d+) ms", daemon.text())]
        print(f"reload times (ms): {times}; median {sorted(times)[len(times) // 2]} ms")
        # Then the zone unchanged: once its stamp is older than the two-second window (the reload
        # before records it), a reload reuses the zone and only rebuilds the answer tables.
        wait_for(lambda: time.time() - zone.stat().st_ctime > 2.2, timeout=10, what="the zone to age")
        reload(reloads + 1)
        reload(reloads + 2)
        last = daemon.text().strip().splitlines()[-1]
        unchanged = re.search(r"reload ok: .* in (\d+) ms; 1 unchanged zone file not re-read", last)
        print(f"reload with the zone file unchanged: {unchanged.group(1) + ' ms' if unchanged else 'not reused: ' + last}")
        print(f"RSS right after the last reload: {rss_kib(daemon.process.pid) / 1024:.1f} MiB")
        # The old snapshot is let go a second after the swap and freed on a background thread.
        time.sleep(3)
        print(f"RSS 3 s later: {rss_kib(daemon.process.pid) / 1024:.1f} MiB")
    finally:
        daemon.stop()


if __name__ == "__main__":
    main()
