#!/usr/bin/env bash
# Benchmark vpcdnsd against Unbound and dnsmasq on the same zones, in one run (docs/performance.md);
# `bench/run.sh routing` compares routed record sets with plain ones instead (bench/routing.py);
# `bench/run.sh views` 50 views of 20 zones with the same zones in one view (bench/views.py);
# `bench/run.sh encrypted` DoT and DoH against Unbound's (bench/encrypted.py);
# `bench/run.sh instructions --baseline REV` instructions per query under callgrind (bench/instructions.py).
# Installs dnsperf, unbound, dnsmasq, nsd and a C compiler (for bench/echo.c) from Debian, builds vpcdnsd in release mode, then runs
# bench/run.py, which writes bench/RESULTS.md. Loopback only; every server is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
need=""
for p in dnsperf valgrind unbound dnsmasq-base nsd libevent-dev liburing-dev libssl-dev libnghttp2-dev openssl pkg-config gcc libc6-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need
fi
swift build -c release --product vpcdnsd
if [ "${1:-}" = routing ]; then
  shift
  exec python3 bench/routing.py "$@"
fi
if [ "${1:-}" = encrypted ]; then
  shift
  exec python3 bench/encrypted.py "$@"
fi
if [ "${1:-}" = instructions ]; then
  shift
  exec python3 bench/instructions.py "$@"
fi
if [ "${1:-}" = views ]; then
  shift
  exec python3 bench/views.py "$@"
fi
exec python3 bench/run.py "$@"
