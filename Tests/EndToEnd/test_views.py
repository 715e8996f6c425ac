# SPDX-License-Identifier: Apache-2.0
"""Views (issue 26): each set of clients sees its own private zones, endpoints and rules, as a VPC
sees the zones associated with it. Three views on loopback /24s each hold a zone of the same name
with other data, an endpoint of the same service with other ENIs, and a rule sending fwd.test to an
upstream of their own (a real NSD each, with other data): no answer may hold another view's."""
import random
import re
import subprocess
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import BINARY, config, dig, wait_for
from upstreams import NSD, free_port

VIEWS = {1: "prod", 2: "stage", 3: "dev"}
HOSTS = 40


def zone_text(v):
    lines = ["$TTL 60", "@ SOA ns hostmaster 1 7200 900 1209600 60", "@ NS ns", f"ns A 10.{v}.0.250",
             f'@ TXT "view-{v}"', f"alias CNAME host1", f"*.wild A 10.{v}.1.1", f"mx MX 10 host2"]
    lines += [f"host{i} A 10.{v}.0.{i}" for i in range(HOSTS)]
    return "\n".join(lines) + "\n"


def upstream_text(v):
    lines = ["$TTL 300", "@ SOA ns hostmaster 1 7200 900 1209600 60", "@ NS ns", "ns A 127.0.0.1"]
    lines += [f"n{i} A 10.{v}.9.{i}" for i in range(HOSTS)]
    return "\n".join(lines) + "\n"


def endpoint(v):
    return f"""  - id: vpce-000000000000000{v}a
    dns_suffix: view000{v}
    service: com.amazonaws.us-east-1.execute-api
    enis:
      - {{az: us-east-1a, ipv4: 10.{v}.5.1}}
      - {{az: us-east-1b, ipv4: 10.{v}.5.2}}
"""


@pytest.fixture
def views(tmp_path, start_daemon):
    upstreams = {v: NSD(tmp_path, "fwd.test", upstream_text(v)) for v in VIEWS}
    zones = "zones:\n"
    for v in VIEWS:
        (tmp_path / f"{VIEWS[v]}.zone").write_text(zone_text(v))
        zones += f"  - {{name: {VIEWS[v]}-internal, file: {tmp_path / VIEWS[v]}.zone, origin: internal.corp}}\n"
    listener_port = free_port("127.0.2.53")
    text = config(zones=zones, endpoints="endpoints:\n" + "".join(endpoint(v) for v in VIEWS),
                  extra="views:\n" + "".join(f"""  - name: {VIEWS[v]}
    clients: [127.0.{v}.0/24]
    zones: [{VIEWS[v]}-internal]
    endpoints: [vpce-000000000000000{v}a]
    forward: {{rules: [{{domain: fwd.test, upstreams: ["{upstreams[v].address}"]}}]}}
""" + (f'    listen: ["127.0.2.53:{listener_port}"]\n' if v == 2 else "") for v in VIEWS)
                  + "query_log: " + str(tmp_path / "queries.log") + "\n"
                  # The views' own forward: keys would keep config() from writing the global one.
                  + "forward:\n  upstreams: []\n")
    daemon = start_daemon(text)
    yield daemon, listener_port
    for server in upstreams.values():
        server.stop()


def questions():
    """(name, type) pairs over the fast path (A, NXDOMAIN, endpoint), the general path (CNAME
    chain, wildcard, MX with additional data, TXT at the apex, ANY) and the forwarder (cached
    after the first ask)."""
    q = [(f"host{i}.internal.corp", "A") for i in range(HOSTS)]
    q += [(f"n{i}.fwd.test", "A") for i in range(HOSTS)]
    q += [("alias.internal.corp", "A"), (f"x{random.randrange(10**6)}.wild.internal.corp", "A"),
          ("mx.internal.corp", "MX"), ("internal.corp", "TXT"), ("missing.internal.corp", "A"),
          ("host3.internal.corp", "AAAA"), ("execute-api.us-east-1.amazonaws.com", "A"),
          ("abc123.execute-api.us-east-1.amazonaws.com", "A"),
          ("vpce-000000000000000{v}a-view000{v}.execute-api.us-east-1.vpce.amazonaws.com", "A")]
    return q


def foreign_data(reply, v):
    """Data in `reply` that belongs to a view other than `v`: 10.W.… addresses or "view-W" text."""
    found = []
    for section in (reply.answer, reply.authority, reply.additional):
        for rrset in section:
            for rdata in rrset:
                text = rdata.to_text()
                for w in VIEWS:
                    if w != v and (re.search(rf"\b10\.{w}\.\d+\.\d+\b", text) or f"view-{w}" in text
                                   or f"view000{w}" in text):
                        found.append(f"{rrset.name} {text}")
    return found


