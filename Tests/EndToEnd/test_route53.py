# SPDX-License-Identifier: Apache-2.0
"""A private hosted zone made with the real `aws` CLI against moto_server on loopback, exported
with `aws route53 list-resource-record-sets`, and served by vpcdnsd (format: route53): weighted,
multivalue and failover sets, and each kind of alias, checked with dig and dnspython.

moto is a stand-in, and gets two shapes wrong; the test repairs them in the export and says so, and
`Tests/Fixtures/route53/corp.json` (the real AWS shape) covers what the repair hides:
- moto prints the SOA value as a Python dict (`{'Value': '...'}`) where AWS prints the text;
- moto lists `*` in names as is, where AWS escapes it as `\\052` (the fixture has it escaped);
- moto lists aliases with `"TTL": 0`, where AWS leaves TTL out (vpcdnsd ignores a TTL beside an
  alias, so the export is served as moto wrote it)."""
import ast
import json
import math
import shutil
import socket
import subprocess
import time
import urllib.request

import dns.message
import dns.query
import dns.rdatatype
import pytest

from conftest import BINARY, ROOT, config, dig, wait_for
from awsstandin import Moto
from upstreams import NSD, free_port

FIXTURES = ROOT / "Tests" / "Fixtures" / "route53"
ENDPOINT = """
endpoints:
  - id: vpce-0295a3caf8414c94a
    dns_suffix: dfm9tr04
    service: com.amazonaws.us-east-1.kms
    private_dns: false
    enis:
      - {az: us-east-1a, ipv4: 10.0.1.15}
      - {az: us-east-1b, ipv4: 10.0.2.27}
"""
VPCE_NAME = "vpce-0295a3caf8414c94a-dfm9tr04.kms.us-east-1.vpce.amazonaws.com."
ELB_NAME = "internal-app-123.us-east-1.elb.amazonaws.com."
# What the load balancer's name resolves to upstream: a CNAME first, so a leak would show.
ELB_ZONE = """$TTL 60
@  SOA ns hostmaster 1 7200 900 1209600 60
@  NS  ns
ns A   127.0.0.1
internal-app-123.us-east-1 CNAME node-1.us-east-1
node-1.us-east-1 45 A 198.51.100.7
node-1.us-east-1 45 A 198.51.100.8
"""
INTERVAL = 1.0
THRESHOLD = 2


def change(name, rtype, **fields):
    return {"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": rtype, **fields}}


def values(*texts):
    return [{"Value": t} for t in texts]


class Listener:
    """A TCP listener on loopback standing for the primary database a health check probes."""

    def __init__(self):
        self.port = free_port()
        self.sock = None
        self.start()

    def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)

    def stop(self):
        self.sock.close()


