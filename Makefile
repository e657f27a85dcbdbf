# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: demo test dev lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[web,gmail,keyring,nlp,dev]'
	touch $(STAMP)

# The demo needs only the web extra; the tests need the development tools too.
$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[web]'
	touch $(DEMO_STAMP)

dev: $(STAMP)

## Generate a realistic demo mailbox, run the whole pipeline on it, serve the admin.
demo: $(DEMO_STAMP)
	$(BIN)/inboxmine demo

## Run the whole test suite (PostgreSQL too when a server answers on 127.0.0.1:5432).
test: $(STAMP)
	@if [ -z "$$INBOXMINE_TEST_POSTGRES_URL" ] && $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=2).close()" 2>/dev/null; then \
		export INBOXMINE_TEST_POSTGRES_URL='$(PG_URL)'; fi; \
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py --messages 5000

clean:
	rm -rf $(VENV) build dist *.egg-info
