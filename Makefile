# Rolegate: `make demo` runs the portal with demo data on SQLite; `make test` runs every test.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rolegate

.PHONY: demo test install

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

test: install /usr/bin/chromium /usr/bin/xmlsec1
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: screenshots
# Regenerates docs/screenshots/ (phone and desktop) with the browser tests.
screenshots: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -k screenshots

# Benchmarks (not tests): seeds BENCH_DATABASE_URL at scale, prints figures and ratios; see docs/PERFORMANCE.md.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rolegate_bench
.PHONY: bench
bench: install
	$(BIN)/python -m bench.run --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)
