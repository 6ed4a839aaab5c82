# Two entry points for a fresh machine with Python 3.11+ and make:
#   make demo   build the environment and run the main job (the Bút Sơn H1 2023 demo on SQLite)
#   make test   build the environment and run every check and test (lint, types, import contracts, pytest)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO_DB ?= demo-output/demo.db

.PHONY: demo test env browser lint clean

env: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/onestop --db $(DEMO_DB) demo --out demo-output

# Headless Chromium for the browser tests comes from Debian's package (Playwright's own download is not
# reachable here); installed only when missing and when we may install system packages.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed"; \
	  else echo "chromium missing: run 'sudo apt-get install chromium'"; fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(STAMP) browser lint
	$(VENV)/bin/pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) demo-output
