# reportmine: `make run` serves a demo on 127.0.0.1:8000; `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export REPORTMINE_DB ?= sqlite:///./data/reportmine.db
SAMPLES := $(wildcard corpora/samples/*)

.PHONY: install test test-fast test-pg run serve bench train clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check --upgrade pip
	# the CPU build of torch lies on local disk; install it before anything asks for torch
	$(PIP) install -q --disable-pip-version-check torch==2.13.0
	$(PIP) install -q --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

test: install
	$(VENV)/bin/pytest -q -p no:cacheprovider

test-fast: install
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not slow"

# the same suite against the PostgreSQL server (database `test` on 127.0.0.1:5432)
test-pg: install
	REPORTMINE_TEST_DB=$${REPORTMINE_TEST_DB:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(VENV)/bin/pytest -q -p no:cacheprovider -m "not slow"

run: install
	mkdir -p data
	REPORTMINE_ANONYMOUS=1 $(VENV)/bin/reportmine ingest $(SAMPLES)
	REPORTMINE_ANONYMOUS=1 $(VENV)/bin/reportmine serve --host 127.0.0.1 --port 8000

serve: install
	REPORTMINE_ANONYMOUS=1 $(VENV)/bin/reportmine serve --host 127.0.0.1 --port 8000

train: install
	$(VENV)/bin/reportmine train

bench: install
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache
