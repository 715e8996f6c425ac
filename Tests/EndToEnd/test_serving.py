# SPDX-License-Identifier: Apache-2.0
"""Issue 3: the daemon answers private zones and interface-endpoint names over UDP and TCP."""
import pytest

from conftest import ROOT, SEED_ENDPOINT, config, dig

EXAMPLE_ZONE = ROOT / "config" / "zones" / "internal.corp.zone"
BOTH = ["10.0.1.15", "10.0.2.27"]
REGIONAL = "vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com"


@pytest.fixture
def daemon(start_daemon, tmp_path):
    big = tmp_path / "big.test.zone"
    strings = " ".join(f'"{chr(97 + i % 26) * 200}"' for i in range(15))  # 15 × 201 octets ≈ 3 KB
    big.write_text(f"$TTL 60\n@ SOA ns hostmaster 1 2 3 4 60\nbig TXT {strings}\n")
    zones = f"zones:\n  - file: {EXAMPLE_ZONE}\n    origin: internal.corp\n  - file: {big}\n"
    return start_daemon(config(zones=zones, endpoints=SEED_ENDPOINT))


@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
@pytest.mark.parametrize("name,expected", [
    (REGIONAL, BOTH),
    ("vpce-0123456789abcdef0-abcd1234-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com", ["10.0.1.15"]),
    ("vpce-0123456789abcdef0-abcd1234-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com", ["10.0.2.27"]),
    ("execute-api.us-east-1.amazonaws.com", BOTH),
    ("abcdef1234.execute-api.us-east-1.amazonaws.com", BOTH),
])
def test_seed_endpoint_names(daemon, transport, name, expected):
    answer = dig(daemon.port, name, "A", transport)
    assert answer.status == "NOERROR", answer
    assert "aa" in answer.flags and "ra" in answer.flags, answer
    assert answer.rdata("A") == expected
    assert {r[1] for r in answer.records()} == {"60"}


def test_other_vpce_names_are_not_ours(daemon):
    # Public vpce names of other endpoints are not shadowed: they go upstream (off here: REFUSED).
    answer = dig(daemon.port, "vpce-0fff-abcd1234.execute-api.us-east-1.vpce.amazonaws.com")
    assert answer.status == "REFUSED", answer


@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
def test_nxdomain_and_nodata_carry_the_soa(daemon, transport):
    nx = dig(daemon.port, "missing.internal.corp", "A", transport)
    assert nx.status == "NXDOMAIN", nx
    assert "aa" in nx.flags
    soa = nx.records("AUTHORITY")
    assert [r[3] for r in soa] == ["SOA"] and soa[0][0] == "internal.corp."
    assert soa[0][1] == "300"  # RFC 2308 §3: min(SOA TTL 300, MINIMUM 86400)
    nodata = dig(daemon.port, "web.internal.corp", "AAAA", transport)
    assert nodata.status == "NOERROR" and nodata.records() == [], nodata
    assert [r[3] for r in nodata.records("AUTHORITY")] == ["SOA"]
    api = dig(daemon.port, "abcdef1234.execute-api.us-east-1.amazonaws.com", "AAAA", transport)
    assert api.status == "NOERROR" and api.records() == [], api
    assert api.records("AUTHORITY")[0][4].startswith("ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com.")


def test_wildcard_cname_chain_empty_non_terminal_and_case(daemon):
    pod = dig(daemon.port, "pod-42.k8s.internal.corp")
    assert pod.rdata("A") == ["10.0.5.5"] and pod.records()[0][0] == "pod-42.k8s.internal.corp.", pod
    chain = dig(daemon.port, "app.internal.corp")
    assert [r[3] for r in chain.records()] == ["CNAME", "CNAME", "A"], chain
    assert chain.rdata("A") == ["10.0.1.50"]
    ent = dig(daemon.port, "svc.internal.corp")
    assert ent.status == "NOERROR" and ent.records() == [] and ent.records("AUTHORITY"), ent
    mixed = dig(daemon.port, "AbCdEf1234.Execute-API.us-EAST-1.AmazonAWS.com")
    assert mixed.rdata("A") == BOTH
    assert "AbCdEf1234.Execute-API.us-EAST-1.AmazonAWS.com." in mixed.text  # question echoed as sent
    assert mixed.records()[0][0] == "AbCdEf1234.Execute-API.us-EAST-1.AmazonAWS.com."


def test_big_txt_truncates_over_udp_and_is_whole_over_tcp(daemon):
    udp = dig(daemon.port, "big.big.test", "TXT", "+noedns", "+ignore")
    assert "tc" in udp.flags, udp
    assert "MSG SIZE  rcvd: " in udp.text and int(udp.text.split("MSG SIZE  rcvd: ")[1].split()[0]) <= 512
    tcp = dig(daemon.port, "big.big.test", "TXT", "+tcp")
    assert "tc" not in tcp.flags and len(tcp.records()) == 1, tcp
    assert tcp.records()[0][4].count('"') == 30
    edns = dig(daemon.port, "big.big.test", "TXT", "+bufsize=1232", "+ignore")
    assert "tc" in edns.flags, edns
    retried = dig(daemon.port, "big.big.test", "TXT")  # dig retries over TCP by itself
    assert retried.status == "NOERROR" and len(retried.records()) == 1


def test_edns(daemon):
    badvers = dig(daemon.port, "web.internal.corp", "A", "+edns=1", "+noednsneg")
    assert badvers.status == "BADVERS", badvers
    plain = dig(daemon.port, "web.internal.corp", "A", "+dnssec")
    assert "udp: 1232" in plain.text and "flags: do" in plain.text, plain
    noedns = dig(daemon.port, "web.internal.corp", "A", "+noedns")
    assert "OPT PSEUDOSECTION" not in noedns.text
    assert noedns.rdata("A") == ["10.0.1.50"]


def test_rd_copied_ra_set(daemon):
    norec = dig(daemon.port, "web.internal.corp", "A", "+norec")
    assert "rd" not in norec.flags and "ra" in norec.flags
    rec = dig(daemon.port, "web.internal.corp", "A")
    assert "rd" in rec.flags and "ra" in rec.flags


def test_any_is_minimal(daemon):
    answer = dig(daemon.port, "cache.internal.corp", "ANY")
    assert answer.status == "NOERROR" and len({r[3] for r in answer.records()}) == 1, answer


def test_addresses_rotate(daemon):
    orders = {tuple(r[4] for r in dig(daemon.port, "db.internal.corp").records()) for _ in range(6)}
    assert len(orders) == 2 and all(sorted(o) == ["10.0.3.10", "10.0.3.11"] for o in orders)


def test_refused_client_outside_allow_query(start_daemon):
    d = start_daemon(config(endpoints=SEED_ENDPOINT, extra="allow_query: [127.0.0.1/32]\n"))
    inside = dig(d.port, "execute-api.us-east-1.amazonaws.com")
    assert inside.status == "NOERROR" and inside.rdata("A") == BOTH
    for transport in ("+notcp", "+tcp"):
        outside = dig(d.port, "execute-api.us-east-1.amazonaws.com", "A", transport, source="127.0.0.2")
        assert outside.status == "REFUSED", outside
        assert outside.records() == [] and outside.records("AUTHORITY") == []