@pytest.fixture
def exported(tmp_path):
    """The zone built through the CLI and exported as the CLI prints it; and the health check's id."""
    moto = Moto(tmp_path)
    try:
        vpc = moto.aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
        zone = moto.aws("route53", "create-hosted-zone", "--name", "corp.example", "--caller-reference", "e2e",
                        "--hosted-zone-config", "PrivateZone=true", "--vpc", f"VPCRegion=us-east-1,VPCId={vpc}")
        zone_id = zone["HostedZone"]["Id"].split("/")[-1]
        check = moto.aws("route53", "create-health-check", "--caller-reference", "db",
                         "--health-check-config", "Type=TCP,IPAddress=10.0.3.5,Port=5432")["HealthCheck"]["Id"]
        changes = [
            change("api.corp.example.", "A", SetIdentifier="blue", Weight=1, TTL=60, ResourceRecords=values("10.0.1.10")),
            change("api.corp.example.", "A", SetIdentifier="green", Weight=3, TTL=60, ResourceRecords=values("10.0.2.10")),
            change("db.corp.example.", "A", SetIdentifier="primary", Failover="PRIMARY", TTL=30,
                   ResourceRecords=values("10.0.3.5"), HealthCheckId=check),
            change("db.corp.example.", "A", SetIdentifier="secondary", Failover="SECONDARY", TTL=30,
                   ResourceRecords=values("10.1.3.5")),
            change("ingress.corp.example.", "A", TTL=120, ResourceRecords=values("10.0.0.80", "10.0.0.81")),
            change("corp.example.", "A", AliasTarget={"HostedZoneId": zone_id, "DNSName": "ingress.corp.example.",
                                                      "EvaluateTargetHealth": False}),
            change("kms.corp.example.", "A", AliasTarget={"HostedZoneId": "Z7HUB22UULQXV", "DNSName": VPCE_NAME,
                                                          "EvaluateTargetHealth": False}),
            change("app.corp.example.", "A", AliasTarget={"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": ELB_NAME,
                                                          "EvaluateTargetHealth": False}),
            change("gone.corp.example.", "A", AliasTarget={"HostedZoneId": "Z35SXDOTRQ7X7K",
                                                           "DNSName": "deleted-9.us-east-1.elb.amazonaws.com.",
                                                           "EvaluateTargetHealth": False}),
            change("*.apps.corp.example.", "CNAME", TTL=300, ResourceRecords=values("ingress.corp.example")),
            change("web.corp.example.", "TXT", TTL=300, ResourceRecords=values('"owner=team-a" "env=prod"')),
        ] + [change("mv.corp.example.", "A", SetIdentifier=f"mv{i}", MultiValueAnswer=True, TTL=60,
                    ResourceRecords=values(f"10.0.4.{i}")) for i in range(1, 13)]
        (tmp_path / "batch.json").write_text(json.dumps({"Changes": changes}))
        moto.aws("route53", "change-resource-record-sets", "--hosted-zone-id", zone_id,
                 "--change-batch", f"file://{tmp_path / 'batch.json'}")
        listing = moto.aws("route53", "list-resource-record-sets", "--hosted-zone-id", zone_id)
    finally:
        moto.stop()
    # moto's SOA value is a Python dict's text (see the module's note): repaired to the text AWS gives.
    for record_set in listing["ResourceRecordSets"]:
        if record_set["Type"] == "SOA":
            for record in record_set["ResourceRecords"]:
                if record["Value"].startswith("{"):
                    record["Value"] = ast.literal_eval(record["Value"])["Value"]
    path = tmp_path / "corp.json"
    path.write_text(json.dumps(listing, indent=4))
    return path, check


@pytest.fixture
def served(exported, start_daemon, tmp_path):
    path, check = exported
    listener = Listener()
    elb = NSD(tmp_path, "elb.amazonaws.com", ELB_ZONE)
    health = (f"health_checks:\n  {check}: {{type: tcp, target: 127.0.0.1:{listener.port}, "
              f"interval: {INTERVAL}s, failure_threshold: {THRESHOLD}}}\n")
    d = start_daemon(config(zones=f"zones: [{{file: {path}, format: route53, origin: corp.example}}]\n",
                            endpoints=ENDPOINT, extra=health + "metrics: 127.0.0.1:0\n", upstreams=[elb.address]))
    yield d, listener
    listener.stop()
    elb.stop()


def ask(port, name, rtype="A"):
    reply = dns.query.udp(dns.message.make_query(name, rtype), "127.0.0.1", port=port, timeout=3)
    return reply


def addresses(reply):
    return sorted(rr.address for rrset in reply.answer for rr in rrset if rrset.rdtype in (1, 28))


def test_weighted_one_to_three(served):
    d, _ = served
    n = 4000
    green = 0
    for _ in range(n):
        got = addresses(ask(d.port, "api.corp.example."))
        assert got in (["10.0.1.10"], ["10.0.2.10"]), got
        green += got == ["10.0.2.10"]
    # Binomial(4000, 3/4): mean 3000, σ = √(4000·¾·¼) ≈ 27.4; within 3σ.
    sigma = math.sqrt(n * 0.75 * 0.25)
    assert abs(green - 0.75 * n) <= 3 * sigma, green


