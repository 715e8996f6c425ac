# SPDX-License-Identifier: Apache-2.0
"""AWS as the source (`aws:`): vpcdnsd syncs a VPC's interface endpoints and its private hosted
zones from moto_server on loopback (through `FaultProxy`, which also makes AWS's failures), and
dig checks what it serves: the associated zones only, changes within an interval, the last good
data through failures and across a restart, and `vpcdnsd export`.

moto differs from AWS where the code must not depend on it: its `DnsEntries` names are
`vpce-…-SUFFIX.com.amazonaws.REGION.SERVICE` and its ENIs' `InterfaceType` is `interface`; vpcdnsd
reads only the suffix from the first label and joins on the ENI id, so both work (the real shapes
are `Tests/Fixtures/aws/`). Its SOA value shape is repaired by the proxy (see `FaultProxy`)."""
import re
import signal
import subprocess
import threading
import time
import urllib.request

import boto3
import dns.message
import dns.query
import dns.rcode
import pytest

from awsstandin import FaultProxy, Moto
from conftest import BINARY, NotifySocket, config, dig, wait_for

INTERVAL = 1.0


class AWSWorld:
    """A VPC in moto: two subnets in two AZs; interface endpoints for execute-api, s3 and ecr.dkr
    with private DNS on; a gateway endpoint; zone corp.internal associated with the VPC and
    other.internal associated with another VPC only."""

    def __init__(self, tmp_path):
        self.moto = Moto(tmp_path)
        self.proxy = FaultProxy(self.moto.port)
        kw = dict(endpoint_url=self.moto.url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        self.ec2 = boto3.client("ec2", **kw)
        self.route53 = boto3.client("route53", **kw)
        self.vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        other = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.0.{i + 1}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
                   for i, az in enumerate(["us-east-1a", "us-east-1b"])]
        self.endpoints = {}
        for service in ["execute-api", "s3", "ecr.dkr"]:
            endpoint = self.ec2.create_vpc_endpoint(
                VpcId=self.vpc, ServiceName=f"com.amazonaws.us-east-1.{service}", VpcEndpointType="Interface",
                SubnetIds=subnets, PrivateDnsEnabled=True)["VpcEndpoint"]
            self.endpoints[service] = endpoint
        self.gateway = self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, ServiceName="com.amazonaws.us-east-1.dynamodb", VpcEndpointType="Gateway")["VpcEndpoint"]
        self.zone = self.private_zone("corp.internal", self.vpc)
        self.other_zone = self.private_zone("other.internal", other)
        self.change(self.zone, "CREATE", "db.corp.internal", "A", "10.0.3.5")
        self.change(self.other_zone, "CREATE", "db.other.internal", "A", "10.9.3.5")

    def private_zone(self, name, vpc):
        return self.route53.create_hosted_zone(
            Name=name, CallerReference=name, HostedZoneConfig={"PrivateZone": True},
            VPC={"VPCRegion": "us-east-1", "VPCId": vpc})["HostedZone"]["Id"]

    def change(self, zone, action, name, rtype, *values):
        self.route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
            "Action": action, "ResourceRecordSet": {"Name": name, "Type": rtype, "TTL": 60,
                                                    "ResourceRecords": [{"Value": v} for v in values]}}]})

    def eni_addresses(self, service):
        ids = self.endpoints[service]["NetworkInterfaceIds"]
        enis = self.ec2.describe_network_interfaces(NetworkInterfaceIds=ids)["NetworkInterfaces"]
        return sorted(e["PrivateIpAddress"] for e in enis)

    def regional_name(self, service):
        """The regional vpce name as AWS names it (moto's DnsEntries name differs; only its suffix is read)."""
        endpoint = self.endpoints[service]
        suffix = re.match(re.escape(endpoint["VpcEndpointId"]) + r"-(\w{8})", endpoint["DnsEntries"][0]["DnsName"]).group(1)
        labels = ".".join(reversed(service.split(".")))
        return f"{endpoint['VpcEndpointId']}-{suffix}.{labels}.us-east-1.vpce.amazonaws.com"

    def config(self, tmp_path, interval=INTERVAL, extra=""):
        return config(extra=f"""metrics: 127.0.0.1:0
state_directory: {tmp_path / 'state'}
aws:
  vpc_id: {self.vpc}
  region: us-east-1
  interval: {interval}s
  endpoint_url: {self.proxy.url}
{extra}""")

    def stop(self):
        self.proxy.stop()
        self.moto.stop()