def test_no_answer_crosses_views(views):
    daemon, _ = views
    counts = {}
    for v in VIEWS:
        leaks, answered, by_transport = [], 0, {"udp": 0, "tcp": 0}
        pool = questions()
        rng = random.Random(v)
        deadline = time.monotonic() + 120
        for n in range(10_000):
            assert time.monotonic() < deadline, f"view {v}: 10,000 queries took over 120 s"
            name, rtype = rng.choice(pool)
            name = name.format(v=rng.choice(list(VIEWS)))  # also other views' vpce names: they must not answer here
            query = dns.message.make_query(name, rtype, want_dnssec=rng.random() < 0.2)
            source = f"127.0.{v}.{rng.randrange(2, 250)}"
            transport = "tcp" if rng.random() < 0.3 else "udp"
            ask = dns.query.tcp if transport == "tcp" else dns.query.udp
            reply = ask(query, "127.0.0.1", port=daemon.port, source=source, timeout=3)
            by_transport[transport] += 1
            answered += 1
            leaks += foreign_data(reply, v)
            if name.startswith("host") and rtype == "A":
                assert [r.to_text() for rr in reply.answer for r in rr] == [f"10.{v}.0.{name[4:].split('.')[0]}"], reply
        counts[VIEWS[v]] = (answered, by_transport, len(leaks))
        assert leaks == [], f"view {v} got another view's data: {leaks[:5]}"
    print("queries per view (answered, by transport, answers with another view's data):", counts)
    # The query log names the view (Route 53 puts the VPC id in srcids).
    log = (daemon.log_path.parent / "queries.log").read_text()
    assert '"srcids":{"instance":"vpcdnsd","view":"dev"}' in log


def test_a_listener_bound_to_a_view_answers_as_it(views):
    daemon, port = views
    # A prod client asking the stage view's listener gets stage's data.
    answer = dig(port, "host7.internal.corp", server="127.0.2.53", source="127.0.1.9")
    assert answer.rdata("A") == ["10.2.0.7"], answer
    answer = dig(port, "n7.fwd.test", server="127.0.2.53", source="127.0.1.9")
    assert answer.rdata("A") == ["10.2.9.7"], answer
    # The same client on the shared listener is prod.
    assert dig(daemon.port, "host7.internal.corp", source="127.0.1.9").rdata("A") == ["10.1.0.7"]


def test_a_client_no_view_holds_is_refused_unless_there_is_a_default(views, start_daemon, tmp_path):
    daemon, _ = views
    assert dig(daemon.port, "host1.internal.corp", source="127.0.0.1").status == "REFUSED"
    assert dig(daemon.port, "host1.internal.corp", "A", "+tcp", source="127.0.0.1").status == "REFUSED"
    (tmp_path / "d.zone").write_text(zone_text(4))
    (tmp_path / "own.zone").write_text(zone_text(5))
    other = start_daemon(config(zones=f"zones:\n  - {{file: {tmp_path / 'd.zone'}, origin: internal.corp}}\n",
                                extra="views:\n  - name: prod\n    clients: [127.0.1.0/24]\n"
                                      f"    zones: [{{file: {tmp_path / 'own.zone'}, origin: own.corp}}]\n  - {{name: default}}\n"))
    assert dig(other.port, "host1.internal.corp", source="127.0.0.1").rdata("A") == ["10.4.0.1"]
    # prod has its inline zone and nothing else; the default view (every shared zone) has not that one.
    assert dig(other.port, "host1.own.corp", source="127.0.1.1").rdata("A") == ["10.5.0.1"]
    assert dig(other.port, "host1.internal.corp", source="127.0.1.1").status == "REFUSED"
    assert dig(other.port, "host1.own.corp", source="127.0.0.1").status == "REFUSED"


