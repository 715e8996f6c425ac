# SPDX-License-Identifier: Apache-2.0
"""DNS over TLS, end to end (issue 27): a real Unbound as the DoT upstream, certificates made by
openssl at test time, kdig and dig as DoT clients of vpcdnsd's own listener, a certificate renewed
under SIGHUP, and the listener's limits against stalled, crowding and trickling clients."""
import json
import re
import select
import signal
import socket
import ssl
import time
import urllib.request

import pytest

from conftest import SEED_ENDPOINT, config, dig, wait_for
from tlspeers import PKI, UnboundTLS, kdig, spki_pin
from upstreams import free_port
from wire import query, report

RECORDS = {f"h{i}.fwd.test": f"192.0.2.{i}" for i in range(1, 61)}
ZONES_DIR_ZONE = """$TTL 300
@    SOA ns hostmaster 1 7200 900 1209600 60
@    NS  ns
ns   A   10.0.0.53
web  A   10.0.0.80
"""


@pytest.fixture
def pki(tmp_path):
    return PKI(tmp_path / "pki")


@pytest.fixture
def unbound(tmp_path, pki):
    cert, key = pki.issue("dns.test", ["DNS:dns.test", "IP:127.0.0.1"])
    server = UnboundTLS(tmp_path / "unbound", cert, key, RECORDS, idle_ms=1000)
    server.cert = cert
    yield server
    server.stop()


def metrics(daemon):
    port = daemon.wait_log(r"metrics on http://127\.0\.0\.1:(\d+)").group(1)
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\S+) (\S+)$", text, re.M)}


def metrics_when(daemon, condition, what):
    """The metrics once `condition(metrics)` holds (workers publish their counters once a second)."""
    return wait_for(lambda: (lambda m: m if condition(m) else None)(metrics(daemon)), what=what)


def dot_port(daemon):
    return int(daemon.wait_log(r"listening dot=127\.0\.0\.1:(\d+)").group(1))


def forward_through(upstream):
    return config(extra=f"forward:\n  upstreams: [{upstream}]\nmetrics: 127.0.0.1:0\n")


def forward_all(daemon, unbound, names, counter, transport):
    """Asks `names` (a third over TCP) and checks the answers; every query Unbound saw meanwhile came
    by `counter` (its TLS or HTTPS count): none in clear; vpcdnsd sent none as Do53. Unbound's
    counters before, and vpcdnsd's metrics after."""
    before = unbound.stats()
    for i, name in enumerate(names):
        answer = dig(daemon.port, name, "A", "+tcp" if i % 3 == 0 else "+notcp")
        assert answer.rdata("A") == [RECORDS[name]], answer
    after = unbound.stats()
    asked = after["total.num.queries"] - before["total.num.queries"]
    assert asked >= len(names) and after[counter] - before.get(counter, 0) == asked, (before, after)
    m = metrics_when(daemon, lambda m: m[f'vpcdnsd_upstream_queries_total{{transport="{transport}"}}'] >= len(names),
                     f"the {transport} queries in the metrics")
    assert m['vpcdnsd_upstream_queries_total{transport="Do53-UDP"}'] == 0
    assert m['vpcdnsd_upstream_queries_total{transport="Do53-TCP"}'] == 0
    return before, m


def test_forwards_over_tls_and_never_in_clear(start_daemon, unbound, pki):
    # Without ca_file the system store decides, and it does not hold the test CA: refused.
    d = start_daemon(forward_through(f'"tls://127.0.0.1:{unbound.tls_port}#dns.test"'))
    before = unbound.stats()
    assert dig(d.port, "h1.fwd.test").status == "SERVFAIL"
    d.wait_log(r"DoT upstream 127\.0\.0\.1:\d+#dns\.test: certificate verify failed: unable to get local issuer")
    assert unbound.stats()["total.num.queries"] == before["total.num.queries"]
    d.stop()

    names = list(RECORDS)[:40]
    d = start_daemon(config(extra=f"""forward:
  upstreams: [{{address: "127.0.0.1:{unbound.tls_port}", tls: {{server_name: dns.test, ca_file: {pki.ca_cert}}}}}]
metrics: 127.0.0.1:0
""").replace("workers: 2", "workers: 1"))
    before, m = forward_all(d, unbound, names, "num.query.tls", "DoT")
    # Pipelined: one worker, forty queries, and Unbound closes idle connections after a second,
    # so far fewer handshakes than queries.
    handshakes = m['vpcdnsd_upstream_tls_handshakes_total{resumed="false"}'] + m['vpcdnsd_upstream_tls_handshakes_total{resumed="true"}']
    assert 1 <= handshakes < len(names) / 2, m

    # Unbound closes the connection after a second idle; the next one resumes the TLS session.
    def resumed():
        dig(d.port, f"h{41 + int(time.monotonic()) % 20}.fwd.test", "A", "+notcp", "+norecurse")
        return unbound.stats()["num.query.tls.resume"] > before.get("num.query.tls.resume", 0)
    wait_for(resumed, timeout=20, interval=1.2, what="a resumed TLS session")
    wait_for(lambda: metrics(d)['vpcdnsd_upstream_tls_handshakes_total{resumed="true"}'] >= 1, what="resumption counted")


