# Two commands on a fresh machine with Python 3.11 and make:
#   make run   – virtualenv, install, migrate, Lạng Sơn demo data, admin login, serve the admin
#   make test  – install and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint migrate seed worker beat messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py create_demo_logins
	@echo "Serving the admin at http://127.0.0.1:$(PORT)/admin/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# The English catalogue (Vietnamese is the source language). No line references, so that
# parallel changes to the catalogue merge cleanly.
messages: install
	$(PY) manage.py makemessages -l en --no-location --no-obsolete --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages -l en --ignore=.venv

# With CELERY_BROKER_URL set (e.g. redis://127.0.0.1:6379/0), real workers run the jobs.
worker: install
	$(VENV)/bin/celery -A config worker -l info

beat: install
	$(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache
