# SPDX-License-Identifier: Apache-2.0
"""Encrypted-DNS peers for the end-to-end tests: certificates that `openssl` makes at test time,
a real Unbound serving DNS over TLS (and its stats, read with unbound-control), and kdig."""
import re
import shutil
import subprocess

from conftest import dig, wait_for
from upstreams import free_port, stop_process


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True, timeout=30).stdout


class PKI:
    """A test CA in `directory` that issues server certificates (P-256, two days)."""

    def __init__(self, directory, name="Test CA"):
        self.dir = directory
        self.dir.mkdir(exist_ok=True)
        self.ca_key = self.dir / f"{name.replace(' ', '-')}.key"
        self.ca_cert = self.dir / f"{name.replace(' ', '-')}.crt"
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", str(self.ca_key), "-out", str(self.ca_cert), "-days", "2", "-subj", f"/CN={name}")
        self.serial = 0

    def issue(self, name, sans, stem=None):
        """A certificate for `name` with subjectAltNames `sans` (DNS:…, IP:…): (cert, key) paths."""
        self.serial += 1
        stem = stem or f"{name}-{self.serial}"
        key, csr, cert, ext = (self.dir / f"{stem}.{x}" for x in ("key", "csr", "crt", "ext"))
        ext.write_text("subjectAltName=" + ",".join(sans) + "\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
                "-out", str(csr), "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", str(csr), "-CA", str(self.ca_cert), "-CAkey", str(self.ca_key),
                "-set_serial", str(1000 + self.serial), "-out", str(cert), "-days", "2", "-extfile", str(ext))
        return cert, key


def spki_pin(cert):
    """RFC 7469's pin-sha256 of a certificate's key: base64(SHA-256(DER SubjectPublicKeyInfo))."""
    public = openssl("x509", "-in", str(cert), "-pubkey", "-noout")
    der = openssl("pkey", "-pubin", "-outform", "der", stdin=public)
    digest = openssl("dgst", "-sha256", "-binary", stdin=der)
    return openssl("base64", "-A", stdin=digest).decode().strip()


class UnboundTLS:
    """A real Unbound from Debian on loopback: plain DNS on `port`, DNS over TLS on `tls_port`,
    DNS over HTTPS on `https_port` (Debian's build links nghttp2), answering `records`
    ({name: address}) from local data. Idle TLS connections are closed after `idle_ms` (so a
    test can see a client resume its session)."""

    def __init__(self, directory, cert, key, records, host="127.0.0.1", idle_ms=30000):
        assert shutil.which("unbound"), "unbound is not installed (make test installs it)"
        self.host, self.dir = host, directory
        self.dir.mkdir(exist_ok=True)
        self.port, self.tls_port, self.https_port = free_port(host), free_port(host), free_port(host)
        self.control_port = free_port(host)
        (self.dir / "ticket.key").write_bytes(bytes(range(80)))
        local = "\n".join(f'    local-data: "{name} 300 IN A {address}"' for name, address in records.items())
        zones = sorted({name.split(".", 1)[1] for name in records})
        local_zones = "\n".join(f'    local-zone: "{zone}" static' for zone in zones)
        self.conf = self.dir / "unbound.conf"
        self.conf.write_text(f"""server:
    interface: {host}@{self.port}
    interface: {host}@{self.tls_port}
    interface: {host}@{self.https_port}
    tls-port: {self.tls_port}
    https-port: {self.https_port}
    tls-service-key: "{key}"
    tls-service-pem: "{cert}"
    tls-session-ticket-keys: "{self.dir / 'ticket.key'}"
    tcp-idle-timeout: {idle_ms}
    do-ip6: no
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "{self.dir}"
    pidfile: "{self.dir}/unbound.pid"
    use-syslog: no
    logfile: "{self.dir}/unbound.log"
    verbosity: 1
    extended-statistics: yes
    module-config: "iterator"
{local_zones}
{local}
remote-control:
    control-enable: yes
    control-interface: {host}
    control-port: {self.control_port}
    control-use-cert: no
""")
        self.process = subprocess.Popen(["unbound", "-d", "-c", str(self.conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        first = next(iter(records))
        wait_for(lambda: self.process.poll() is not None or dig(self.port, first, server=host).status == "NOERROR",
                 timeout=20, what="unbound to answer")
        assert self.process.poll() is None, (self.dir / "unbound.log").read_text()

    def stats(self):
        """Unbound's counters (not reset by reading)."""
        out = subprocess.run(["unbound-control", "-c", str(self.conf), "stats_noreset"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
        return {k: float(v) for k, v in (line.split("=", 1) for line in out.splitlines() if "=" in line)}

    def stop(self):
        stop_process(self.process)


def kdig(port, name, rtype="A", *options, server="127.0.0.1"):
    """kdig (knot-dnsutils) with `options` (+tls…): (status, sorted answer data)."""
    argv = ["kdig", f"@{server}", "-p", str(port), name, rtype, "+retry=0", "+timeout=3", *options]
    text = subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout
    status = re.search(r"opcode: \w+; status: (\w+)", text)
    answers = sorted(line.split()[-1] for line in text.split(";; ANSWER SECTION:")[-1].splitlines()
                     if "ANSWER SECTION" in text and re.match(r"^\S+\s+\d+\s+IN\s+" + rtype + r"\s", line))
    return (status.group(1) if status else None), answers, text
