#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: Fuzz/run.sh TARGET SECONDS
# TARGET: message | zone | config | engine. Crashes land in Fuzz/crashes/; each one becomes a named
# regression test with its bytes inline (Tests/DNSCoreTests/FuzzRegressionTests.swift and kin).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: Fuzz/run.sh message|zone|config|engine SECONDS}
seconds=${2:-30}
case "$target" in
  message) product=FuzzMessage ;;
  zone) product=FuzzZone ;;
  config) product=FuzzConfig ;;
  engine) product=FuzzEngine ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
[ -e vpcdns ] || ln -s .. vpcdns
# Quiet when the build succeeds; the whole log, and a non-zero exit, when it does not.
build_log=$(mktemp)
if ! swift build -c release --scratch-path .build-fuzz --product "$product" --sanitize fuzzer --sanitize address \
  -Xswiftc -parse-as-library -Xswiftc -sanitize=fuzzer,address >"$build_log" 2>&1; then
  echo "Fuzz/run.sh: building $product failed:" >&2
  cat "$build_log" >&2
  rm -f "$build_log"
  exit 1
fi
rm -f "$build_log"
mkdir -p "corpus/$target" crashes
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "corpus/$target/." "$work/" 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=0 ./.build-fuzz/release/"$product" "$work" "corpus/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -detect_leaks=0 \
  -artifact_prefix=crashes/"$target"- -print_final_stats=1 2>&1 | grep -E "^(#|stat::|==|SUMMARY|Done)" | tail -8
