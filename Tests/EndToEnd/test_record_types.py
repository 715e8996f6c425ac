# SPDX-License-Identifier: Apache-2.0
"""Every record type in one zone file (Tests/Fixtures/zonefile/06_all_types.zone): vpcdnsd's answers
equal NSD's for every owner and type, record by record, and SVCB/HTTPS answers carry the targets'
in-zone addresses (RFC 9460 §4.1). A malformed record is a file:line:column error at `check`."""
import re
import subprocess

from conftest import BINARY, ROOT, config, dig
from upstreams import NSD

FIXTURES = ROOT / "Tests" / "Fixtures" / "zonefile"
ZONE = (FIXTURES / "06_all_types.zone").read_text()
EXPECTED = (FIXTURES / "06_all_types.expected").read_text()


# NSD keeps NSEC3 records for a signed zone's denials, not as names it answers (and dig rejects an
# NSEC3 whose owner is not a hash): their text and wire forms are checked by the golden file alone.
NOT_ANSWERED_BY_NSD = {"NSEC3"}


def records():
    """(owner, type) of every record in the fixture, from its golden listing."""
    seen = []
    for line in EXPECTED.splitlines():
        owner, _, _, rtype = line.split("\t")[:4]
        if rtype not in NOT_ANSWERED_BY_NSD and (owner, rtype) not in seen:
            seen.append((owner, rtype))
    return seen


def test_every_type_answers_as_nsd_does(start_daemon, tmp_path):
    # NSD 4.6 predates ohttp's name (RFC 9540): it gets the same octets as key8.
    nsd = NSD(tmp_path, "example.com", ZONE.replace(" ohttp", " key8"))
    try:
        (tmp_path / "all.zone").write_text(ZONE)
        d = start_daemon(config(zones="zones: [{file: all.zone, origin: example.com}]\n"))
        pairs = records()
        assert len(pairs) >= 39, pairs
        for name, rtype in pairs:
            ours = dig(d.port, name, rtype, "+norec")
            theirs = dig(nsd.port, name, rtype, "+norec")
            assert ours.status == theirs.status == "NOERROR", (name, rtype, ours, theirs)
            assert ours.rdata(rtype) == theirs.rdata(rtype), (name, rtype, ours, theirs)
            assert ours.rdata(rtype), (name, rtype, ours)
    finally:
        nsd.stop()


def test_in_zone_targets_are_added(start_daemon, tmp_path):
    zone = ("$ORIGIN corp.example.\n$TTL 300\n@ SOA ns hostmaster 1 2 3 4 60\n"
            "api HTTPS 1 backend alpn=h2\nbackend A 10.0.0.5\nbackend AAAA fd00::5\n"
            "self HTTPS 1 . port=8443\nself A 10.0.0.6\nout HTTPS 1 elsewhere.example.net.\n")
    (tmp_path / "corp.zone").write_text(zone)
    d = start_daemon(config(zones="zones: [{file: corp.zone, origin: corp.example}]\n"))
    api = dig(d.port, "api.corp.example", "HTTPS")
    assert api.rdata("HTTPS") == ['1 backend.corp.example. alpn="h2"'], api
    assert sorted((r[0], r[3], r[4]) for r in api.records("ADDITIONAL")) == [
        ("backend.corp.example.", "A", "10.0.0.5"), ("backend.corp.example.", "AAAA", "fd00::5")], api
    own = dig(d.port, "self.corp.example", "HTTPS")
    assert [(r[3], r[4]) for r in own.records("ADDITIONAL")] == [("A", "10.0.0.6")], own
    out = dig(d.port, "out.corp.example", "HTTPS")
    assert out.records("ADDITIONAL") == [], out


def test_check_reports_bad_records_with_their_place(tmp_path):
    (tmp_path / "bad.zone").write_text(
        "$ORIGIN example.com.\n$TTL 60\na SVCB 1 . alpn=h2 mandatory=port\nb DNAME example.net.\n")
    (tmp_path / "vpcdnsd.yaml").write_text(
        "listen: [127.0.0.1:0]\nzones: [{file: bad.zone, origin: example.com}]\nforward: {upstreams: []}\n")
    out = subprocess.run([str(BINARY), "check", "--config", str(tmp_path / "vpcdnsd.yaml")], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 1, out
    lines = out.stderr.strip().splitlines()
    assert re.search(r"bad\.zone:3:\d+: mandatory lists \"port\", which the record does not have \(RFC 9460 §8\)$", lines[0]), lines
    assert re.search(r"bad\.zone:4:3: DNAME cannot be served", lines[1]), lines
