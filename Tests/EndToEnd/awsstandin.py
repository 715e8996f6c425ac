# SPDX-License-Identifier: Apache-2.0
"""The AWS stand-ins of the end-to-end tests: moto_server on loopback with the real aws CLI, and a
fault proxy in front of it that answers as AWS does when it throttles, fails, refuses the
credentials or cuts a response off."""
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.request

from conftest import wait_for
from upstreams import free_port, stop_process


class Moto:
    """moto_server on a loopback port, and the real aws CLI pointed at it."""

    def __init__(self, tmp_path):
        assert shutil.which("moto_server") and shutil.which("aws"), "moto[server] and awscli are installed by make test"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp_path / "moto.log", "w")
        self.process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        # Credentials and config of the test's own: never the machine's, never a real account.
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_CONFIG_FILE": str(tmp_path / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-creds")}

        def up():
            assert self.process.poll() is None, (tmp_path / "moto.log").read_text()
            try:
                return urllib.request.urlopen(self.url + "/moto-api/", timeout=1).status == 200
            except OSError:
                return False
        wait_for(up, timeout=30, what="moto_server")

    def aws(self, *args):
        result = subprocess.run(["aws", "--endpoint-url", self.url, "--output", "json", *args], env=self.env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else None

    def stop(self):
        stop_process(self.process)
        self.log.close()


# The error bodies AWS sends, in each API's shape (EC2's <Response><Errors>, Route 53's <ErrorResponse>).
EC2_ERROR = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
             '<Message>{message}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>')
ROUTE53_ERROR = ('<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error>'
                 '<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>'
                 '<RequestId>ea966190-f9aa-478e-9ede-example</RequestId></ErrorResponse>')
FAULTS = {
    # mode: (status, EC2 code, Route 53 code, message)
    "throttle": (400, "RequestLimitExceeded", "Throttling", "Rate exceeded"),
    "server": (500, "InternalError", "InternalFailure", "An internal error has occurred"),
    "auth": (403, "AuthFailure", "InvalidClientTokenId", "AWS was not able to validate the provided access credentials"),
}


class FaultProxy:
    """An HTTP proxy on loopback in front of moto. `mode` is "pass" (forward), a key of FAULTS
    (answer that error, as AWS does), "cut" (a 200 whose body stops halfway and the connection
    closes) or "down" (close at once). It also repairs one shape moto gets wrong: moto gives an SOA
    value as a Python dict's text (`{'Value': '...'}`), where Route 53 gives the text itself
    (Tests/Fixtures/route53/corp.json has the real shape)."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.mode = "pass"
        self.requests = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.handle(self, "GET")

            def do_POST(self):
                proxy.handle(self, "POST")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def calls(self, name):
        """How many requests named `name` (an EC2 Action or a Route 53 path part) came."""
        return sum(1 for r in list(self.requests) if name in r)

    def handle(self, request, method):
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        route53 = request.path.startswith("/2013-04-01/")
        action = re.search(r"Action=(\w+)", body.decode(errors="replace"))
        self.requests.append(request.path if route53 else (action.group(1) if action else "?"))
        mode = self.mode
        if mode == "down":
            request.close_connection = True
            request.connection.shutdown(2)
            return
        if mode in FAULTS:
            status, ec2_code, route53_code, message = FAULTS[mode]
            text = (ROUTE53_ERROR if route53 else EC2_ERROR).format(code=route53_code if route53 else ec2_code, message=message)
            return self.reply(request, status, text.encode())
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=30)
        try:
            upstream.request(method, request.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        except OSError:  # moto stopped: the client sees its connection closed, as with "down"
            request.close_connection = True
            request.connection.shutdown(2)
            return
        finally:
            upstream.close()
        if route53 and b"<Type>SOA</Type>" in data:
            data = re.sub(rb"<Value>\{'Value': '([^']*)'\}</Value>", rb"<Value>\1</Value>", data)
        if mode == "cut":
            request.send_response(response.status)
            request.send_header("Content-Type", "text/xml")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data[: len(data) // 2])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(2)
            return
        self.reply(request, response.status, data)

    @staticmethod
    def reply(request, status, data):
        request.send_response(status)
        request.send_header("Content-Type", "text/xml")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