def test_wrong_name_or_pin_is_servfail_with_a_reason_and_no_plain_fallback(start_daemon, unbound, pki):
    pin = spki_pin(unbound.cert)
    wrong_pin = spki_pin(pki.issue("other.test", ["DNS:other.test"])[0])
    d = start_daemon(config(extra=f"""forward:
  upstreams: []
  rules:
    - domain: named.test
      upstreams: [{{address: "127.0.0.1:{unbound.tls_port}", tls: {{server_name: wrong.test, ca_file: {pki.ca_cert}}}}}]
    - domain: pinned.test
      upstreams: [{{address: "127.0.0.1:{unbound.tls_port}", tls: {{spki_pins: ["{wrong_pin}"]}}}}]
    - domain: fwd.test
      upstreams: [{{address: "127.0.0.1:{unbound.tls_port}", tls: {{spki_pins: ["sha256/{pin}"]}}}}]
metrics: 127.0.0.1:0
"""))
    before = unbound.stats()
    assert dig(d.port, "x.named.test").status == "SERVFAIL"
    d.wait_log(r"DoT upstream 127\.0\.0\.1:\d+#wrong\.test: certificate verify failed: hostname mismatch; no plain DNS is sent")
    assert dig(d.port, "x.pinned.test").status == "SERVFAIL"
    d.wait_log(r"DoT upstream 127\.0\.0\.1:\d+: the server's key \(pin-sha256 " + re.escape(pin) + r"\) matches no spki_pins entry")
    # The right pin alone authenticates (RFC 7858 §4.2), with no name to check.
    assert dig(d.port, "h7.fwd.test").rdata("A") == ["192.0.2.7"]
    after = unbound.stats()
    assert after["total.num.queries"] - before["total.num.queries"] == 1  # only the pinned, good one
    m = metrics_when(d, lambda m: m["vpcdnsd_upstream_tls_failures_total"] >= 2, "the failed connections in the metrics")
    assert m['vpcdnsd_upstream_queries_total{transport="Do53-UDP"}'] == 0
    assert m['vpcdnsd_upstream_queries_total{transport="Do53-TCP"}'] == 0


def dot_config(tmp_path, cert, key, extra=""):
    zone = tmp_path / "internal.corp.zone"
    zone.write_text(ZONES_DIR_ZONE)
    return config(zones=f"zones: [{{file: {zone}, origin: internal.corp}}]\n", endpoints=SEED_ENDPOINT,
                  extra=f"tls: {{cert_file: {cert}, key_file: {key}}}\nmetrics: 127.0.0.1:0\n{extra}") \
        .replace('listen: ["127.0.0.1:0"]', 'listen: ["127.0.0.1:0", "tls://127.0.0.1:0"]')


