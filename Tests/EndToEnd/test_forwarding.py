# SPDX-License-Identifier: Apache-2.0
"""Issue 4: everything else is forwarded upstream — a real NSD on loopback, and a scripted upstream
for silence, spoofing, truncation and failure."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import ROOT, SEED_ENDPOINT, config, dig, wait_for

EXAMPLE_ZONE = ROOT / "config" / "zones" / "internal.corp.zone"


def private_zone_with_cname(tmp_path):
    zone = tmp_path / "corp.zone"
    zone.write_text(EXAMPLE_ZONE.read_text() + "ext IN CNAME www.upstream.test.\nscripted IN CNAME chained.example.\n")
    return f"zones:\n  - file: {zone}\n    origin: internal.corp\n"


def test_forwarded_then_cached_with_lower_ttl(start_daemon, nsd):
    d = start_daemon(config(upstreams=[nsd.address]))
    first = dig(d.port, "www.upstream.test")
    assert first.status == "NOERROR" and first.rdata("A") == ["198.51.100.10"], first
    assert "aa" not in first.flags and "ra" in first.flags
    assert first.records()[0][1] == "300"
    # Served from the cache: the TTL counts down, and the answer survives the upstream going away.
    lower = wait_for(lambda: (lambda a: a if a.records() and int(a.records()[0][1]) < 300 else None)(
        dig(d.port, "www.upstream.test", "A", "+tcp")), timeout=5, what="a counted-down TTL")
    assert lower.rdata("A") == ["198.51.100.10"]
    nsd.stop()
    cached = dig(d.port, "www.upstream.test")
    assert cached.status == "NOERROR" and cached.rdata("A") == ["198.51.100.10"], cached


def test_cache_hits_do_not_reach_the_upstream(start_daemon, scripted):
    d = start_daemon(config(upstreams=[scripted.address]))
    scripted.set("counted.example", "answer", ["192.0.2.7"])
    for transport in ("+notcp", "+tcp", "+notcp", "+notcp"):
        assert dig(d.port, "counted.example", "A", transport).rdata("A") == ["192.0.2.7"]
    assert scripted.count("counted.example") == 1
    scripted.set("gone.example", "nxdomain")
    for _ in range(3):
        assert dig(d.port, "gone.example").status == "NXDOMAIN"
    assert scripted.count("gone.example") == 1  # NXDOMAIN cached (RFC 2308)


def test_upstream_nxdomain_is_passed_through_and_cached(start_daemon, nsd):
    d = start_daemon(config(upstreams=[nsd.address]))
    nx = dig(d.port, "nothing.upstream.test")
    assert nx.status == "NXDOMAIN", nx
    soa = nx.records("AUTHORITY")
    assert soa and soa[0][3] == "SOA" and int(soa[0][1]) <= 120, nx
    nsd.stop()
    assert dig(d.port, "nothing.upstream.test").status == "NXDOMAIN"


def test_private_names_never_go_upstream(start_daemon, scripted, tmp_path):
    d = start_daemon(config(zones=private_zone_with_cname(tmp_path), endpoints=SEED_ENDPOINT, upstreams=[scripted.address]))
    for name in ("web.internal.corp", "missing.internal.corp", "abcdef1234.execute-api.us-east-1.amazonaws.com",
                 "nope.execute-api.us-east-1.amazonaws.com"):
        dig(d.port, name)
        dig(d.port, name, "AAAA")
    assert sum(scripted.counts.values()) == 0, scripted.counts
    # A name outside every private zone does go upstream.
    assert dig(d.port, "public.example").rdata("A") == ["192.0.2.53"]
    assert scripted.count("public.example") == 1


def test_forward_and_system_rules(start_daemon, nsd, scripted):
    rules = f"""forward:
  upstreams: ["{nsd.address}"]
  rules:
    - domain: corp.example
      upstreams: ["{scripted.address}"]
    - domain: public.corp.example
      action: system
