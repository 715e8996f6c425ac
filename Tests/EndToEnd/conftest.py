# SPDX-License-Identifier: Apache-2.0
"""End-to-end harness: starts the real vpcdnsd on 127.0.0.1 (kernel-chosen port) and queries it
with dig. Every process a test starts is stopped by PID at teardown."""
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("VPCDNSD", ROOT / ".build" / "debug" / "vpcdnsd"))


def wait_for(condition, timeout=10.0, interval=0.02, what="condition"):
    """Polls `condition` until it returns a truthy value; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Daemon:
    """One vpcdnsd process with its log file."""

    def __init__(self, tmp_path, args, env=None, preexec=None):
        self.log_path = tmp_path / f"vpcdnsd-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(BINARY), *args], stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, preexec_fn=preexec)
        self.port = None

    def text(self):
        return self.log_path.read_text()

    def wait_ready(self):
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"vpcdnsd exited with {self.process.returncode}:\n{self.text()}")
            return "ready:" in self.text()
        wait_for(ready, what="vpcdnsd to be ready")
        match = re.search(r"udp=\S+:(\d+)", self.text())
        assert match, self.text()
        self.port = int(match.group(1))
        return self

    def wait_log(self, pattern, timeout=10.0):
        return wait_for(lambda: re.search(pattern, self.text()), timeout=timeout, what=f"log line /{pattern}/")

    def signal(self, sig):
        self.process.send_signal(sig)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


class NotifySocket:
    """The service manager's end of NOTIFY_SOCKET."""

    def __init__(self, tmp_path):
        self.path = str(tmp_path / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages = []

    def poll(self):
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                return self.messages

    def wait_for(self, key, after=0, timeout=10):
        def seen():
            return next((i for i, m in enumerate(self.poll()) if i >= after and key in m.split("\n")), None)
        return wait_for(lambda: (lambda i: None if i is None else i + 1)(seen()), timeout=timeout, what=key) - 1


@pytest.fixture
def start_daemon(tmp_path):
    """Starts vpcdnsd with the given config text (written to tmp_path/vpcdnsd.yaml) or raw args;
    `preexec` runs in the child before the binary does."""
    started = []

    def start(config=None, args=(), wait=True, env=None, preexec=None):
        argv = list(args)
        if config is not None:
            path = tmp_path / "vpcdnsd.yaml"
            path.write_text(config)
            argv = ["--config", str(path), *argv]
        daemon = Daemon(tmp_path, argv, env, preexec)
        started.append(daemon)
        return daemon.wait_ready() if wait else daemon

    yield start
    for daemon in started:
        daemon.stop()


class Answer:
    """What dig printed, taken apart."""

    def __init__(self, text):
        self.text = text
        header = re.search(r"status: (\w+)", text)
        self.status = header.group(1) if header else None
        flags = re.search(r";; flags: ([a-z ]*);", text)
        self.flags = set(flags.group(1).split()) if flags else set()
        self.sections = {}
        current = None
        for line in text.splitlines():
            section = re.match(r";; (\w+) SECTION:", line)
            if section:
                current = section.group(1)
                self.sections[current] = []
            elif not line.strip() or line.startswith(";"):
                current = None if not line.strip() else current
            elif current:
                self.sections[current].append(line.split(None, 4))

    def records(self, section="ANSWER"):
        return self.sections.get(section, [])

    def rdata(self, rtype=None, section="ANSWER"):
        return sorted(r[4] for r in self.records(section) if rtype is None or r[3] == rtype)

    def __repr__(self):
        return self.text


def dig(port, name, rtype="A", *options, server="127.0.0.1", source=None):
    argv = ["dig", f"@{server}", "-p", str(port), name, rtype, "+tries=1", "+time=3", *options]
    if source:
        argv += ["-b", source]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    return Answer(result.stdout)


def config(zones="", endpoints="", extra="", listen="127.0.0.1:0", upstreams=()):
    """A config listening on a kernel-chosen loopback port with two workers. Upstreams are always
    explicit loopback addresses (none: forwarding off), never the machine's resolv.conf."""
    forward = ""
    if "forward:" not in extra:
        forward = "forward:\n  upstreams: [" + ", ".join(f'"{u}"' for u in upstreams) + "]\n"
    return f"listen: [\"{listen}\"]\nworkers: 2\n{zones}{endpoints}{forward}{extra}"


SEED_ENDPOINT = """
endpoints:
  - id: vpce-0123456789abcdef0
    dns_suffix: abcd1234
    service: com.amazonaws.us-east-1.execute-api
    private_dns: true
    enis:
      - az: us-east-1a
        ipv4: 10.0.1.15
      - az: us-east-1b
        ipv4: 10.0.2.27
"""


BIG = " ".join(f'"{chr(97 + i) * 200}"' for i in range(15))
UPSTREAM_ZONE = f"""$TTL 300
@       SOA   ns hostmaster 1 7200 900 1209600 120
@       NS    ns
ns      A     127.0.0.1
www     A     198.51.100.10
mail    A     198.51.100.25
big     TXT   {BIG}
"""


@pytest.fixture
def nsd(tmp_path):
    """A real NSD on loopback serving upstream.test."""
    from upstreams import NSD
    server = NSD(tmp_path, "upstream.test", UPSTREAM_ZONE)
    yield server
    server.stop()


@pytest.fixture
def scripted():
    """A scripted upstream on loopback (upstreams.ScriptedUpstream)."""
    from upstreams import ScriptedUpstream
    server = ScriptedUpstream()
    yield server
    server.stop()
