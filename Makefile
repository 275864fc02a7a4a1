# Two commands on a fresh machine with Python 3.11 and make:
#   make run   – virtualenv, install, migrate, Lạng Sơn demo data, admin login, serve the admin
#   make test  – install and run the whole test suite
# These targets are the development demo: DEBUG on (tracebacks, the development secret key)
# unless DJANGO_DEBUG says otherwise. Production runs the systemd units of deploy/ (README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# e.g. SEED_ARGS="--borrowers 200" for a smaller demo book
SEED_ARGS ?=
STAMP := $(VENV)/.installed
# `make run` needs only the app's own dependencies: the development tools (pytest, ruff,
# schemathesis, ...) come with the first `make test` or `make lint`, and the demo starts sooner.
RUN_STAMP := $(VENV)/.installed-run
DEV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}
# On PostgreSQL the demo serves as this role (grant_app_role: only INSERT and SELECT on the
# journals), DATABASE_URL being the owner that migrates, unless DATABASE_OWNER_URL is set.
APP_ROLE ?= vbsp_app

.PHONY: run test install install-run lint migrate seed worker beat messages clean

# Python 3.11's own pip installs this project (PEP 660); upgrading it first costs time, not more.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

install: $(STAMP)

install-run: $(RUN_STAMP)

migrate: install-run
	$(DEV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEV) $(PY) manage.py seed_demo $(SEED_ARGS)

run: install-run
	@echo "make run: the demo, with DJANGO_DEBUG=$${DJANGO_DEBUG:-true} (tracebacks on error pages," \
		"the development secret key). Never run production like this: see README, Production."
	$(MAKE) --no-print-directory seed
	$(DEV) $(PY) manage.py create_demo_logins
	@case "$${DATABASE_URL:-}" in \
	postgres*) \
		if [ -n "$${DATABASE_OWNER_URL:-}" ]; then \
			$(DEV) $(PY) manage.py grant_app_role || exit 1; \
		else \
			password=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); \
			url=$$($(DEV) $(PY) manage.py grant_app_role --role $(APP_ROLE) \
				--password "$$password" --print-url) || exit 1; \
			export DATABASE_URL="$$url"; \
			echo "PostgreSQL: serving as the role $(APP_ROLE) (the journal: INSERT and SELECT only)"; \
		fi;; \
	esac; \
	echo "Serving the admin at http://127.0.0.1:$(PORT)/admin/"; \
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# PYTEST_ARGS="tests/reports" for a part of the suite
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff; mypy (strict for the services and selectors, pyproject [tool.mypy]); the import
# contracts of .importlinter (every arrow points down); no model change without its migration.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV) $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

# The English catalogue (Vietnamese is the source language), and the Vietnamese one for the
# strings of Django that its own catalogue leaves in English (kept by hand: only compiled here).
# No line references, so that parallel changes to the catalogue merge cleanly.
messages: install
	$(DEV) $(PY) manage.py makemessages -l en --no-location --no-obsolete --ignore=.venv --ignore=tests
	$(DEV) $(PY) manage.py compilemessages -l en -l vi --ignore=.venv

# With CELERY_BROKER_URL set (e.g. redis://127.0.0.1:6379/0), real workers run the jobs.
worker: install
	$(DEV) $(VENV)/bin/celery -A config worker -l info

beat: install
	$(DEV) $(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache staticfiles
