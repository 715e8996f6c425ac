# vpcdns — build, run and test. `make run` and `make test` install what is missing first
# (Debian packages through apt-get; run as root, or with sudo available).

SWIFT      ?= swift
PREFIX     ?= /usr/local
CONFIG     ?= config/vpcdnsd.yaml
APT_DEPS   := libevent-dev liburing-dev libssl-dev libnghttp2-dev pkg-config
TEST_DEPS  := dnsutils python3 nsd unbound knot-dnsutils util-linux systemd man-db groff-base openssl
# From PyPI: the AWS stand-in and the real CLI (test_route53.py), and a DNS client for load loops.
PIP_DEPS   := "moto[server]" awscli dnspython
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

FUZZ_SECONDS ?= 20

.PHONY: all deps test-deps build run test docs fuzz-smoke robustness-report bench install uninstall clean

all: build

# Installs only the Debian packages that are not there yet; no network use when all are present.
deps:
	@missing=""; for p in $(APT_DEPS) $(EXTRA_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

test-deps:
	@$(MAKE) --no-print-directory deps EXTRA_DEPS="$(TEST_DEPS)"
	@python3 -c "import pytest" 2>/dev/null || python3 -m pip install -q pytest 2>/dev/null \
	  || $(MAKE) --no-print-directory deps EXTRA_DEPS="python3-pytest"
	@python3 -c "import moto.server, dns.query, awscli" 2>/dev/null && command -v moto_server aws >/dev/null \
	  || python3 -m pip install -q $(PIP_DEPS) || python3 -m pip install -q --break-system-packages $(PIP_DEPS)

build: deps
	$(SWIFT) build -c release --product vpcdnsd

# Foreground, logging to stderr, on 127.0.0.1:5353 (no root needed). Ctrl-C stops it.
run: build
	.build/release/vpcdnsd --config $(CONFIG)

# Unit tests (swift-testing), then end-to-end tests against the real binary with dig.
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --disable-xctest
	$(MAKE) --no-print-directory fuzz-smoke
	cd Tests/EndToEnd && VPCDNSD=$(CURDIR)/.build/debug/vpcdnsd python3 -m pytest -q -p no:cacheprovider

# docs/configuration.md and man/ from the key table (a unit test fails while they are out of date).
docs: deps
	$(SWIFT) build --product vpcdnsd
	.build/debug/vpcdnsd generate-docs $(CURDIR)

# Each libFuzzer target for FUZZ_SECONDS (libFuzzer ships with the Swift toolchain); fails on a crash.
fuzz-smoke:
	for t in message zone config engine route53 doh; do echo "fuzz $$t ($(FUZZ_SECONDS) s)"; Fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; done

# The robustness suites (as in `make test`) with their figures written to docs/robustness-run.jsonl,
# the numbers docs/robustness.md reports.
robustness-report: test-deps
	$(SWIFT) build
	rm -f docs/robustness-run.jsonl
	cd Tests/EndToEnd && VPCDNS_ROBUSTNESS_REPORT=$(CURDIR)/docs/robustness-run.jsonl VPCDNSD=$(CURDIR)/.build/debug/vpcdnsd \
	  python3 -m pytest -q -p no:cacheprovider test_robustness.py test_abuse.py test_upstream_faults.py test_rfc8906.py test_encrypted_dns.py

# Performance against Unbound and dnsmasq (not part of the tests); writes bench/RESULTS.md.
bench:
	bench/run.sh

# The binary, /etc/vpcdnsd/{vpcdnsd.yaml,zones/}, and the systemd unit. Existing config is kept.
install: build
	install -D -m 0755 .build/release/vpcdnsd $(DESTDIR)$(PREFIX)/sbin/vpcdnsd
	install -d -m 0755 $(DESTDIR)/etc/vpcdnsd/zones
	[ -e $(DESTDIR)/etc/vpcdnsd/vpcdnsd.yaml ] || install -m 0644 config/vpcdnsd.yaml $(DESTDIR)/etc/vpcdnsd/vpcdnsd.yaml
	for z in config/zones/*.zone; do \
	  [ -e $(DESTDIR)/etc/vpcdnsd/zones/$$(basename $$z) ] || install -m 0644 $$z $(DESTDIR)/etc/vpcdnsd/zones/; \
	done
	install -D -m 0644 man/vpcdnsd.8 $(DESTDIR)$(PREFIX)/share/man/man8/vpcdnsd.8
	install -D -m 0644 man/vpcdnsd.yaml.5 $(DESTDIR)$(PREFIX)/share/man/man5/vpcdnsd.yaml.5
	sed 's|/usr/local/sbin|$(PREFIX)/sbin|g' systemd/vpcdnsd.service > vpcdnsd.service.tmp
	install -D -m 0644 vpcdnsd.service.tmp $(DESTDIR)/etc/systemd/system/vpcdnsd.service
	rm -f vpcdnsd.service.tmp

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/vpcdnsd $(DESTDIR)/etc/systemd/system/vpcdnsd.service \
	  $(DESTDIR)$(PREFIX)/share/man/man8/vpcdnsd.8 $(DESTDIR)$(PREFIX)/share/man/man5/vpcdnsd.yaml.5

clean:
	rm -rf .build
