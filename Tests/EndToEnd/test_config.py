# SPDX-License-Identifier: Apache-2.0
"""Bad configuration is reported precisely, all at once, and stops start-up."""
import subprocess

from conftest import BINARY, ROOT, config, dig

BROKEN = """listen:
  - 127.0.0.1:0
workers: 2
forward: {upstreams: []}
zones:
  - file: broken.zone
    origin: broken.test
endpoints:
  - id: vpce-0123456789abcdef0
    dns_suffix: abcd1234
    service: com.amazonaws.us-east-1.execute-api
    colour: blue
    enis:
      - az: us-east-1a
        ipv4: 10.0.1
"""


def test_check_reports_every_mistake(tmp_path):
    (tmp_path / "broken.zone").write_text("$TTL 60\nok A 10.0.0.1\nbad A 10.0.0.300\n")
    path = tmp_path / "vpcdnsd.yaml"
    path.write_text(BROKEN)
    result = subprocess.run([str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{path}:12: unknown key \"colour\" in an endpoint (expected one of: id, dns_suffix, service, private_dns, "
        "private_dns_name, ip_type, enis)",
        f"{path}:15: expected an IPv4 address, found \"10.0.1\"",
        f"{tmp_path}/broken.zone:3:7: expected an IPv4 address, found \"10.0.0.300\"",
    ], result.stderr
    # Fix the config: the zone file's own mistake remains, with its file, line and column.
    path.write_text(BROKEN.replace("    colour: blue\n", "").replace("10.0.1\n", "10.0.1.15\n"))
    result = subprocess.run([str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert result.stderr.strip() == f"{tmp_path}/broken.zone:3:7: expected an IPv4 address, found \"10.0.0.300\""


def test_three_mistakes_in_check_and_at_start(tmp_path, start_daemon):
    (tmp_path / "broken.zone").write_text("$TTL 60\nok A 10.0.0.1\nbad A 10.0.0.300\n")
    text = BROKEN.replace("    colour: blue\n", "    ip_type: ipv5\n")
    path = tmp_path / "vpcdnsd.yaml"
    path.write_text(text)
    result = subprocess.run([str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3, result.stderr
    assert [e.split(": ")[0] for e in errors] == [f"{path}:12", f"{path}:15", f"{tmp_path}/broken.zone:3:7"]
    daemon = start_daemon(args=["--config", str(path)], wait=False)
    assert daemon.process.wait(timeout=30) == 1
    log = daemon.text()
    for e in errors:
        assert e in log, log
    assert "not starting" in log


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("listen:\n  - 127.0.0.1:0\nzones: [unclosed\n")
    result = subprocess.run([str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:4:"), result.stderr


def test_command_line_zone_without_a_config(tmp_path, start_daemon):
    zone = tmp_path / "lab.example.zone"
    zone.write_text("$TTL 120\nhost A 192.0.2.10\n")
    d = start_daemon(args=["--listen", "127.0.0.1:0", "--zone", str(zone), "--upstream", "127.0.0.1:9"])
    answer = dig(d.port, "host.lab.example")
    assert answer.rdata("A") == ["192.0.2.10"] and "aa" in answer.flags, answer
    zone2 = tmp_path / "other.zone"
    zone2.write_text("$TTL 120\nhost A 192.0.2.20\n")
    d2 = start_daemon(args=["--listen", "127.0.0.1:0", "--zone", f"{zone2}:named.example", "--upstream", "127.0.0.1:9"])
    assert dig(d2.port, "host.named.example").rdata("A") == ["192.0.2.20"]


def test_empty_config_checks_with_explicit_upstreams(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    result = subprocess.run([str(BINARY), "check", "--config", str(path), "--upstream", "127.0.0.1:9"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("ok:"), result


def test_no_usable_upstream_is_an_error(tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# only ourselves\nnameserver 127.0.0.1\n")
    path = tmp_path / "self.yaml"
    path.write_text(f"listen: [127.0.0.1:53]\nforward:\n  resolv_conf: {resolv}\n")
    result = subprocess.run([str(BINARY), "check", "--config", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"{path}:2: no usable upstream: every nameserver in {resolv} is vpcdnsd itself; "
                                     "set forward.upstreams (an empty list turns forwarding off)")


def test_example_config_checks():
    """config/vpcdnsd.yaml (what `make run` serves) is valid; upstreams given so resolv.conf is not read."""
    result = subprocess.run([str(BINARY), "check", "--config", str(ROOT / "config" / "vpcdnsd.yaml"),
                             "--upstream", "127.0.0.1:9"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 5 zones"), result.stdout
