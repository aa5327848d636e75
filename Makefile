# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := edrops.settings

.PHONY: run test install lint migrate clean bench demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the pinned dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: export DEBUG ?= 1
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "edrops on http://127.0.0.1:8000/  (admin: /admin/, API docs: /api/docs/); Ctrl-C stops all"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

# With `make run` going in another terminal: a dispatch that starts in 30 minutes, over HTTP
# with the demo source's token; watch it on the dashboard and in the outbox.
demo: export DEBUG ?= 1
demo: install
	$(BIN)/python manage.py demo_dispatch

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark against PostgreSQL (BENCH_PG), rewriting bench/RESULTS.md and its plot.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.all

lint: install
	$(BIN)/ruff check .

migrate: install
	$(BIN)/python manage.py migrate --noinput

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
