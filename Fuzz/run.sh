#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: Fuzz/run.sh TARGET SECONDS
# TARGET: message | zone | config | engine | route53 | doh. Crashes land in Fuzz/crashes/; each one becomes a named
# regression test with its bytes inline (Tests/DNSCoreTests/FuzzRegressionTests.swift and kin).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: Fuzz/run.sh message|zone|config|engine|route53|doh SECONDS}
seconds=${2:-30}
case "$target" in
  message) product=FuzzMessage ;;
  zone) product=FuzzZone ;;
  config) product=FuzzConfig ;;
  engine) product=FuzzEngine ;;
  route53) product=FuzzRoute53 ;;
  doh) product=FuzzDoH ;;
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
log=$(mktemp)
trap 'rm -rf "$work" "$log"' EXIT
cp -r "corpus/$target/." "$work/" 2>/dev/null || true
set +e
ASAN_OPTIONS=detect_leaks=0 ./.build-fuzz/release/"$product" "$work" "corpus/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -detect_leaks=0 \
  -artifact_prefix=crashes/"$target"- -print_final_stats=1 >"$log" 2>&1
status=$?
set -e
grep -E "^(#|stat::|==|SUMMARY|Done)" "$log" | tail -12
[ "$status" -eq 0 ] || exit "$status"
# The engine's differential must not pass vacuously: both paths answer a real share of the inputs.
if [ "$target" = engine ]; then
  stat() { sed -n "s/^stat::engine_$1: //p" "$log"; }
  inputs=$(stat inputs); fast=$(stat fast_answers); general=$(stat general_answers)
  if [ -z "$inputs" ] || [ $((fast * 10)) -lt "$inputs" ] || [ $((general * 10)) -lt "$inputs" ]; then
    echo "Fuzz/run.sh engine: the tables answered ${fast:-?} and the general engine ${general:-?} of ${inputs:-?} inputs; each must answer a tenth" >&2
    exit 1
  fi
  echo "engine: tables answered $((fast * 100 / inputs))% of $inputs inputs, the general engine $((general * 100 / inputs))%"
fi
