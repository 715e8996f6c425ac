# SPDX-License-Identifier: Apache-2.0
"""The man pages render cleanly, and vpcdnsd(8) describes every option the binary takes."""
import re
import subprocess

import pytest

from conftest import BINARY, ROOT

PAGES = ["man/vpcdnsd.8", "man/vpcdnsd.yaml.5"]


def render(page):
    """`man -l` with warnings on; the text without the overstrike bold (X backspace X)."""
    out = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", str(ROOT / page)], capture_output=True,
                          text=True, timeout=30, env={"MANWIDTH": "100", "MAN_KEEP_FORMATTING": "0", "PATH": "/usr/bin:/bin"})
    out.stdout = re.sub(r".\x08", "", out.stdout)
    return out


@pytest.mark.parametrize("page", PAGES)
def test_man_page_renders_without_warnings(page):
    out = render(page)
    assert out.returncode == 0, out
    assert out.stderr == "", out.stderr
    assert "NAME" in out.stdout and "SEE ALSO" in out.stdout


def test_every_option_is_in_the_daemon_man_page():
    text = render("man/vpcdnsd.8").stdout
    options = set()
    for command in ([], ["serve"], ["check"]):
        help_text = subprocess.run([str(BINARY), *command, "--help"], capture_output=True, text=True, timeout=30).stdout
        options |= set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", help_text))
    assert {"--config", "--listen", "--zone", "--upstream", "--log-level", "--version", "--help"} <= options, options
    for option in sorted(options):
        assert option in text, f"{option} is not described in man/vpcdnsd.8"
    for command in ("serve", "check"):
        assert re.search(rf"^\s+{command}\b", text, re.M), command