# Test credentials only, and never the machine's files or its instance metadata.
def aws_env(tmp_path):
    return {"AWS_ACCESS_KEY_ID": "AKIDTESTSYNC", "AWS_SECRET_ACCESS_KEY": "sync-secret-never-logged",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_REGION": "", "AWS_DEFAULT_REGION": ""}


@pytest.fixture
def world(tmp_path):
    w = AWSWorld(tmp_path)
    yield w
    w.stop()


@pytest.fixture
def synced(world, start_daemon, tmp_path):
    daemon = start_daemon(world.config(tmp_path), env=aws_env(tmp_path))
    return daemon


def metrics(daemon):
    # Logged just after "ready:", when the main loop starts its listener.
    port = daemon.wait_log(r"metrics on http://127\.0\.0\.1:(\d+)").group(1)
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()


def sync_count(daemon, result):
    match = re.search(r'vpcdnsd_aws_sync_total\{result="%s"\} (\d+)' % result, metrics(daemon))
    return int(match.group(1)) if match else 0


def test_serves_the_vpcs_endpoints_and_its_associated_zones_only(world, synced):
    port = synced.port
    api = world.eni_addresses("execute-api")
    assert dig(port, world.regional_name("execute-api")).rdata("A") == api
    assert dig(port, "execute-api.us-east-1.amazonaws.com").rdata("A") == api
    assert dig(port, "abcdef1234.execute-api.us-east-1.amazonaws.com").rdata("A") == api
    assert dig(port, "bucket.s3.us-east-1.amazonaws.com").rdata("A") == world.eni_addresses("s3")
    assert dig(port, "123456789012.dkr.ecr.us-east-1.amazonaws.com").rdata("A") == world.eni_addresses("ecr.dkr")
    # Each endpoint's ENI in us-east-1a answers its zonal name alone.
    zonal = dig(port, world.regional_name("execute-api").replace(".execute-api", "-us-east-1a.execute-api", 1))
    assert len(zonal.rdata("A")) == 1 and zonal.rdata("A")[0] in api
    answer = dig(port, "db.corp.internal")
    assert answer.rdata("A") == ["10.0.3.5"] and "aa" in answer.flags
    # other.internal is associated with another VPC: not served (and forwarding is off here).
    assert dig(port, "db.other.internal").status == "REFUSED"
    # The gateway endpoint has no DNS names of its own: skipped, with why.
    assert dig(port, "dynamodb.us-east-1.amazonaws.com").status == "REFUSED"
    synced.wait_log(re.escape(world.gateway["VpcEndpointId"]) + r" \(com\.amazonaws\.us-east-1\.dynamodb\): a Gateway endpoint")
    text = metrics(synced)
    assert "vpcdnsd_aws_endpoints 3" in text and "vpcdnsd_aws_hosted_zones 1" in text, text
    # Credentials never reach the log.
    assert "sync-secret-never-logged" not in synced.text() and "AKIDTESTSYNC" not in synced.text()


def test_changes_show_within_one_interval_and_nothing_rebuilds_when_nothing_changed(world, synced, tmp_path):
    port = synced.port
    wait_for(lambda: sync_count(synced, "unchanged") >= 2, timeout=10, what="two unchanged syncs")
    assert synced.text().count("aws sync: the inventory changed") == 0
    world.change(world.zone, "CREATE", "new.corp.internal", "A", "10.0.3.77")
    added = time.monotonic()
    wait_for(lambda: dig(port, "new.corp.internal").rdata("A") == ["10.0.3.77"], timeout=INTERVAL + 2, interval=0.1,
             what="the added record")
    world.ec2.delete_vpc_endpoints(VpcEndpointIds=[world.endpoints["ecr.dkr"]["VpcEndpointId"]])
    wait_for(lambda: dig(port, "123456789012.dkr.ecr.us-east-1.amazonaws.com").status == "REFUSED",
             timeout=INTERVAL + 2, interval=0.1, what="the deleted endpoint's names to go")
    assert time.monotonic() - added < 2 * (INTERVAL + 2)
    # The names of the endpoints that stay still answer.
    assert dig(port, "execute-api.us-east-1.amazonaws.com").rdata("A") == world.eni_addresses("execute-api")


def test_status_names_the_last_sync(world, start_daemon, tmp_path):
    notify = NotifySocket(tmp_path)
    start_daemon(world.config(tmp_path), env={**aws_env(tmp_path), "NOTIFY_SOCKET": notify.path})
    notify.wait_for("READY=1")
    wait_for(lambda: any(re.search(r"^STATUS=serving: \d+ zones.*; aws sync: unchanged at \S+Z$", m, re.M) for m in notify.poll()),
             timeout=10, what="STATUS= after an unchanged sync")
    world.proxy.mode = "server"
    wait_for(lambda: any(re.search(r"^STATUS=.*; aws sync: server_error at ", m, re.M) for m in notify.poll()),
             timeout=10, what="STATUS= after a failed sync")


def test_web_identity_credentials_from_sts(world, start_daemon, tmp_path):
    """EKS's IRSA: no keys, a token file and a role; STS (moto's, behind the proxy) gives the keys."""
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.test-web-identity.sig\n")
    env = {**aws_env(tmp_path), "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
           "AWS_WEB_IDENTITY_TOKEN_FILE": str(token), "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/vpcdnsd"}
    daemon = start_daemon(world.config(tmp_path), env=env)
    assert world.proxy.calls("AssumeRoleWithWebIdentity") >= 1
    assert dig(daemon.port, "db.corp.internal").rdata("A") == ["10.0.3.5"]
    assert "test-web-identity" not in daemon.text()


def test_sighup_syncs_at_once(world, start_daemon, tmp_path):
    daemon = start_daemon(world.config(tmp_path, interval=3600), env=aws_env(tmp_path))
    world.change(world.zone, "CREATE", "hup.corp.internal", "A", "10.0.3.88")
    assert dig(daemon.port, "hup.corp.internal").status == "NXDOMAIN"
    daemon.signal(signal.SIGHUP)
    wait_for(lambda: dig(daemon.port, "hup.corp.internal").rdata("A") == ["10.0.3.88"], timeout=5, interval=0.1,
             what="the record after SIGHUP")


class QueryLoad:
    """1,000 queries, one after another over UDP, for names from the sync; every one must be answered."""

    def __init__(self, port, names, count=1000):
        self.port, self.names, self.count = port, names, count
        self.answered, self.failures = 0, []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        for i in range(self.count):
            name, expected = self.names[i % len(self.names)]
            try:
                reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=self.port, timeout=2)
                got = sorted(r.address for rrset in reply.answer for r in rrset)
                if reply.rcode() == dns.rcode.NOERROR and got == expected:
                    self.answered += 1
                else:
                    self.failures.append((name, dns.rcode.to_text(reply.rcode()), got))
            except Exception as error:  # a timeout is a lost query
                self.failures.append((name, repr(error)))
            time.sleep(0.004)  # spread the queries over the storms (about 5 s)

    def join(self):
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


