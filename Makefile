# Crosscheck — the commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
UV    := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
export CROSSCHECK_HOME ?= $(CURDIR)/work

.PHONY: setup setup-browser setup-office setup-java lock lint format test test-fast demo airflow notebooks docs benchmark fuzz kill-trials clean

## setup: create or update .venv from requirements.lock (fast when nothing changed)
setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml Makefile
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(UV) pip install -q --python $(PY) -r requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@# bytecode now, not in every process (uv installs without it; PYTHONDONTWRITEBYTECODE
	@# would make each process compile GX, dbt and Airflow anew): see docs/DECISIONS.md
	$(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null
	@touch $(STAMP)

## setup-browser: headless Chromium and a CJK font for the weekly report (Debian, as root)
setup-browser:
	@command -v chromium >/dev/null && fc-list | grep -qi 'wqy\|noto sans cjk' || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-zenhei)

## setup-office: LibreOffice Calc (headless) and a CJK font, to print township workbooks in tests (Debian, as root)
setup-office:
	@command -v soffice >/dev/null && fc-list | grep -qi 'wqy' || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libreoffice-calc-nogui fonts-wqy-zenhei)

## setup-java: a Java 17+ runtime for the local Spark of the dbt `spark` target (Debian, as root)
setup-java:
	@java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])' || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless)

## lock: re-resolve requirements.lock from pyproject.toml (needs the registry)
lock:
	@test -x $(UV) || (python3 -m venv $(VENV) && $(PY) -m pip install -q "uv==$(UV_VERSION)")
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

## lint: ruff on Python, mypy on the package, sqlfluff on the dbt SQL
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd dbt_project && ../$(VENV)/bin/sqlfluff lint models macros tests --processes 2

## format: apply ruff's formatting and fixes
format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# two pytest-xdist workers; tests sharing a set-up go to one worker, the longest groups first
# (tests/conftest.py, docs/DECISIONS.md "Test suite time")
XDIST := -n 2 --dist loadgroup --no-loadscope-reorder

## test: set up if needed, lint, and run the whole test suite (what CI runs), on two pytest workers
test: setup setup-browser setup-office setup-java lint
	$(VENV)/bin/pytest $(XDIST)

## test-fast: lint, the unit tests and dbt's unit tests (no end-to-end run), on two pytest workers
test-fast: setup lint
	$(VENV)/bin/pytest -m "not slow" -q $(XDIST)

## demo: set up, generate a sample county and run a week of it through the Airflow DAGs
demo: setup
	$(PY) -m crosscheck.demo

## airflow: Airflow standalone on work/airflow with dags/; 127.0.0.1:8080 (CROSSCHECK_AIRFLOW_HOST/_PORT),
##          prints the URL, the admin password and its file; the components log to work/airflow/standalone.log
airflow: setup
	$(PY) -m crosscheck.orchestration.standalone

## notebooks: JupyterLab on 127.0.0.1 over notebooks/, reading the serving copy (CROSSCHECK_SERVING)
notebooks: setup
	@export CROSSCHECK_SERVING="$${CROSSCHECK_SERVING:-$$($(PY) -c 'from crosscheck.config import default_warehouse, serving_path; print(serving_path(default_warehouse()))')}"; \
	echo "Serving copy the notebooks read: $$CROSSCHECK_SERVING (CROSSCHECK_SERVING to change)"; \
	test -f "$$CROSSCHECK_SERVING" || echo "  (not there yet: run make demo first)"; \
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser --notebook-dir=notebooks \
		$$(test "$$(id -u)" = 0 && echo --allow-root)

## docs: the dbt docs site (models, contracts, lineage, exposures) into work/dbt-docs, offline
docs: setup
	$(PY) -m crosscheck.dbt_docs

## benchmark: crosscheck bench (first load, nights, plain-DuckDB floor), then the other heavy runs; figures go to benchmarks/results/
benchmark: setup
	nice -n 19 $(VENV)/bin/crosscheck bench
	$(PY) -m crosscheck.benchmark

## fuzz: long hypothesis fuzzing of the readers (CSV, XLSX, _SUCCESS); benchmarks/results/fuzz.json
fuzz: setup
	CROSSCHECK_FUZZ_EXAMPLES=$${CROSSCHECK_FUZZ_EXAMPLES:-1000} \
	CROSSCHECK_FUZZ_RESULTS=$(CURDIR)/benchmarks/results/fuzz.json \
		$(VENV)/bin/pytest tests/ingestion/test_fuzz_readers.py -q

## kill-trials: kill -9 nightly runs and load-feedback at random points; benchmarks/results/kill_trials.json
kill-trials: setup
	$(PY) benchmarks/kill_trials.py

clean:
	rm -rf work .pytest_cache dbt_project/target dbt_project/logs
