# 阳光办理 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint format install install-test browser demo-data clean screenshots

# The browser tests drive Debian's headless Chromium; install it (and CJK fonts, so that
# screenshots show Chinese) when it is missing. Needs root or sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed once, and again only when pyproject.toml changes (the install is editable:
# code changes need none).
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

# Three full years and this year so far, concentrated in 西城区 and 石景山区 (see
# docs/demo-data.md); every step adds only what is missing, so a second run adds nothing.
# The steps (yangguang/demo.py): flask db upgrade heads, hotline seed, hotline demo --years 3
# --if-empty, hotline demo-reads --if-empty, portal demo, citizen demo; in one process.
demo-data: install
	$(BIN)/flask demo-data

PORT ?= 5000
# The job worker (notifications) runs beside the web server and stops with it.
run: demo-data
	$(BIN)/flask jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# ... and axe-core (the accessibility checker the browser tests inject, pinned in
# package.json / package-lock.json) from the npm registry into node_modules/ (git-ignored),
# when the version there is not the pinned one.
AXE_PINNED = node -p "require('./package.json').devDependencies['axe-core']" 2>/dev/null
AXE_THERE = node -p "require('./node_modules/axe-core/package.json').version" 2>/dev/null

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  && fc-list 2>/dev/null | grep -qi "noto sans cjk" \
	  || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	       chromium chromium-driver fonts-noto-cjk >/dev/null; }
	@command -v npm >/dev/null \
	  || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	       nodejs npm >/dev/null; }
	@[ -n "$$($(AXE_THERE))" ] && [ "$$($(AXE_THERE))" = "$$($(AXE_PINNED))" ] \
	  || npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# One test worker per core (pytest-xdist; each worker has its own database, see
# tests/conftest.py), a test file's tests on one worker; TEST_WORKERS=0 runs them in this
# process.
TEST_WORKERS ?= auto
test: install-test browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Every /m/ screen in 长辈版 at 390 × 844, and one order in the standard look, into docs/.
screenshots: install-test browser
	H5_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/miniapp_api/test_h5_screens.py -k every_screen

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance/hotline.db
