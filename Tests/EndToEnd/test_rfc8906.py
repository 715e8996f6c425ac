# SPDX-License-Identifier: Apache-2.0
"""RFC 8906 §8 ("Testing"): the checks a DNS server must pass, one test each, with the RFC's dig
command lines against a private zone (internal.corp) the daemon serves authoritatively."""
import re

import pytest

from conftest import ROOT, config, dig

ZONE = "internal.corp"
EXAMPLE_ZONE = ROOT / "config" / "zones" / "internal.corp.zone"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Module-scoped: one daemon for the whole battery (start_daemon is per test).
    from conftest import Daemon
    tmp = tmp_path_factory.mktemp("rfc8906")
    big = tmp / "big.zone"
    big.write_text("$TTL 60\n@ SOA ns hostmaster 1 2 3 4 60\n"
                   + "".join(f"@ TXT \"{chr(97 + i) * 200}\"\n" for i in range(12)))
    path = tmp / "vpcdnsd.yaml"
    path.write_text(config(zones=f"zones:\n  - file: {EXAMPLE_ZONE}\n    origin: {ZONE}\n  - file: {big}\n    origin: big.test\n"))
    daemon = Daemon(tmp, ["--config", str(path)]).wait_ready()
    yield daemon
    daemon.stop()


def edns(answer):
    """The OPT pseudo-section as dig prints it: {"version", "flags", "udp", "options"}, or None."""
    match = re.search(r"; EDNS: version: (\d+), flags:([a-z ]*); (?:MBZ: (0x[0-9a-f]+), )?udp: (\d+)", answer.text)
    if not match:
        return None
    # Options follow the EDNS line, one "; NAME: value" line each, up to the blank line.
    block = answer.text[match.end():].split("\n\n", 1)[0]
    options = re.findall(r"^; ([A-Z0-9=-]+):", block, re.M)
    return {"version": int(match.group(1)), "flags": match.group(2).split(), "mbz": match.group(3),
            "udp": int(match.group(4)), "options": options}


def soa_answered(answer):
    return answer.status == "NOERROR" and [r[3] for r in answer.records()] == ["SOA"] and "aa" in answer.flags


# §8.1.1 Basic DNS: `dig +norec +noedns soa zone`
def test_8_1_1_plain_dns(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+noedns")
    assert soa_answered(answer), answer
    assert edns(answer) is None and "rd" not in answer.flags


# §8.1.2 Unknown type: `dig +norec +noedns type1000 zone` → NOERROR, no answer, the SOA.
def test_8_1_2_unknown_type(server):
    answer = dig(server.port, ZONE, "TYPE1000", "+norec", "+noedns")
    assert answer.status == "NOERROR" and answer.records() == [] and "aa" in answer.flags, answer
    assert [r[3] for r in answer.records("AUTHORITY")] == ["SOA"]


# §8.2.1 EDNS: `dig +norec +edns=0 soa zone`
def test_8_2_1_edns0(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+edns=0", "+nocookie")
    assert soa_answered(answer), answer
    opt = edns(answer)
    assert opt and opt["version"] == 0 and opt["options"] == [], answer


# §8.2.2 EDNS version: `dig +norec +edns=1 +noednsneg soa zone` → BADVERS, OPT version 0, no answer.
def test_8_2_2_edns1_gets_badvers(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+edns=1", "+noednsneg", "+nocookie")
    assert answer.status == "BADVERS" and answer.records() == [], answer
    assert edns(answer)["version"] == 0


# §8.2.3 Unknown EDNS options: `dig +norec +ednsopt=100 soa zone` → answered, option 100 not echoed.
def test_8_2_3_unknown_option_ignored(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+ednsopt=100", "+nocookie")
    assert soa_answered(answer), answer
    assert "OPT=100" not in edns(answer)["options"]


# §8.2.4 Unknown EDNS flags: `dig +norec +ednsflags=0x80 soa zone` → answered, the flag cleared.
def test_8_2_4_unknown_flag_cleared(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+ednsflags=0x80", "+nocookie")
    assert soa_answered(answer), answer
    assert edns(answer)["mbz"] is None, answer  # dig prints "MBZ: 0x0080" if it comes back


# §8.2.5 EDNS version and unknown option: BADVERS, option not echoed.
def test_8_2_5_edns1_and_unknown_option(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+edns=1", "+noednsneg", "+ednsopt=100", "+nocookie")
    assert answer.status == "BADVERS", answer
    assert "OPT=100" not in edns(answer)["options"]


# §8.2.6 EDNS version and unknown flag: BADVERS, flag cleared.
def test_8_2_6_edns1_and_unknown_flag(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+edns=1", "+noednsneg", "+ednsflags=0x80", "+nocookie")
    assert answer.status == "BADVERS" and edns(answer)["mbz"] is None, answer


# §8.2.7 EDNS version, unknown option and unknown flag together.
def test_8_2_7_edns1_unknown_option_and_flag(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+edns=1", "+noednsneg", "+ednsopt=100", "+ednsflags=0x80",
                 "+nocookie")
    opt = edns(answer)
    assert answer.status == "BADVERS" and opt["version"] == 0 and opt["mbz"] is None, answer
    assert "OPT=100" not in opt["options"]


# §8.2.8 Truncated responses: `dig +norec +dnssec +bufsize=512 +ignore <big> <zone>` → TC=1 and
# no partial RRset; over TCP the whole answer.
def test_8_2_8_truncation(server):
    udp = dig(server.port, "big.test", "TXT", "+norec", "+dnssec", "+bufsize=512", "+ignore", "+nocookie")
    assert udp.status == "NOERROR" and "tc" in udp.flags and udp.records() == [], udp
    assert edns(udp) is not None  # the OPT record survives truncation (RFC 6891 §7)
    tcp = dig(server.port, "big.test", "TXT", "+norec", "+dnssec", "+tcp")
    assert "tc" not in tcp.flags and len(tcp.records()) == 12, tcp


# §8.2.9 DO=1: `dig +norec +dnssec soa zone` → answered, DO copied back (RFC 3225 §3).
def test_8_2_9_do_bit(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+dnssec", "+nocookie")
    assert soa_answered(answer), answer
    assert "do" in edns(answer)["flags"]


# §8.2.10 EDNS over TCP: `dig +norec +edns=0 +tcp soa zone`
def test_8_2_10_edns_over_tcp(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+edns=0", "+tcp", "+nocookie")
    assert soa_answered(answer) and edns(answer)["version"] == 0, answer


# §4 / §8.1: plain DNS over TCP as well (RFC 7766 makes TCP mandatory).
def test_plain_dns_over_tcp(server):
    answer = dig(server.port, ZONE, "SOA", "+norec", "+noedns", "+tcp")
    assert soa_answered(answer) and edns(answer) is None, answer
