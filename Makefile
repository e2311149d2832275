# NoteInvest: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both create .venv with a Python 3.12+ found by bin/find-python, and install the Debian
# packages they miss when this user may (bin/check-system; NOTEINVEST_NO_APT=1: only name them).
# `make run` listens on HOST:PORT, from the environment or `make run PORT=8080`.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench setup migrate seed check-system clean

run: setup check-system migrate seed
	$(PY) bin/serve $(HOST) $(PORT)

test: setup
	@$(PY) bin/check-system --browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	$(PY) bench/run_all.py

setup: $(STAMP)

$(PY):
	@PYBIN=$$(bin/find-python) && echo "Creating $(VENV) with $$PYBIN" && "$$PYBIN" -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

check-system: setup
	@$(PY) bin/check-system

migrate: setup
	$(PY) manage.py migrate --noinput

seed: setup
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache htmlcov .coverage staticfiles