def test_failures_keep_the_last_good_data_with_no_lost_query(world, synced):
    names = [("db.corp.internal", ["10.0.3.5"]), ("execute-api.us-east-1.amazonaws.com", world.eni_addresses("execute-api"))]
    load = QueryLoad(synced.port, names)
    for mode, result in [("throttle", "throttled"), ("server", "server_error"), ("auth", "auth_error"), ("cut", None)]:
        before = {r: sync_count(synced, r) for r in ["throttled", "server_error", "auth_error", "network_error", "malformed"]}
        world.proxy.mode = mode
        if result:
            wait_for(lambda: sync_count(synced, result) >= before[result] + 3, timeout=15, what=f"three {result} syncs")
        else:
            # A body cut off halfway is a network error (the connection closed early) or malformed XML.
            wait_for(lambda: sync_count(synced, "network_error") + sync_count(synced, "malformed")
                     >= before["network_error"] + before["malformed"] + 2, timeout=15, what="two cut-off syncs")
    good_before = sync_count(synced, "unchanged")
    world.proxy.mode = "pass"
    load.join()
    assert load.failures == [] and load.answered == 1000, load.failures[:5]
    text = synced.text()
    # Throttling and 5xx back off with jitter; a refused credential is said once a minute, not once a sync.
    assert re.search(r"aws sync failed: throttled: DescribeVpcEndpoints: RequestLimitExceeded", text), text
    assert re.search(r"retrying in \d+\.\d s", text), text
    assert text.count("authentication failed") == 1, text
    assert "AuthFailure" in text
    assert "sync-secret-never-logged" not in text and "AKIDTESTSYNC" not in text
    # And it recovers: a good sync after the faults, with nothing to rebuild.
    wait_for(lambda: sync_count(synced, "unchanged") > good_before, timeout=10, what="a good sync after the faults")


