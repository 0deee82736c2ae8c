# Incident Desk. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create or update .venv with the app and its test tools; compile the message catalogues
	@$(PY) manage.py compile_catalogues >/dev/null  # pure Python (polib): no GNU gettext needed

run: install ## Run the whole app on http://127.0.0.1:8000 (SQLite, no broker server needed)
	@mkdir -p var/celery/queue var/celery/processed var/celery/control var/static var/media  # settings create none
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py seed_demo
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-true} DJANGO_EMAIL_BACKEND=$${DJANGO_EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
		bin/run-all $(PY)

test: install ## Run the whole suite on PostgreSQL and Redis (SQLite only where there is no PostgreSQL)
	@bin/test-env $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install ## The suite without the browser journeys and the fuzzing (schemathesis, state machine)
	@bin/test-env $(PY) -m pytest -p no:playwright -p no:schemathesis -p no:hypothesispytest \
		-m "not browser and not fuzz" $(PYTEST_ARGS)

format: install ## Lay the code out with ruff format and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lint: install ## ruff (rules and layout), import-linter (the layers of the README), mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

messages: install ## Update the French and German catalogues from the code (needs GNU gettext), then compile them
	$(PY) manage.py makemessages -l fr -l de
	@$(PY) manage.py compile_catalogues

check: ## Everything CI runs (.ci/run): services, the suite, lint, migrations and Django's checks
	.ci/run

screenshots: install ## Refresh docs/screenshots/ (the README's gallery) from the demo world, in French
	@UPDATE_SCREENSHOTS=1 bin/test-env $(PY) -m pytest tests/browser/test_portal_pages.py -k gallery $(PYTEST_ARGS)

.PHONY: help install run test test-fast format lint messages check screenshots
