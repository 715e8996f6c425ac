# SPDX-License-Identifier: Apache-2.0
"""Health checks over HTTP and HTTPS (a self-signed certificate, as Route 53's checkers accept),
and `invert`: failover record sets follow what a real HTTP server on loopback answers."""
import http.server
import json
import ssl
import subprocess
import threading

import pytest

from conftest import config, dig, wait_for
from upstreams import free_port

INTERVAL = 1.0
THRESHOLD = 2


class StatusServer:
    """An HTTP(S) server on loopback answering every GET with `status`."""

    def __init__(self, tmp_path, tls=False):
        self.status = 200
        self.paths = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.paths.append(self.path)
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        if tls:
            key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                            str(cert), "-days", "1", "-subj", "/CN=db.corp.example"], check=True, capture_output=True)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def failover_pair(name, check, primary, secondary):
    return [
        {"Name": name, "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 5,
         "ResourceRecords": [{"Value": primary}], "HealthCheckId": check},
        {"Name": name, "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 5,
         "ResourceRecords": [{"Value": secondary}]},
    ]


@pytest.fixture
def servers(tmp_path):
    plain, secure = StatusServer(tmp_path), StatusServer(tmp_path, tls=True)
    yield plain, secure
    plain.stop()
    secure.stop()


def test_http_https_and_invert(servers, start_daemon, tmp_path):
    plain, secure = servers
    sets = (failover_pair("web.corp.example.", "hc-http", "10.0.0.1", "10.1.0.1")
            + failover_pair("api.corp.example.", "hc-https", "10.0.0.2", "10.1.0.2")
            + failover_pair("maint.corp.example.", "hc-invert", "10.0.0.3", "10.1.0.3"))
    (tmp_path / "corp.json").write_text(json.dumps({"ResourceRecordSets": sets}))
    checks = (
        "health_checks:\n"
        f"  hc-http: {{type: http, target: 'http://127.0.0.1:{plain.port}/health', interval: {INTERVAL}s, failure_threshold: {THRESHOLD}}}\n"
        f"  hc-https: {{type: https, target: 'https://127.0.0.1:{secure.port}/ready?deep=1', interval: {INTERVAL}s, failure_threshold: {THRESHOLD}}}\n"
        f"  hc-invert: {{type: http, target: 'http://127.0.0.1:{plain.port}/maintenance', interval: {INTERVAL}s, failure_threshold: 1, invert: true}}\n")
    d = start_daemon(config(zones="zones: [{file: corp.json, format: route53, origin: corp.example}]\n", extra=checks))

    def answer(name):
        return dig(d.port, name, "A").rdata("A")

    bound = INTERVAL * THRESHOLD + INTERVAL + 0.5
    # Both servers answer 200: the primaries; the inverted check fails while its target is up.
    wait_for(lambda: answer("web.corp.example") == ["10.0.0.1"], timeout=bound, what="web primary")
    wait_for(lambda: answer("api.corp.example") == ["10.0.0.2"], timeout=bound, what="api primary")
    wait_for(lambda: answer("maint.corp.example") == ["10.1.0.3"], timeout=bound, what="maint secondary (inverted)")
    assert "/health" in plain.paths and "/ready?deep=1" in secure.paths
    plain.status = 503
    secure.status = 500
    wait_for(lambda: answer("web.corp.example") == ["10.1.0.1"], timeout=bound, what="web secondary")
    wait_for(lambda: answer("api.corp.example") == ["10.1.0.2"], timeout=bound, what="api secondary")
    wait_for(lambda: answer("maint.corp.example") == ["10.0.0.3"], timeout=bound, what="maint primary (inverted)")
    d.wait_log(r"health check hc-http is unhealthy: status 503")
    d.wait_log(r"health check hc-https is unhealthy: status 500")
    secure.status = 302
    wait_for(lambda: answer("api.corp.example") == ["10.0.0.2"], timeout=bound, what="api primary again (3xx passes)")


def test_a_record_set_naming_an_unknown_check_does_not_start(start_daemon, tmp_path):
    (tmp_path / "corp.json").write_text(json.dumps({"ResourceRecordSets": failover_pair("db.corp.example.", "hc-9", "10.0.0.1", "10.1.0.1")}))
    d = start_daemon(config(zones="zones: [{file: corp.json, format: route53, origin: corp.example}]\n"), wait=False)
    assert d.process.wait(timeout=20) != 0
    assert 'record set 1 (db.corp.example. A): HealthCheckId "hc-9" is not in health_checks (none is configured)' in d.text()
