# Rolegate: `make demo` runs the portal with demo data on SQLite; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rolegate
# The suite runs with the shared cache on, as production does: pytest-xdist worker N uses the
# Redis database of this index + N (portal/test_settings.py), so keep index + workers <= 15.
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
# Parallel workers (pytest-xdist): one more than the cores, at most 4 (a worker waiting on a server,
# a browser or PostgreSQL leaves its core to the others); each test file runs whole on one worker,
# so servers that a module starts once are started once; files with slow, browser and live-server
# tests are handed out first (tests/conftest.py), so the workers finish together.
# TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: demo test install check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	# The ASGI app: Django plus the MCP endpoint at /mcp (runserver would serve everything but /mcp).
	DEBUG=true $(BIN)/uvicorn portal.asgi:application --host 127.0.0.1 --port 8000

# The browser tests drive Debian's chromium, never a browser that Playwright downloads.
/usr/bin/chromium:
	@echo "Installing Debian's chromium for the browser tests (needs root)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The SAML tests' identity provider (pysaml2) signs assertions with Debian's xmlsec1.
/usr/bin/xmlsec1:
	@echo "Installing Debian's xmlsec1 for the SAML tests (needs root)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null

# Tests that stop or hang Redis start a redis-server of their own on a free port.
/usr/bin/redis-server:
	@echo "Installing Debian's redis-server for the tests (needs root)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null

# Lint, format and size limits (CI runs `make test`, which runs this first).
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_code_size.py

test: check /usr/bin/chromium /usr/bin/redis-server /usr/bin/xmlsec1
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

.PHONY: screenshots
# Regenerates docs/screenshots/ (phone and desktop) with the browser tests.
screenshots: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -k screenshots

# Benchmarks (not tests): seeds BENCH_DATABASE_URL at scale, prints figures and ratios; see docs/PERFORMANCE.md.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rolegate_bench
.PHONY: bench
bench: install
	$(BIN)/python -m bench.run --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

# A directory's full SCIM push (10,000 users, 500 groups with members) through the API; optional.
.PHONY: bench-scim
bench-scim: install
	$(BIN)/python -m bench.scim_push --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)