def test_aws_down_then_a_restart_serves_the_persisted_data(world, start_daemon, tmp_path):
    daemon = start_daemon(world.config(tmp_path), env=aws_env(tmp_path))
    api = world.eni_addresses("execute-api")
    assert dig(daemon.port, "db.corp.internal").rdata("A") == ["10.0.3.5"]
    assert (tmp_path / "state" / "aws-inventory.json").exists()
    world.moto.stop()
    wait_for(lambda: sync_count(daemon, "network_error") >= 2, timeout=10, what="network failures counted")
    assert dig(daemon.port, "db.corp.internal").rdata("A") == ["10.0.3.5"]
    daemon.stop()
    restarted = start_daemon(world.config(tmp_path), env=aws_env(tmp_path))
    restarted.wait_log(r"aws sync: the last good sync of vpc-\w+ is from \S+, \d+ s old")
    assert dig(restarted.port, "db.corp.internal").rdata("A") == ["10.0.3.5"]
    assert dig(restarted.port, "execute-api.us-east-1.amazonaws.com").rdata("A") == api


def test_export_writes_a_config_fragment_that_serves_the_same(world, start_daemon, tmp_path):
    config_file = tmp_path / "sync.yaml"
    config_file.write_text(world.config(tmp_path))
    out = tmp_path / "exported"
    result = subprocess.run([str(BINARY), "export", "--config", str(config_file), "--out", str(out)],
                            env={**aws_env(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    fragment = (out / "vpcdnsd-aws.yaml").read_text()
    assert "endpoints_from:" in fragment and "format: route53" in fragment, fragment
    # Served as exported: the fragment's paths are relative to the file beside them.
    (out / "served.yaml").write_text(config(extra=fragment))
    daemon = start_daemon(args=["--config", str(out / "served.yaml")])
    assert dig(daemon.port, "db.corp.internal").rdata("A") == ["10.0.3.5"]
    assert dig(daemon.port, "execute-api.us-east-1.amazonaws.com").rdata("A") == world.eni_addresses("execute-api")
    assert dig(daemon.port, "db.other.internal").status == "REFUSED"


def test_https_certificates_are_verified(start_daemon, tmp_path):
    """HTTPS to the APIs checks the certificate against the system's CA store: a stand-in with a
    self-signed certificate is refused before any request is sent, and nothing is served from it."""
    import http.server
    import ssl
    import threading
    from upstreams import free_port
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            requests.append(self.path)
            self.send_response(500)
            self.end_headers()

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        daemon = start_daemon(config(extra=f"""state_directory: {tmp_path / 'state'}
aws: {{vpc_id: vpc-0abc1234def567890, region: us-east-1, interval: 60s, endpoint_url: "https://127.0.0.1:{port}"}}
"""), env=aws_env(tmp_path))
        assert re.search(r"aws sync failed: network: 127\.0\.0\.1: .*(certificate|SSL)", daemon.text(), re.I), daemon.text()
        assert requests == []
        assert not (tmp_path / "state" / "aws-inventory.json").exists()
    finally:
        server.shutdown()
        server.server_close()
