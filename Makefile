# civicast — set-up and everyday commands. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages

LOCK := requirements.lock

.PHONY: install run lint test wheel-check lock bench clean system-packages browser

install: $(STAMP)

# System packages the project needs: GNU gettext (msgfmt checks the catalogs) and the Noto fonts the
# LINE rich-menu images are drawn with (Chinese, Japanese, Korean, Thai, Khmer, Burmese, Latin); Pango, which
# WeasyPrint lays out the monthly report PDFs with, and poppler-utils' pdftotext the tests read them back with;
# ICU's headers, pkg-config, g++ and Python's headers, which PyICU (a source distribution only) is built with.
# Checked again whenever this file changes, so a machine set up before a package was added gets it too.
SYSTEM_PACKAGES := gettext fonts-noto-cjk fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils \
  libicu-dev pkg-config g++ python3-dev
$(SYSTEM_STAMP): Makefile
	@missing=""; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	ls /usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf >/dev/null 2>&1 || missing="$$missing fonts-noto-core"; \
	ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	ls /usr/include/unicode/brkiter.h >/dev/null 2>&1 || missing="$$missing libicu-dev"; \
	command -v g++ >/dev/null 2>&1 || missing="$$missing g++"; \
	$(PYTHON) -c 'import pathlib, sys, sysconfig; sys.exit(not pathlib.Path(sysconfig.get_paths()["include"], "Python.h").exists())' \
	  || missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@mkdir -p $(VENV)
	@touch $@

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# cannot work here); chromium-driver comes with it for WebDriver tools.
BROWSER_STAMP := $(VENV)/.browser
$(BROWSER_STAMP): $(SYSTEM_STAMP)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "installing system packages: chromium chromium-driver"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; \
	fi
	@touch $@

browser: $(BROWSER_STAMP)

# The virtual environment is made once and refreshed when the lock or pyproject.toml changes: the tested versions
# pinned in requirements.lock, then civicast itself (editable, its dependencies already there).
$(STAMP): $(LOCK) pyproject.toml $(SYSTEM_STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# requirements.lock again from pyproject.toml's ranges, for Python 3.11 and later on any platform: pins that still
# fit are kept, new packages added. LOCK_FLAGS=--upgrade moves every pin to the newest version in range.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 $(LOCK_FLAGS) \
	  --custom-compile-command "make lock" -o $(LOCK)

# The embedded default: the demo shows a notice's whole path, then everything runs in one process.
run: $(STAMP)
	$(BIN)/civicast db upgrade
	$(BIN)/civicast demo
	$(BIN)/civicast officer demo
	$(BIN)/civicast serve

# Checks on every change: formatting, ruff's lint rules, mypy on the packages (pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Tests run in parallel, three processes on two cores (many tests wait on sockets and subprocesses; a file's tests
# stay together); those marked serial run after.
# The slowest tests are listed at the end, to see where the suite's time goes.
# The lint comes first, so a finding fails fast.
test: lint $(BROWSER_STAMP)
	$(BIN)/python -m pytest -n 3 --dist loadfile -m "not serial" --durations=20
	$(BIN)/python -m pytest -m serial

# The wheel (built from the source distribution) in a fresh virtual environment outside the checkout: db upgrade,
# compose and demo run there. One of the serial tests of `make test`; this runs it alone.
wheel-check: $(STAMP)
	$(BIN)/python -m pytest tests/test_wheel.py

# Benchmarks print their figures (bench/RESULTS.md keeps the measured ones). BENCH_DATABASE_URL=postgresql+psycopg://...
# runs the fan-out on PostgreSQL.
# Several gunicorn processes storing webhook events at once: a PostgreSQL deployment.
WEBHOOK_BENCH_DATABASE_URL ?= $(if $(BENCH_DATABASE_URL),$(BENCH_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/civicast_bench)
bench: $(STAMP)
	$(BIN)/python bench/compose.py
	$(BIN)/python bench/fanout.py --subscribers 1000000 --rate-limit 200 $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))
	$(BIN)/python bench/fanout.py --subscribers 1000000 --workers 2 $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))
	$(BIN)/python bench/webhook.py --events 8000 --database-url $(WEBHOOK_BENCH_DATABASE_URL)
	$(BIN)/python bench/webhook_turns.py --database-url $(WEBHOOK_BENCH_DATABASE_URL)
	$(BIN)/python bench/ingest.py --subscribers 1000000 --rate-limit 200 $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))
	$(BIN)/python bench/console.py --residents 200000 $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-output build dist civicast.egg-info