"""
    d = start_daemon(config(extra=rules))
    scripted.set("db.corp.example", "answer", ["10.20.0.5"])
    assert dig(d.port, "db.corp.example").rdata("A") == ["10.20.0.5"]
    assert scripted.count("db.corp.example") == 1
    # The system rule sends its subtree to the default upstream (NSD), not to the rule's upstream.
    answer = dig(d.port, "www.public.corp.example")
    assert answer.status == "REFUSED", answer  # NSD is not authoritative for it: its REFUSED passes through
    assert scripted.count("www.public.corp.example") == 0
    assert dig(d.port, "www.upstream.test").rdata("A") == ["198.51.100.10"]


def test_rule_takes_precedence_over_a_private_zone_of_the_same_domain(start_daemon, scripted, tmp_path):
    extra = f"""forward:
  upstreams: []
  rules:
    - domain: internal.corp
      upstreams: ["{scripted.address}"]
"""
    d = start_daemon(config(zones=private_zone_with_cname(tmp_path), extra=extra))
    scripted.set("web.internal.corp", "answer", ["10.99.0.1"])
    assert dig(d.port, "web.internal.corp").rdata("A") == ["10.99.0.1"]


def test_failover_and_failback(start_daemon, nsd, scripted):
    scripted.default = ("silent",)
    d = start_daemon(config(extra=f"""forward:
  upstreams: ["{scripted.address}", "{nsd.address}"]
  timeout: 500ms
