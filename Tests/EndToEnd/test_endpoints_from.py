# SPDX-License-Identifier: Apache-2.0
"""Endpoints imported from EC2's own JSON (`endpoints_from`): the fixtures are the real AWS shape of
`aws ec2 describe-vpc-endpoints` and `describe-network-interfaces`; vpcdnsd joins them on the ENI id
and serves the names its service table gives, skipping what has no names, each with a log line."""
import json
import shutil
import signal

from conftest import ROOT, config, dig

FIXTURES = ROOT / "Tests" / "Fixtures" / "aws"


def setup_files(tmp_path):
    shutil.copy(FIXTURES / "describe-vpc-endpoints.json", tmp_path / "endpoints.json")
    shutil.copy(FIXTURES / "describe-network-interfaces.json", tmp_path / "enis.json")
    return "endpoints_from: {vpc_endpoints: endpoints.json, network_interfaces: enis.json}\n"


def test_imported_endpoints_answer(start_daemon, tmp_path):
    d = start_daemon(config(extra=setup_files(tmp_path)))
    regional = "vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com"
    assert dig(d.port, regional).rdata("A") == ["10.0.1.15", "10.0.2.27"]
    # The AZ comes from the ENI.
    assert dig(d.port, "vpce-0123456789abcdef0-abcd1234-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com").rdata("A") == ["10.0.2.27"]
    # Private DNS on: the service's own names, the execute-api wildcard included.
    assert dig(d.port, "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com").rdata("A") == ["10.0.1.15", "10.0.2.27"]
    # dualstack from DnsOptions, private DNS off: the vpce name has both families, kms.… is not served.
    kms = "vpce-0295a3caf8414c94a-dfm9tr04.kms.us-east-1.vpce.amazonaws.com"
    assert dig(d.port, kms, "AAAA").rdata("AAAA") == ["2600:1f18:1234:5601::25"]
    assert dig(d.port, "kms.us-east-1.amazonaws.com").status == "REFUSED"
    # S3's wildcard entries: a bucket in front of the vpce name.
    assert dig(d.port, "my-bucket.vpce-0a1b2c3d4e5f60718-9hnenorg.s3.us-east-1.vpce.amazonaws.com").rdata("A") == ["10.0.2.40"]
    for why in ("vpce-0fedcba9876543210 (com.amazonaws.us-east-1.dynamodb): a Gateway endpoint",
                "vpce-0ccccccccccccccccc (com.amazonaws.vpce.us-east-1.vpce-svc-0aaaaaaaaaaaaaaaa): a GatewayLoadBalancer endpoint",
                "vpce-0bbbbbbbbbbbbbbbb (com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0): its state is pendingAcceptance"):
        assert f"endpoints_from: skipped {why}" in d.text(), d.text()


def test_a_changed_file_at_reload_and_a_broken_one(start_daemon, tmp_path):
    d = start_daemon(config(extra=setup_files(tmp_path)))
    name = "vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com"
    enis = json.loads((tmp_path / "enis.json").read_text())
    enis["NetworkInterfaces"][1]["PrivateIpAddresses"] = [{"Primary": True, "PrivateIpAddress": "10.0.2.99"}]
    (tmp_path / "enis.json").write_text(json.dumps(enis))
    d.signal(signal.SIGHUP)
    d.wait_log(r"reload ok")
    assert dig(d.port, name).rdata("A") == ["10.0.1.15", "10.0.2.99"]
    (tmp_path / "endpoints.json").write_text('{"VpcEndpoints": [\n  {"VpcEndpointId": 1,\n')
    d.signal(signal.SIGHUP)
    d.wait_log(r"reload: \S+endpoints.json:\d+: not valid JSON")
    d.wait_log(r"reload failed")
    assert dig(d.port, name).rdata("A") == ["10.0.1.15", "10.0.2.99"]
