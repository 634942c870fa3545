# 阳光办理 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint format install install-test browser demo-data clean

# The browser tests drive Debian's headless Chromium; install it (and CJK fonts, so that
# screenshots show Chinese) when it is missing. Needs root or sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

demo-data: install
	$(BIN)/flask db upgrade heads
	$(BIN)/flask hotline seed
	$(BIN)/flask hotline demo --orders 10000 --if-empty
	$(BIN)/flask hotline demo-reads --if-empty
	$(BIN)/flask portal demo
	$(BIN)/flask citizen demo

run: demo-data
	$(BIN)/flask run --host 127.0.0.1 --port 5000

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  && fc-list 2>/dev/null | grep -qi "noto sans cjk" \
	  || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	       chromium chromium-driver fonts-noto-cjk >/dev/null; }

test: install-test browser
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance/hotline.db