def test_dot_listener_answers_kdig_and_dig(start_daemon, tmp_path, pki, unbound):
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
    log = tmp_path / "queries.log"
    d = start_daemon(dot_config(tmp_path, cert, key, f"""forward:
  upstreams: ["tls://127.0.0.1:{unbound.tls_port}#dns.test"]
  rules: [{{domain: fwd.test, upstreams: [{{address: "127.0.0.1:{unbound.tls_port}", tls: {{server_name: dns.test, ca_file: {pki.ca_cert}}}}}]}}]
query_log: {log}
"""))
    port = dot_port(d)
    tls = (f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    cases = [("web.internal.corp", ["10.0.0.80"]),
             ("abcdef1234.execute-api.us-east-1.amazonaws.com", ["10.0.1.15", "10.0.2.27"]),
             ("h9.fwd.test", ["192.0.2.9"])]
    for name, expected in cases:
        status, answers, text = kdig(port, name, "A", *tls)
        assert status == "NOERROR" and answers == expected, text
    # BIND's dig speaks DoT too (9.18: +tls, with +tls-ca and +tls-hostname to verify).
    answer = dig(port, "h10.fwd.test", "A", "+tls", f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    assert answer.rdata("A") == ["192.0.2.10"], answer
    # A client that checks for another name is refused by its own side: the certificate is ours.
    status, _, text = kdig(port, "web.internal.corp", "A", f"+tls-ca={pki.ca_cert}", "+tls-hostname=other.test")
    assert status is None, text
    # Pipelined: many queries on one connection, answered out of order or not, each to its ID.
    with ssl_connection(port, pki.ca_cert, "resolver.test") as c:
        for i in range(1, 21):
            msg = query(f"h{i}.fwd.test", qid=i)
            c.sendall(len(msg).to_bytes(2, "big") + msg)
        ids = sorted(int.from_bytes(read_frame(c)[:2], "big") for _ in range(20))
        assert ids == list(range(1, 21))
    m = metrics_when(d, lambda m: m['vpcdnsd_queries_total{transport="DoT"}'] >= 24, "DoT queries counted")
    assert m['vpcdnsd_queries_total{transport="Do53-UDP"}'] == 0
    lines = wait_for(lambda: [json.loads(l) for l in log.read_text().splitlines()] if log.exists() and
                     len(log.read_text().splitlines()) >= 24 else None, what="the query log")
    assert {line["transport"] for line in lines} == {"DoT"}
    # An answer from upstream says how it was asked there; the others do not.
    upstream = [line for line in lines if line["resolved_by"] == "upstream"]
    assert upstream and {line["upstream_transport"] for line in upstream} == {"DoT"}
    assert all("upstream_transport" not in line for line in lines if line["resolved_by"] != "upstream")


def test_a_view_bound_to_the_dot_listener_answers_there_alone(start_daemon, tmp_path, pki):
    """views[].listen naming a tls:// listener binds that listener to the view (no plain listener
    is bound beside it on its port); the plain listener answers as the clients' view."""
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
    for view, address in (("outside", "10.9.0.1"), ("inside", "10.8.0.1")):
        (tmp_path / f"{view}.zone").write_text(ZONES_DIR_ZONE.replace("10.0.0.80", address))
    port = free_port()
    d = start_daemon(config(
        listen="127.0.0.1:0", zones=f"""zones:
  - {{name: outside-internal, file: {tmp_path}/outside.zone, origin: internal.corp}}
  - {{name: inside-internal, file: {tmp_path}/inside.zone, origin: internal.corp}}
""", extra=f"""tls: {{cert_file: {cert}, key_file: {key}}}
views:
  - {{name: outside, clients: [127.0.0.0/8], zones: [outside-internal]}}
  - {{name: inside, listen: ["127.0.0.1:{port}"], zones: [inside-internal]}}
""").replace('listen: ["127.0.0.1:0"]', f'listen: ["127.0.0.1:0", "tls://127.0.0.1:{port}"]'))
    assert dot_port(d) == port
    plain = re.findall(r"listening tcp=(\S+)", d.log_path.read_text())  # logged before the DoT line
    assert plain and f"127.0.0.1:{port}" not in plain, f"a plain listener shares the DoT listener's port: {plain}"
    tls = (f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    for _ in range(8):  # new connections each: with a plain socket on the port, some would land there
        status, answers, text = kdig(port, "web.internal.corp", "A", *tls)
        assert status == "NOERROR" and answers == ["10.8.0.1"], text
    assert dig(d.port, "web.internal.corp").rdata("A") == ["10.9.0.1"]


def ssl_connection(port, ca, name):
    context = ssl.create_default_context(cafile=str(ca))
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return context.wrap_socket(raw, server_hostname=name)


def read_frame(c):
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = c.recv(n - len(data))
            assert chunk, "connection closed"
            data += chunk
        return data
    return exact(int.from_bytes(exact(2), "big"))


def served_certificate(port):
    return ssl.get_server_certificate(("127.0.0.1", port), timeout=5)


def test_a_renewed_certificate_is_served_after_sighup_and_a_broken_one_keeps_the_old(start_daemon, tmp_path, pki):
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test"], stem="live")
    d = start_daemon(doh_config(tmp_path, cert, key))
    port, https = dot_port(d), doh_port(d)
    first = served_certificate(port)
    assert served_certificate(https) == first
    assert ssl.PEM_cert_to_DER_cert(first) == ssl.PEM_cert_to_DER_cert(cert.read_text())
    renewed_cert, renewed_key = pki.issue("resolver.test", ["DNS:resolver.test"], stem="renewed")
    cert.write_text(renewed_cert.read_text())
    key.write_text(renewed_key.read_text())
    d.signal(signal.SIGHUP)
    d.wait_log(r"reload ok")
    wait_for(lambda: served_certificate(port) != first, what="the renewed certificate")
    assert ssl.PEM_cert_to_DER_cert(served_certificate(port)) == ssl.PEM_cert_to_DER_cert(renewed_cert.read_text())
    assert ssl.PEM_cert_to_DER_cert(served_certificate(https)) == ssl.PEM_cert_to_DER_cert(renewed_cert.read_text())
    status, answers, text = kdig(port, "web.internal.corp", "A", f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    assert answers == ["10.0.0.80"], text
    status, answers, text = kdig(https, "web.internal.corp", "A", "+https", f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    assert answers == ["10.0.0.80"], text

    key.write_text("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n")
    failures = d.text().count("reload failed")
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.text().count("reload failed") > failures, what="the failed reload")
    assert re.search(re.escape(str(key)) + r": cannot use the private key", d.text())
    assert "broken" not in d.text()
    assert ssl.PEM_cert_to_DER_cert(served_certificate(port)) == ssl.PEM_cert_to_DER_cert(renewed_cert.read_text())
    assert ssl.PEM_cert_to_DER_cert(served_certificate(https)) == ssl.PEM_cert_to_DER_cert(renewed_cert.read_text())


def test_an_unchanged_key_only_root_reads_survives_reloads_under_user(start_daemon, tmp_path, pki):
    """With user:, reloads run as that user. A certificate and key unchanged since they were read
    are not read again, so a key only root may read (0600) does not fail every reload."""
    import os
    import shutil
    import tempfile
    from pathlib import Path
    public = Path(tempfile.mkdtemp(dir="/tmp"))  # searchable by nobody, unlike tmp_path
    try:
        os.chmod(public, 0o755)
        cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
        shutil.copy(cert, public / "tls.crt")
        shutil.copy(key, public / "tls.key")
        os.chmod(public / "tls.key", 0o600)
        (public / "vpcdnsd.yaml").write_text(dot_config(public, public / "tls.crt", public / "tls.key", "user: nobody\n"))
        for name in ("tls.crt", "vpcdnsd.yaml", "internal.corp.zone"):
            os.chmod(public / name, 0o644)
        d = start_daemon(args=["--config", str(public / "vpcdnsd.yaml")])
        port = dot_port(d)
        # A file changed in the last 2 s is read again whatever its stamp says (FileStamp.isRecent).
        wait_for(lambda: time.time() - max(os.stat(public / n).st_ctime for n in ("tls.crt", "tls.key")) > 2.2,
                 timeout=5, what="the pair to be 2 s old")
        d.signal(signal.SIGHUP)
        d.wait_log(r"reload ok")
        assert "reload failed" not in d.text(), d.text()
        status, answers, text = kdig(port, "web.internal.corp", "A", f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
        assert answers == ["10.0.0.80"], text
    finally:
        shutil.rmtree(public)


def test_listener_limits_cut_off_stalled_crowding_and_trickling_clients(start_daemon, tmp_path, pki):
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test"])
    d = start_daemon(dot_config(tmp_path, cert, key,
                                "tls: {cert_file: %s, key_file: %s, handshake_timeout: 1s, idle_timeout: 1s, max_connections: 1000}\n" % (cert, key))
                     .replace(f"tls: {{cert_file: {cert}, key_file: {key}}}\n", ""))
    port = dot_port(d)
    tls = (f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")

    # 500 connections that never send a ClientHello: all cut off at the handshake timeout, and a
    # normal client is answered meanwhile.
    started = time.monotonic()
    stalled = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(500)]
    status, answers, text = kdig(port, "web.internal.corp", "A", *tls)
    assert answers == ["10.0.0.80"], text
    open_ = set(stalled)
    deadline = time.monotonic() + 10
    while open_ and time.monotonic() < deadline:
        readable, _, _ = select.select(list(open_)[:500], [], [], 0.5)
        for s in readable:
            try:
                if s.recv(1) == b"":
                    open_.discard(s)
            except OSError:
                open_.discard(s)
    all_closed = time.monotonic() - started
    for s in stalled:
        s.close()
    assert not open_, f"{len(open_)} stalled connections still open"
    assert all_closed < 5, all_closed
    m = metrics_when(d, lambda m: m["vpcdnsd_tls_handshake_timeouts_total"] >= 500, "the handshake timeouts counted")

    # Clients that close the moment their handshake is done (while the server still writes its
    # session tickets) cost a write each, not the process (SIGPIPE).
    for _ in range(50):
        ssl_connection(port, pki.ca_cert, "resolver.test").close()
    assert d.process.poll() is None
    status, answers, text = kdig(port, "web.internal.corp", "A", *tls)
    assert answers == ["10.0.0.80"], text

    # A ClientHello one byte a second: cut off at the handshake timeout, long before it is sent.
    hello = client_hello()
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    sent, t0 = 0, time.monotonic()
    while sent < len(hello) and not peer_closed_within(c, 1.0):
        try:
            c.sendall(hello[sent:sent + 1])
        except OSError:
            break
        sent += 1
    trickle_cut, hello_sent = time.monotonic() - t0, sent
    c.close()
    assert hello_sent < 5 and trickle_cut < 3.5, (hello_sent, trickle_cut)

    # After the handshake, a query one byte a second: cut off at the idle timeout.
    with ssl_connection(port, pki.ca_cert, "resolver.test") as s:
        msg = query("web.internal.corp")
        frame = len(msg).to_bytes(2, "big") + msg
        sent, t0 = 0, time.monotonic()
        try:
            while sent < len(frame):
                s.sendall(frame[sent:sent + 1])
                sent += 1
                s.settimeout(1.0)
                try:
                    if s.recv(1) == b"":
                        break
                except socket.timeout:
                    pass
        except (OSError, ssl.SSLError):
            pass
        message_cut = time.monotonic() - t0
    assert sent < len(frame) and message_cut < 4.5, (sent, message_cut)
    status, answers, text = kdig(port, "web.internal.corp", "A", *tls)
    assert answers == ["10.0.0.80"], text
    report(test="dot_listener_limits", stalled_handshakes=500, all_cut_off_s=round(all_closed, 2),
           handshake_timeouts=m["vpcdnsd_tls_handshake_timeouts_total"], hello_bytes_before_cut=hello_sent, hello_bytes=len(hello), message_bytes_before_cut=sent,
           hello_trickle_cut_s=round(trickle_cut, 2), message_trickle_cut_s=round(message_cut, 2))


def client_hello():
    """A real TLS ClientHello, from Python's ssl through memory BIOs."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="resolver.test")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def peer_closed_within(c, seconds):
    readable, _, _ = select.select([c], [], [], seconds)
    if not readable:
        return False
    try:
        return c.recv(1) == b""
    except OSError:
        return True


# DNS over HTTPS


def test_forwards_over_https_and_never_in_clear(start_daemon, unbound, pki):
    names = list(RECORDS)[:30]
    d = start_daemon(config(extra=f"""forward:
  upstreams: []
  rules:
    - domain: fwd.test
      upstreams: [{{url: "https://dns.test:{unbound.https_port}/dns-query", address: "127.0.0.1:{unbound.https_port}", tls: {{ca_file: {pki.ca_cert}}}}}]
    - domain: short.test
      upstreams: ["https://dns.test:{unbound.https_port}/dns-query#127.0.0.1"]
metrics: 127.0.0.1:0
"""))
    forward_all(d, unbound, names, "num.query.https", "DoH")
    after = unbound.stats()
    # The URL form trusts the system store, which does not hold the test CA: refused, and said.
    assert dig(d.port, "x.short.test").status == "SERVFAIL"
    d.wait_log(r"DoH upstream 127\.0\.0\.1:\d+#dns\.test: certificate verify failed")
    assert unbound.stats()["total.num.queries"] == after["total.num.queries"]


def doh_config(tmp_path, cert, key, extra=""):
    return dot_config(tmp_path, cert, key, extra).replace(
        '"tls://127.0.0.1:0"]', '"tls://127.0.0.1:0", "https://127.0.0.1:0/dns-query"]')


def doh_port(daemon):
    return int(daemon.wait_log(r"listening doh=https://127\.0\.0\.1:(\d+)/dns-query").group(1))


def https_request(port, ca, method, target, body=b"", headers=None):
    """One HTTP/1.1 request over TLS (Python's http.client): (status, headers, body)."""
    import http.client
    context = ssl.create_default_context(cafile=str(ca))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    connection._context.check_hostname = False  # the certificate names resolver.test; the chain is still checked
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    result = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    connection.close()
    return result


def test_doh_listener_answers_kdig_dig_and_http1(start_daemon, tmp_path, pki, unbound):
    import base64
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
    d = start_daemon(doh_config(tmp_path, cert, key, f"""forward:
  upstreams: []
  rules: [{{domain: fwd.test, upstreams: ["tls://127.0.0.1:{unbound.tls_port}#dns.test"]}}]
""").replace("tls: {", f"tls: {{").replace(f'"tls://127.0.0.1:{unbound.tls_port}#dns.test"',
             f'{{address: "127.0.0.1:{unbound.tls_port}", tls: {{server_name: dns.test, ca_file: {pki.ca_cert}}}}}'))
    port = doh_port(d)
    tls = (f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    cases = [("web.internal.corp", ["10.0.0.80"]),
             ("abcdef1234.execute-api.us-east-1.amazonaws.com", ["10.0.1.15", "10.0.2.27"]),
             ("h11.fwd.test", ["192.0.2.11"])]
    for method in ("+https", "+https-get"):  # POST and GET over HTTP/2
        for name, expected in cases:
            status, answers, text = kdig(port, name, "A", method, *tls)
            assert status == "NOERROR" and answers == expected, text
    for method in ("+https", "+https-get"):  # BIND's dig: HTTP/2 as well
        answer = dig(port, "h12.fwd.test", "A", method, f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
        assert answer.rdata("A") == ["192.0.2.12"], answer

    # HTTP/1.1 (a client that does not offer h2): GET with dns= and POST, then the refusals.
    message = query("web.internal.corp", qid=0)
    encoded = base64.urlsafe_b64encode(message).rstrip(b"=").decode()
    status, headers, body = https_request(port, pki.ca_cert, "GET", f"/dns-query?dns={encoded}")
    assert status == 200 and headers["content-type"] == "application/dns-message", (status, headers)
    assert headers["cache-control"] == "max-age=300" and body[:2] == b"\0\0" and body[3] & 0x0F == 0
    assert b"\x0a\x00\x00\x50" in body  # 10.0.0.80
    status, headers, body = https_request(port, pki.ca_cert, "POST", "/dns-query", message,
                                          {"content-type": "application/dns-message"})
    assert status == 200 and b"\x0a\x00\x00\x50" in body
    assert https_request(port, pki.ca_cert, "GET", "/other?dns=" + encoded)[0] == 404
    assert https_request(port, pki.ca_cert, "POST", "/dns-query", message, {"content-type": "text/plain"})[0] == 415
    assert https_request(port, pki.ca_cert, "PUT", "/dns-query", message, {"content-type": "application/dns-message"})[0] == 405
    assert https_request(port, pki.ca_cert, "GET", "/dns-query?dns=***")[0] == 400
    assert https_request(port, pki.ca_cert, "GET", "/dns-query")[0] == 400
    m = metrics_when(d, lambda m: m['vpcdnsd_queries_total{transport="DoH"}'] >= 10, "DoH queries counted")
    assert m['vpcdnsd_queries_total{transport="Do53-UDP"}'] == 0 and m['vpcdnsd_queries_total{transport="DoT"}'] == 0


def h2_frame(kind, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def hpack_literal(name, value):
    """A literal header field without indexing, new name, no Huffman (RFC 7541 §6.2.2)."""
    def string(s):
        assert len(s) < 127
        return bytes([len(s)]) + s
    return b"\x00" + string(name) + string(value)


def test_doh_cuts_off_a_client_opening_a_thousand_streams(start_daemon, tmp_path, pki, scripted):
    import base64
    scripted.set("held.test", "silent")  # every stream stays open until the deadline's SERVFAIL
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
    d = start_daemon(doh_config(tmp_path, cert, key, f"""workers: 1
forward: {{upstreams: ["{scripted.address}"], deadline: 2s}}
""").replace("workers: 2\n", "").replace(f"tls: {{cert_file: {cert}, key_file: {key}}}",
                                         f"tls: {{cert_file: {cert}, key_file: {key}, max_streams: 50}}"))
    port = doh_port(d)
    encoded = base64.urlsafe_b64encode(query("held.test", qid=0)).rstrip(b"=")
    block = (hpack_literal(b":method", b"GET") + hpack_literal(b":scheme", b"https")
             + hpack_literal(b":authority", b"resolver.test") + hpack_literal(b":path", b"/dns-query?dns=" + encoded))
    requests = b"".join(h2_frame(1, 0x5, 2 * i + 1, block) for i in range(1000))  # END_STREAM | END_HEADERS

    # Before acknowledging the server's SETTINGS: streams past the limit are refused one by one
    # (RST_STREAM REFUSED_STREAM), the 50 admitted ones answered (SERVFAIL at the deadline).
    frames, closed = h2_exchange(port, pki.ca_cert, h2_frame(4, 0, 0) + requests, until=1000)
    answered = sum(1 for kind, _ in frames if kind == 1)
    refused = sum(1 for kind, payload in frames if kind == 3 and int.from_bytes(payload[:4], "big") == 7)
    assert answered == 50 and refused == 950, (answered, refused, closed)

    # Having acknowledged them, a client past the limit breaks the protocol: GOAWAY
    # (PROTOCOL_ERROR) and the connection is closed (RFC 9113 §5.1.2).
    frames, closed = h2_exchange(port, pki.ca_cert, h2_frame(4, 0, 0) + h2_frame(4, 1, 0) + requests, until=None)
    goaway = [int.from_bytes(payload[4:8], "big") for kind, payload in frames if kind == 7]
    assert goaway == [1] and closed, (goaway, closed)
    status, answers, text = kdig(port, "web.internal.corp", "A", "+https", f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    assert answers == ["10.0.0.80"], text
    report(test="doh_thousand_streams", max_streams=50, requests_sent=1000, answered=answered, refused=refused,
           acknowledged_settings_goaway=goaway[0])


def h2_exchange(port, ca, frames, until):
    """Sends the HTTP/2 preface and `frames` over TLS with ALPN h2, and reads frames back until
    `until` streams have ended, the connection closes, or 10 s: ([(type, payload)], closed)."""
    context = ssl.create_default_context(cafile=str(ca))
    context.set_alpn_protocols(["h2"])
    c = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5), server_hostname="resolver.test")
    assert c.selected_alpn_protocol() == "h2"
    try:
        c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frames)
    except (OSError, ssl.SSLError):
        pass  # cut off while still sending
    received, buffer, closed, ended = [], b"", False, 0
    c.settimeout(0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (until is None or ended < until):
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            chunk = b""
        if not chunk:
            closed = True
            break
        buffer += chunk
        while len(buffer) >= 9 and len(buffer) >= 9 + int.from_bytes(buffer[:3], "big"):
            length = int.from_bytes(buffer[:3], "big")
            kind, payload = buffer[3], buffer[9:9 + length]
            buffer = buffer[9 + length:]
            received.append((kind, payload))
            if kind in (1, 3):
                ended += 1
    c.close()
    return received, closed


def test_views_and_allow_query_apply_to_encrypted_listeners(start_daemon, tmp_path, pki):
    """A DoT or DoH client is admitted, and given its view, by its address as over UDP."""
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
    zones = "zones:\n"
    for v, name in ((1, "blue"), (2, "green")):
        (tmp_path / f"{name}.zone").write_text(ZONES_DIR_ZONE.replace("10.0.0.80", f"10.{v}.0.80"))
        zones += f"  - {{name: {name}, file: {tmp_path / name}.zone, origin: internal.corp}}\n"
    d = start_daemon(config(zones=zones, extra=f"""tls: {{cert_file: {cert}, key_file: {key}}}
allow_query: [127.0.1.0/24, 127.0.2.0/24, 127.0.4.0/24]
views:
  - {{name: blue, clients: [127.0.1.0/24], zones: [blue]}}
  - {{name: green, clients: [127.0.2.0/24], zones: [green]}}
""").replace('listen: ["127.0.0.1:0"]', 'listen: ["127.0.0.1:0", "tls://127.0.0.1:0", "https://127.0.0.1:0/dns-query"]'))
    dot, doh = dot_port(d), doh_port(d)
    tls = (f"+tls-ca={pki.ca_cert}", "+tls-hostname=resolver.test")
    for port, transport in ((dot, "+tls"), (doh, "+https")):
        for source, expected in (("127.0.1.9", ["10.1.0.80"]), ("127.0.2.9", ["10.2.0.80"])):
            status, answers, text = kdig(port, "web.internal.corp", "A", transport, *tls, "-b", source)
            assert status == "NOERROR" and answers == expected, text
        # Allowed but in no view, and not allowed at all: REFUSED either way, as over UDP.
        for source in ("127.0.4.9", "127.0.3.9"):
            status, answers, text = kdig(port, "web.internal.corp", "A", transport, *tls, "-b", source)
            assert status == "REFUSED" and answers == [], text


def test_failover_between_encrypted_upstreams(start_daemon, unbound, pki):
    """Health and failover as for plain upstreams: a DoT upstream that refuses connections is
    marked down and the next (a DoH one) answers; no query is lost."""
    from upstreams import free_port
    dead = free_port()
    d = start_daemon(config(extra=f"""forward:
  upstreams:
    - {{address: "127.0.0.1:{dead}", tls: {{server_name: dns.test, ca_file: {pki.ca_cert}}}}}
    - {{url: "https://dns.test:{unbound.https_port}/dns-query", address: "127.0.0.1", tls: {{ca_file: {pki.ca_cert}}}}}
metrics: 127.0.0.1:0
"""))
    for name in list(RECORDS)[:10]:
        assert dig(d.port, name).rdata("A") == [RECORDS[name]]
    up = f'vpcdnsd_upstream_up{{upstream="tls://127.0.0.1:{dead}#dns.test"}}'
    # Each worker publishes its counters once a second: wait for both facts together.
    m = metrics_when(d, lambda m: m.get(up) == 0 and m['vpcdnsd_upstream_queries_total{transport="DoH"}'] >= 10,
                     "the dead upstream marked down and the DoH answers counted")
    assert m[f'vpcdnsd_upstream_up{{upstream="https://dns.test:{unbound.https_port}/dns-query#127.0.0.1:{unbound.https_port}"}}'] == 1
    d.wait_log(rf"DoT upstream 127\.0\.0\.1:{dead}#dns\.test: .*(refused|failed)")


def test_doh_upstream_resends_streams_a_server_refuses(start_daemon, tmp_path, pki):
    """vpcdnsd forwarding over DoH to another vpcdnsd that takes 2 streams at a time: a burst of
    40 distinct questions on one connection, the streams past the limit refused before the
    server's SETTINGS arrive (REFUSED_STREAM) and sent again; every question is answered."""
    import concurrent.futures
    cert, key = pki.issue("resolver.test", ["DNS:resolver.test", "IP:127.0.0.1"])
    zone = tmp_path / "burst.test.zone"
    zone.write_text("$TTL 60\n@ SOA ns hostmaster 1 7200 900 1209600 60\n@ NS ns\nns A 10.0.0.1\n"
                    + "".join(f"n{i} A 10.7.0.{i}\n" for i in range(40)))
    server_dir = tmp_path / "server"
    server_dir.mkdir()
    server = start_daemon(config(zones=f"zones: [{{file: {zone}, origin: burst.test}}]\n",
                                 extra=f"tls: {{cert_file: {cert}, key_file: {key}, max_streams: 2}}\n")
                          .replace('listen: ["127.0.0.1:0"]', 'listen: ["127.0.0.1:0", "https://127.0.0.1:0/dns-query"]')
                          .replace("workers: 2", "workers: 1"))
    port = doh_port(server)
    (tmp_path / "client.yaml").write_text(config(extra=f"""forward:
  upstreams: [{{url: "https://resolver.test:{port}/dns-query", address: "127.0.0.1", tls: {{ca_file: {pki.ca_cert}}}}}]
  deadline: 5s
metrics: 127.0.0.1:0
""").replace("workers: 2", "workers: 1"))
    client = start_daemon(args=["--config", str(tmp_path / "client.yaml")])
    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(lambda i: dig(client.port, f"n{i}.burst.test").rdata("A"), range(40)))
    assert answers == [[f"10.7.0.{i}"] for i in range(40)], answers
    m = metrics_when(client, lambda m: m['vpcdnsd_upstream_queries_total{transport="DoH"}'] >= 40, "the DoH queries")
    assert m["vpcdnsd_upstream_failures_total"] == 0