def test_view_mistakes_are_located(tmp_path):
    for v in (1, 2):
        (tmp_path / f"{v}.zone").write_text(zone_text(v))
    path = tmp_path / "bad.yaml"
    path.write_text(config(
        zones=f"zones:\n  - {{name: a, file: {tmp_path}/1.zone, origin: internal.corp}}\n"
              f"  - {{name: b, file: {tmp_path}/2.zone, origin: internal.corp}}\n",
        extra="views:\n  - {name: both, clients: [10.0.0.0/8], zones: [a, b]}\n  - {name: typo, zones: [c]}\n  - {clients: [10.1.0.0/16]}\n"))
    lines = path.read_text().splitlines()
    line = {key: 1 + next(i for i, text in enumerate(lines) if key in text) for key in ("name: both", "name: typo", "{clients:")}
    result = subprocess.run([str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    # Every problem at once, each at its view's line.
    assert re.search(rf"bad\.yaml:{line['{clients:']}: a view needs a name", result.stderr), result.stderr
    assert re.search(rf"bad\.yaml:{line['name: both']}: view both: two zones of internal\.corp\. .*"
                     r"a VPC cannot have two private zones of one name", result.stderr), result.stderr
    assert re.search(rf'bad\.yaml:{line["name: typo"]}: view typo: no zone is named "c"', result.stderr), result.stderr


AFFINITY_ENDPOINT = """endpoints:
  - id: vpce-0123456789abcdef0
    dns_suffix: abcd1234
    service: com.amazonaws.us-east-1.execute-api
    enis:
      - {az: us-east-1a, ipv4: 127.0.10.1}
      - {az: us-east-1b, ipv4: 127.0.10.2}
"""
REGIONAL = "vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com"
PRIVATE = "execute-api.us-east-1.amazonaws.com"


def test_az_affinity_answers_the_clients_az_first_or_alone(start_daemon):
    daemon = start_daemon(config(endpoints=AFFINITY_ENDPOINT, extra="""views:
  - name: prefer
    clients: [127.0.5.0/24, 127.0.6.0/24, 127.0.8.0/24]
    az_affinity: prefer
    subnets: {127.0.5.0/24: us-east-1a, 127.0.6.0/24: us-east-1b}
  - name: only
    clients: [127.0.7.0/24]
    az_affinity: only
    subnets: {127.0.7.0/25: us-east-1b}
"""))
    def addresses(name, source, *options):
        answer = dig(daemon.port, name, "A", *options, source=source)
        return [r[4] for r in answer.records() if r[3] == "A"]
    for _ in range(4):  # whatever the rotation
        for name in (REGIONAL, PRIVATE, "abc.execute-api.us-east-1.amazonaws.com"):
            assert addresses(name, "127.0.5.9") == ["127.0.10.1", "127.0.10.2"]
            assert addresses(name, "127.0.6.9", "+tcp") == ["127.0.10.2", "127.0.10.1"]
            assert addresses(name, "127.0.7.9") == ["127.0.10.2"]
        # A client in no mapped subnet gets every ENI; zonal names are unchanged.
        assert sorted(addresses(PRIVATE, "127.0.8.9")) == ["127.0.10.1", "127.0.10.2"]
        assert addresses(REGIONAL.replace("-abcd1234", "-abcd1234-us-east-1a"), "127.0.7.9") == ["127.0.10.1"]


class ENIListener:
    """A TCP listener on an ENI's loopback address that accepts and closes, as a live ENI would."""

    def __init__(self, address, port):
        import socket
        import threading
        self.address, self.port = address, port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
                conn.close()
            except OSError:
                return

    def stop(self):
        import socket
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)


def test_a_dead_eni_leaves_the_regional_and_private_answers(start_daemon):
    port = free_port("127.0.10.1")
    listeners = [ENIListener("127.0.10.1", port), ENIListener("127.0.10.2", port)]
    try:
        daemon = start_daemon(config(endpoints=AFFINITY_ENDPOINT, extra=f"""metrics: 127.0.0.1:0
endpoint_health: {{probe: tcp, port: {port}, interval: 1s, failure_threshold: 2}}
"""))
        def addresses(name):
            return sorted(r[4] for r in dig(daemon.port, name).records() if r[3] == "A")
        both = ["127.0.10.1", "127.0.10.2"]
        assert addresses(REGIONAL) == both and addresses(PRIVATE) == both
        listeners[0].stop()
        stopped = time.monotonic()
        # interval × failure_threshold + one interval.
        wait_for(lambda: addresses(REGIONAL) == ["127.0.10.2"], timeout=3.5, interval=0.1, what="the dead ENI to go")
        assert time.monotonic() - stopped <= 3.5
        assert addresses(PRIVATE) == ["127.0.10.2"]
        assert addresses(REGIONAL.replace("-abcd1234", "-abcd1234-us-east-1a")) == ["127.0.10.1"]  # zonal: unchanged
        daemon.wait_log(r"health check vpce-0123456789abcdef0/us-east-1a/127\.0\.10\.1 is unhealthy")
        metrics_port = daemon.wait_log(r"metrics on http://127\.0\.0\.1:(\d+)").group(1)
        import urllib.request
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=3).read().decode()
        assert 'vpcdnsd_endpoint_eni_up{endpoint="vpce-0123456789abcdef0",az="us-east-1a",address="127.0.10.1"} 0' in text
        assert 'az="us-east-1b",address="127.0.10.2"} 1' in text
        # Every ENI dead: all of them answer, never an empty answer.
        listeners[1].stop()
        wait_for(lambda: "vpce-0123456789abcdef0/us-east-1b/127.0.10.2 is unhealthy" in daemon.text(), timeout=5,
                 what="the second ENI down")
        assert addresses(REGIONAL) == both
        # Back up: back in the answers.
        listeners[0] = ENIListener("127.0.10.1", port)
        wait_for(lambda: addresses(REGIONAL) == ["127.0.10.1"], timeout=3.5, interval=0.1, what="the ENI to come back")
    finally:
        for listener in listeners:
            listener.stop()
