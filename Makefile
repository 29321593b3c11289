# The two commands that do all set-up on a fresh Debian machine:
#   make run    creates .venv, installs, serves the exporter + page on 127.0.0.1:9877
#   make test   creates .venv with test extras, runs ruff, mypy and the whole pytest suite
#               (as root on Debian it first installs the Debian packages the real-component tests need)
#   make test-unit  the fast tier alone (no server, no child process, no browser) and the page's node --test: the local loop
#   make dist   the wheel and the sdist in dist/, uPlot inside (installing them needs no npm)
# As root on Debian, what they need beyond python3 and make (nodejs npm, python3-venv) is installed;
# otherwise they stop with the apt-get command to run.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=
VENDOR := exporter/web/static/vendor
# libatomic1: playwright's bundled node driver links it, and a minimal Debian lacks it.
DEBS   := prometheus prometheus-alertmanager prometheus-node-exporter prometheus-process-exporter \
          chromium docker-compose sqlite3 systemd victoria-metrics libatomic1

.PHONY: run test test-unit test-js lint typecheck pytest debs npm vendor dist bench profile clean

run: npm $(BIN)/.installed vendor
	$(BIN)/sysmon-exporter serve $(ARGS)

test: $(BIN)/.test-installed vendor debs lint typecheck test-js pytest

lint:
	$(BIN)/ruff check exporter tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest $(ARGS)

# The tiers are pytest markers (pyproject.toml); the unit tier is what carries none of the slow ones.
UNIT := not integration and not stack and not browser and not faults and not slow

test-unit: $(BIN)/.test-installed test-js
	$(BIN)/pytest -q -m "$(UNIT)" $(ARGS)

# The page's pure functions (formatting, ring buffers, chart specs) as ES modules under Node.
test-js: vendor
	node --test tests/js/*.test.mjs

# A fresh Debian has python3 but not its venv module (package python3-venv).
$(VENV)/bin/python:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { $(call debian,python3-venv,Python's venv module is missing); }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(BIN)/.installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.test-installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/.installed $@

# uPlot comes from the npm registry (pinned in package-lock.json) and is served by the app itself.
# The files copied are listed once, in exporter/web/assets.py (the package build uses the same list).
node_modules/.package-lock.json: package.json package-lock.json
	@$(MAKE) --no-print-directory npm
	npm ci --no-audit --no-fund --loglevel=error

vendor: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp $$($(PYTHON) exporter/web/assets.py --sources) $(VENDOR)/
	sha256sum package-lock.json | cut -d' ' -f1 > $(VENDOR)/.package-lock.sha256

# $(call debian,PACKAGES,WHY): install Debian packages when run as root (like `make debs`),
# else stop with the exact command to run.
define debian
if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
  echo "installing Debian packages: $(1) ($(2))"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1) >/dev/null; \
else \
  echo "$(2): install it with: sudo apt-get install $(1)" >&2; exit 1; \
fi
endef

# npm fetches uPlot (the page's charts) from the npm registry.
npm:
	@command -v npm >/dev/null || { $(call debian,nodejs npm,npm is needed to fetch uPlot for the page's charts); }

# The wheel (and the sdist) in dist/, with the front-end assets inside: installing it needs no npm.
dist: $(VENV)/bin/python npm
	$(BIN)/pip install -q build
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	@ls -l dist

# Real Prometheus, Alertmanager, node_exporter and Chromium for the tests; only as root on Debian.
debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "note: tests needing$$missing will be skipped; install with: sudo apt-get install$$missing"; \
	fi

bench: $(BIN)/.test-installed
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python bench/run_all.py

profile: $(BIN)/.test-installed
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python bench/profile_scrape.py $(ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) dist build
