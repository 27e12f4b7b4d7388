# Peerway: `make demo` serves the app with synthetic data; `make test` runs every check.
# Each target sets up what it needs: a bootstrap venv with uv, then the locked dependencies in .venv.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PG_URL_SCRIPT := scripts/postgres_url.py

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo serve worker test test-sqlite test-postgres test-e2e lint bench messages clean

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Peerway needs Python 3.11 or newer as '$(PYTHON)'; install it first."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "Peerway needs Python 3.11 or newer; '$(PYTHON)' is older."; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

# Compile translations with Babel (a locked dependency), so no system gettext is needed to run.
messages: $(VENV)/.synced
	@$(BIN)/python scripts/compile_messages.py

setup: $(VENV)/.synced messages

demo: setup
	PEERWAY_MODE=demo $(BIN)/peerway migrate --noinput --verbosity 0
	PEERWAY_MODE=demo $(BIN)/peerway seed --scale small --seed 42 --if-empty
	PEERWAY_MODE=demo $(BIN)/peerway serve --with-worker

serve: setup
	$(BIN)/peerway serve

worker: setup
	$(BIN)/peerway worker

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

test-sqlite: setup
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest -m "not e2e" -q -p no:cacheprovider

test-postgres: setup
	@url=$$($(BIN)/python $(PG_URL_SCRIPT)) || exit 1; \
	echo "PostgreSQL: $$url"; \
	DATABASE_URL=$$url $(BIN)/pytest -m "not e2e" -q -p no:cacheprovider

test-e2e: setup
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || { echo "Browser tests need Chromium at /usr/bin/chromium: install Debian's 'chromium' package (apt-get install -y chromium) or set CHROMIUM."; exit 1; }
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-e2e.sqlite3 $(BIN)/pytest -m e2e -q

# The SQLite and PostgreSQL runs share nothing (each has its own database and temporary files), so they run
# side by side; each one's output is printed whole when it finishes.
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	@$(MAKE) --no-print-directory test-e2e

# The benchmarks; the other files in bench/ are modules they load (the intake server's settings and URLs).
BENCHMARKS := bench/caseload.py bench/intake.py bench/matching.py bench/seed.py

bench: setup
	@mkdir -p var/bench
	@for script in $(BENCHMARKS); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(TOOLS) var/test*.sqlite3 var/test-templates .pytest_cache .mypy_cache .ruff_cache