def test_multivalue_at_most_eight_of_twelve(served):
    d, _ = served
    all_twelve = {f"10.0.4.{i}" for i in range(1, 13)}
    seen = set()
    for _ in range(60):
        got = addresses(ask(d.port, "mv.corp.example."))
        assert len(got) == 8 and len(set(got)) == 8 and set(got) <= all_twelve, got
        seen |= set(got)
    # Different answers hold different subsets: over 60 of them, every address turns up.
    assert seen == all_twelve


def wait_for_address(port, name, expected, within):
    start = time.monotonic()
    wait_for(lambda: addresses(ask(port, name)) == [expected], timeout=within, interval=0.05, what=f"{name} → {expected}")
    return time.monotonic() - start


def test_failover_follows_the_primarys_listener(served):
    d, listener = served
    bound = INTERVAL * THRESHOLD + INTERVAL
    wait_for_address(d.port, "db.corp.example.", "10.0.3.5", bound)
    listener.stop()
    took = wait_for_address(d.port, "db.corp.example.", "10.1.3.5", bound + 0.5)
    assert took <= bound + 0.5, took
    d.wait_log(r"health check \S+ is unhealthy: Connection refused")
    metrics_port = int(d.wait_log(r"metrics on http://127\.0\.0\.1:(\d+)").group(1))
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=3).read().decode()
    assert 'vpcdnsd_health_check_up{id="' in text and "} 0" in text.split("vpcdnsd_health_check_up{")[1], text
    listener.start()
    took = wait_for_address(d.port, "db.corp.example.", "10.0.3.5", bound + 0.5)
    assert took <= bound + 0.5, took
    d.wait_log(r"health check \S+ is healthy")


def test_aliases_answer_flattened(served):
    d, _ = served
    # Same zone: the target's data and TTL under the alias's name; an alias at the apex.
    apex = dig(d.port, "corp.example", "A")
    assert apex.status == "NOERROR" and "aa" in apex.flags
    assert [(r[0], r[1], r[3]) for r in apex.records()] == [("corp.example.", "120", "A")] * 2, apex
    assert apex.rdata("A") == ["10.0.0.80", "10.0.0.81"]
    # An alias answers its own type only.
    assert dig(d.port, "corp.example", "AAAA").records() == []
    # An interface endpoint's name: the endpoint's addresses at TTL 60.
    kms = dig(d.port, "kms.corp.example", "A")
    assert kms.rdata("A") == ["10.0.1.15", "10.0.2.27"] and {r[1] for r in kms.records()} == {"60"}, kms
    assert {r[0] for r in kms.records()} == {"kms.corp.example."}
    # Anything else through the forwarding path: the target's addresses under the alias's name,
    # at its TTL, and no CNAME from upstream's chain.
    app = dig(d.port, "app.corp.example", "A")
    assert app.status == "NOERROR" and "aa" in app.flags, app
    assert app.rdata("A") == ["198.51.100.7", "198.51.100.8"], app
    assert {r[0] for r in app.records()} == {"app.corp.example."} and {r[3] for r in app.records()} == {"A"}, app
    assert all(int(r[1]) <= 45 for r in app.records()), app
    # A target that does not exist upstream: the alias's name still does (NODATA, our SOA).
    gone = dig(d.port, "gone.corp.example", "A")
    assert gone.status == "NOERROR" and gone.records() == [], gone
    assert [r[0] for r in gone.records("AUTHORITY")] == ["corp.example."] and gone.records("AUTHORITY")[0][3] == "SOA", gone
    # Twice: the second answer comes from the cache, still flattened.
    again = dig(d.port, "app.corp.example", "A")
    assert again.rdata("A") == app.rdata("A") and {r[3] for r in again.records()} == {"A"}, again