"""))
    started = time.monotonic()
    answer = dig(d.port, "www.upstream.test", "A", "+tries=1", "+time=5")
    assert answer.rdata("A") == ["198.51.100.10"], answer
    assert time.monotonic() - started < 2.0
    assert scripted.count("www.upstream.test") == 1
    # While the first is down, other names go straight to the second.
    assert dig(d.port, "mail.upstream.test").rdata("A") == ["198.51.100.25"]
    # The first recovers: the probes see it, and client queries go to it again.
    scripted.default = ("answer", ["192.0.2.99"])
    wait_for(lambda: scripted.count(".") > 0, timeout=10, what="a probe of the silent upstream")

    def back():
        name = f"n{time.monotonic_ns()}.upstream.test"
        return dig(d.port, name).rdata("A") == ["192.0.2.99"]
    wait_for(back, timeout=10, what="queries to go to the recovered first upstream")


def test_all_upstreams_silent_gives_servfail_in_time(start_daemon, scripted):
    scripted.default = ("silent",)
    d = start_daemon(config(upstreams=[scripted.address, "127.0.0.1:9"]))
    started = time.monotonic()
    answer = dig(d.port, "dead.example", "A", "+tries=1", "+time=8")
    elapsed = time.monotonic() - started
    assert answer.status == "SERVFAIL", answer
    assert elapsed <= 3.5, elapsed


def test_spoofed_replies_are_ignored(start_daemon, scripted):
    d = start_daemon(config(upstreams=[scripted.address]))
    scripted.set("bank.example", "spoof", ["192.0.2.1"])
    answer = dig(d.port, "bank.example")
    assert answer.rdata("A") == ["192.0.2.1"], answer
    scripted.set("only-spoofed.example", "wrongid")
    assert dig(d.port, "only-spoofed.example", "A", "+time=8").status == "SERVFAIL"


def test_truncated_upstream_reply_is_retried_over_tcp(start_daemon, scripted):
    d = start_daemon(config(upstreams=[scripted.address]))
    scripted.set("tc.example", "tc", ["192.0.2.44"])
    answer = dig(d.port, "tc.example")
    assert answer.rdata("A") == ["192.0.2.44"] and "tc" not in answer.flags, answer


def test_upstream_servfail_passes_through_after_trying_all(start_daemon, scripted):
    d = start_daemon(config(upstreams=[scripted.address]))
    scripted.set("broken.example", "servfail")
    assert dig(d.port, "broken.example").status == "SERVFAIL"


def test_big_forwarded_answer_truncates_over_udp(start_daemon, nsd):
    d = start_daemon(config(upstreams=[nsd.address]))
    udp = dig(d.port, "big.upstream.test", "TXT", "+noedns", "+ignore")
    assert "tc" in udp.flags, udp
    tcp = dig(d.port, "big.upstream.test", "TXT", "+tcp")
    assert "tc" not in tcp.flags and tcp.records()[0][4].count('"') == 30, tcp


def test_private_cname_to_a_forwarded_name_returns_the_chain(start_daemon, nsd, tmp_path):
    d = start_daemon(config(zones=private_zone_with_cname(tmp_path), upstreams=[nsd.address]))
    answer = dig(d.port, "ext.internal.corp")
    assert [r[3] for r in answer.records()] == ["CNAME", "A"], answer
    assert answer.records()[0][0] == "ext.internal.corp." and answer.records()[0][4] == "www.upstream.test."
    assert answer.rdata("A") == ["198.51.100.10"]


def test_fallthrough_zone_forwards_missing_names(start_daemon, scripted, tmp_path):
    zone = tmp_path / "shared.zone"
    zone.write_text("$TTL 60\nlocal A 10.1.1.1\n")
    zones = f"zones:\n  - file: {zone}\n    origin: shared.example\n    fallthrough: true\n"
    d = start_daemon(config(zones=zones, upstreams=[scripted.address]))
    assert dig(d.port, "local.shared.example").rdata("A") == ["10.1.1.1"]
    assert dig(d.port, "remote.shared.example").rdata("A") == ["192.0.2.53"]
    assert scripted.count("local.shared.example") == 0 and scripted.count("remote.shared.example") == 1


def test_glibc_stub_resolver_through_resolv_conf(start_daemon, nsd, tmp_path):
    """getent (glibc's stub resolver) asks the daemon through a resolv.conf bind-mounted in a private
    mount namespace; port 53 on an address of our own."""
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.fail("needs root and unshare (util-linux) to bind-mount a private resolv.conf")
    address = "127.53.0.1"
    start_daemon(config(listen=f"{address}:53", upstreams=[nsd.address]))
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {address}\noptions attempts:1 timeout:2\n")
    script = f"mount --bind {resolv} /etc/resolv.conf && getent ahostsv4 www.upstream.test"
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "198.51.100.10" in result.stdout, result.stdout


def test_upstream_closing_tcp_mid_answer_fails_over(start_daemon, scripted, nsd):
    scripted.set("cut.upstream.test", "tcp-cut")
    alone = start_daemon(config(upstreams=[scripted.address]))
    started = time.monotonic()
    assert dig(alone.port, "cut.upstream.test", "A", "+time=8").status == "SERVFAIL"
    assert time.monotonic() - started < 3.5
    both = start_daemon(config(upstreams=[scripted.address, nsd.address]))
    answer = dig(both.port, "cut.upstream.test", "A", "+time=8")
    assert answer.status == "NXDOMAIN", answer  # NSD's answer: the name does not exist in its zone


def test_slow_upstream_is_passed_over_and_its_late_reply_ignored(start_daemon, scripted, nsd):
    scripted.set("www.upstream.test", "slow", 2.0)
    d = start_daemon(config(extra=f"""forward:
  upstreams: ["{scripted.address}", "{nsd.address}"]
  timeout: 1s
"""))
    started = time.monotonic()
    answer = dig(d.port, "www.upstream.test", "A", "+time=8")
    assert answer.rdata("A") == ["198.51.100.10"], answer  # from NSD, not the slow 192.0.2.77
    assert time.monotonic() - started < 2.0
    # The slow reply arrives after the failover: it must not replace the cached answer.
    wait_for(lambda: scripted.count("www.upstream.test") == 1 and time.monotonic() - started > 2.2, timeout=5,
             what="the slow upstream's late reply")
    assert dig(d.port, "www.upstream.test").rdata("A") == ["198.51.100.10"]
