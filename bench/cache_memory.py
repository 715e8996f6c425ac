#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Measures the forward cache's memory per entry: fills the cache of a real vpcdnsd with N distinct
forwarded names (from a local NSD serving a wildcard) and reports the RSS growth per entry.
Loopback only; every process it starts is stopped by PID. Usage: bench/cache_memory.py [N]"""
import os
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The release build, as the rest of bench/ measures (the test helpers default to the debug one).
os.environ.setdefault("VPCDNSD", str(ROOT / ".build" / "release" / "vpcdnsd"))
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
from conftest import Daemon, config  # noqa: E402
from upstreams import NSD  # noqa: E402


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def query(name, qid):
    wire = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", 1, 1)


def fill(port, names, window=200):
    """Sends every query and waits for each answer, `window` at a time; bounded by count and time."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    answered = 0
    deadline = time.monotonic() + 600
    for start in range(0, len(names), window):
        chunk = names[start:start + window]
        for i, n in enumerate(chunk):
            s.sendto(query(n, (start + i) & 0xFFFF), ("127.0.0.1", port))
        for _ in chunk:
            try:
                s.recv(4096)
                answered += 1
            except socket.timeout:
                break
        if time.monotonic() > deadline:
            break
    return answered


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    tmp = Path(tempfile.mkdtemp(prefix="vpcdns-cachemem-"))
    nsd = NSD(tmp, "wild.test", "$TTL 3600\n@ SOA ns hostmaster 1 2 3 4 60\n@ NS ns\nns A 127.0.0.1\n* A 198.51.100.1\n")
    (tmp / "vpcdnsd.yaml").write_text(config(upstreams=[nsd.address], extra=f"cache: {{max_entries: {n * 2}, max_bytes: {n * 2048}}}\n"))
    daemon = Daemon(tmp, ["--config", str(tmp / "vpcdnsd.yaml")]).wait_ready()
    try:
        fill(daemon.port, [f"warm{i}.wild.test" for i in range(2000)])  # warm allocators and buffers
        before = rss_kib(daemon.process.pid)
        answered = fill(daemon.port, [f"host-{i:07d}.wild.test" for i in range(n)])
        after = rss_kib(daemon.process.pid)
        print(f"entries: {answered} of {n}")
        print(f"RSS before: {before} KiB, after: {after} KiB")
        print(f"memory per cache entry: {(after - before) * 1024 / max(answered, 1):.0f} bytes")
    finally:
        daemon.stop()
        nsd.stop()


if __name__ == "__main__":
    main()