def test_plain_records_from_the_cli(served):
    d, _ = served
    txt = dig(d.port, "web.corp.example", "TXT")
    assert txt.rdata("TXT") == ['"owner=team-a" "env=prod"'], txt
    wild = dig(d.port, "x.apps.corp.example", "A")
    assert [r[3] for r in wild.records()] == ["CNAME", "A", "A"], wild
    soa = dig(d.port, "corp.example", "SOA")
    assert len(soa.records()) == 1 and soa.records()[0][3] == "SOA", soa


def test_the_json_and_the_zone_file_answer_alike(start_daemon, tmp_path):
    """Tests/Fixtures/route53/corp.json is a listing in AWS's own shape (octal escapes, no TTL on
    aliases, the SOA as text); corp.zone holds the same plain records."""
    shutil.copy(FIXTURES / "corp.json", tmp_path / "corp.json")
    shutil.copy(FIXTURES / "corp.zone", tmp_path / "corp.zone")
    from_json = start_daemon(config(zones="zones: [{file: corp.json, format: route53}]\n"))
    from_zone = start_daemon(config(zones="zones: [{file: corp.zone, origin: corp.example}]\n"))
    questions = [("corp.example", t) for t in ("SOA", "NS", "TXT", "MX")] + [
        ("www.corp.example", "A"), ("www.corp.example", "AAAA"), ("x.apps.corp.example", "A"), ("*.apps.corp.example", "CNAME"),
        ("mail.corp.example", "A"), ("_sip._tcp.corp.example", "SRV"), ("web.corp.example", "TXT"),
        ("corp.example", "CAA"), ("svc.corp.example", "HTTPS"), ("nope.corp.example", "A"), ("www.corp.example", "MX"),
        ("_443._tcp.www.corp.example", "TLSA"), ("host.corp.example", "SSHFP"), ("10.0.0.10.in-addr.corp.example", "PTR"),
    ]
    for name, rtype in questions:
        a, b = dig(from_json.port, name, rtype), dig(from_zone.port, name, rtype)
        assert a.status == b.status and a.flags == b.flags, (name, rtype, a, b)
        for section in ("ANSWER", "AUTHORITY", "ADDITIONAL"):
            assert sorted(map(tuple, a.records(section))) == sorted(map(tuple, b.records(section))), (name, rtype, section, a, b)
    # The routed and alias sets of the fixture answer too.
    assert dig(from_json.port, "corp.example", "A").rdata("A") == ["10.0.0.10"]
    assert dig(from_json.port, "api.corp.example", "A").rdata("A") in (["10.0.1.10"], ["10.0.2.10"])


def check(tmp_path, config_text, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "c.yaml").write_text(config_text)
    return subprocess.run([str(BINARY), "check", "--config", str(tmp_path / "c.yaml")], capture_output=True, text=True,
                          timeout=30)


