# The two commands of the README:
#   make perf  — set up, run the three asv suites quickly, compare with the committed
#                baseline, write reports/latest/ (report.json, comment.md, index.html)
#                and print the gate verdict (exit 0 pass, 1 regression, 2 bad input).
#   make test  — set up (including Chromium for the browser tests) and run the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
BASELINE ?= main
# against a stored baseline the session shift bounds what extra rounds can add: keep it quick.
# --same-python: perfkit is a pure-Python package measured from its checkout (the baseline
# was taken that way); a project that builds should leave it out (docs/sides.md)
PERF_ARGS ?= --same-python --rounds 3 --extra-rounds 2

.PHONY: setup perf test lint bench browser clean

$(VENV)/.installed: pyproject.toml workloads/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "perfkit needs Python >= 3.11 (found $$($(PYTHON) --version))" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]' -e ./workloads
	@touch $@

setup: $(VENV)/.installed
	@test -f ~/.asv-machine.json || $(VENV)/bin/asv machine --yes >/dev/null

perf: setup
	$(VENV)/bin/perfkit check --baseline $(BASELINE) --out reports/latest $(PERF_ARGS)

browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "Chromium is needed for the browser tests: apt-get install chromium" >&2; fi; }

test: setup browser
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) tools/workload_speed.py

clean:
	rm -rf $(VENV) .asv reports/*/