def test_check_reports_json_health_and_svcb_problems_with_their_places(tmp_path):
    listing = {"ResourceRecordSets": [
        {"Name": "corp.example.", "Type": "SOA", "TTL": 900,
         "ResourceRecords": [{"Value": "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}]},
        {"Name": "db.corp.example.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 30,
         "ResourceRecords": [{"Value": "10.0.3.5"}], "HealthCheckId": "hc-missing"},
        {"Name": "bad.corp.example.", "Type": "MX", "TTL": 30, "ResourceRecords": [{"Value": "mail.corp.example."}]},
    ]}
    zone = "$ORIGIN svc.example.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\nx SVCB 1 . mandatory=alpn port=443\n"
    result = check(tmp_path, "listen: [127.0.0.1:0]\nforward: {upstreams: []}\n"
                   "zones: [{file: corp.json, format: route53}, {file: svc.zone}]\n"
                   "health_checks:\n  hc-1: {type: tcp, target: 127.0.0.1:9}\n",
                   {"corp.json": json.dumps(listing), "svc.zone": zone})
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "corp.json: record set 3 (bad.corp.example. MX): ResourceRecords[0]" in out, out
    assert 'corp.json: record set 2 (db.corp.example. A): HealthCheckId "hc-missing" is not in health_checks' in out, out
    assert "svc.zone:4:" in out and "mandatory" in out and "alpn" in out, out


YAML_RECORDS = """
zones:
  - origin: corp.example
    records:
      - {name: "@", type: MX, ttl: 300, values: ["10 mail"]}
      - {name: "@", type: TXT, ttl: 300, values: ['"v=spf1 include:amazonses.com -all"']}
      - {name: "@", type: A, alias: www}
      - {name: "*.apps", type: CNAME, ttl: 300, values: [ingress]}
      - {name: ingress, type: A, ttl: 120, values: [10.0.0.80]}
      - {name: mail.corp.example., type: A, ttl: 5m, values: [10.0.0.25]}
      - {name: web, type: TXT, ttl: 300, values: ['"owner=team-a" "env=prod"']}
      - {name: www, type: A, ttl: 300, values: [10.0.0.10]}
      - {name: www, type: AAAA, ttl: 300, values: ["fd00::10"]}
      - {name: svc, type: A, ttl: 300, values: [10.0.0.50]}
      - {name: svc, type: HTTPS, ttl: 300, values: ['1 . alpn="h2,h3" port=443']}
      - {name: api, type: A, ttl: 60, values: [10.0.1.10], set_identifier: blue, weight: 0}
      - {name: api, type: A, ttl: 60, values: [10.0.2.10], set_identifier: green, weight: 5}
"""


def test_yaml_records_answer_as_the_zone_file(start_daemon, tmp_path):
    """Record sets written in the configuration load through the same reader as Route 53's JSON."""
    shutil.copy(FIXTURES / "corp.zone", tmp_path / "corp.zone")
    from_yaml = start_daemon(config(zones=YAML_RECORDS))
    from_zone = start_daemon(config(zones="zones: [{file: corp.zone, origin: corp.example}]\n"))
    for name, rtype in [("corp.example", "MX"), ("corp.example", "TXT"), ("corp.example", "SOA"), ("corp.example", "NS"),
                        ("x.apps.corp.example", "A"), ("mail.corp.example", "A"), ("web.corp.example", "TXT"),
                        ("www.corp.example", "AAAA"), ("svc.corp.example", "HTTPS"), ("nope.corp.example", "A")]:
        a, b = dig(from_yaml.port, name, rtype), dig(from_zone.port, name, rtype)
        assert a.status == b.status and a.flags == b.flags, (name, rtype, a, b)
        for section in ("ANSWER", "AUTHORITY", "ADDITIONAL"):
            assert sorted(map(tuple, a.records(section))) == sorted(map(tuple, b.records(section))), (name, rtype, section, a, b)
    # The alias at the apex and the weighted pair (weight 0 is never answered while green is up).
    assert dig(from_yaml.port, "corp.example", "A").rdata("A") == ["10.0.0.10"]
    answers = [dig(from_yaml.port, "api.corp.example", "A") for _ in range(20)]
    assert {tuple(answer.rdata("A")) for answer in answers} == {("10.0.2.10",)}, [a.text for a in answers if not a.rdata("A")]


def test_a_broken_zone_at_reload_keeps_the_old_one(exported, start_daemon, tmp_path):
    path, check = exported
    health = f"health_checks:\n  {check}: {{type: tcp, target: 127.0.0.1:9, interval: 30s}}\n"
    d = start_daemon(config(zones=f"zones: [{{file: {path}, format: route53, origin: corp.example}}]\n", extra=health))
    assert dig(d.port, "web.corp.example", "TXT").rdata("TXT") == ['"owner=team-a" "env=prod"']
    listing = json.loads(path.read_text())
    listing["ResourceRecordSets"][0].pop("Type")
    path.write_text(json.dumps(listing))
    d.signal(__import__("signal").SIGHUP)
    d.wait_log(r"reload: .*corp.json: record set 1 \(corp.example.\): no \"Type\"")
    d.wait_log(r"reload failed")
    assert dig(d.port, "web.corp.example", "TXT").rdata("TXT") == ['"owner=team-a" "env=prod"']
