# Two commands: `make demo` (set up, load the FY2024 demo, serve) and `make test` (set up, lint, test).
# Both are idempotent. Everything else here is a step of those two.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_WORKERS ?= 2
DEBIAN_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium
export DJANGO_SETTINGS_MODULE ?= akiruno.settings.local

.PHONY: backup restore bench demo demo-reset test soak setup venv system-packages migrate lint format schema check-deploy serve worker lock clean

demo: setup
	$(PY) manage.py load_demo
	@echo "http://127.0.0.1:$(PORT)/ で公開サイト、/staff/ で職員画面を開きます（Ctrl-C で停止）。"
	DJANGO_SETTINGS_MODULE=akiruno.settings.demo $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Start the demo over: empty the database and the stored files, then `make demo` loads them again.
demo-reset: setup
	$(PY) manage.py flush --noinput
	rm -rf "$${AKIRUNO_VAR_DIR:-var}/media"
	$(MAKE) demo

test: setup lint
	DJANGO_SETTINGS_MODULE=akiruno.settings.test $(PY) -m pytest -n $(PYTEST_WORKERS) -m "not soak$(if $(CELERY_BROKER_URL),, and not worker)$(if $(DATABASE_URL),, and not postgresql)" $(PYTEST_ARGS)

# The soak suite (tests/soak, issue 19): PostgreSQL (DATABASE_URL's database, "_soak" twin), its
# own redis-server, real Celery workers, beat and gunicorn on 127.0.0.1:SOAK_PORT_BASE(+1).
# Bounded: SOAK_TIMEOUT seconds for the whole run. Prints one "SOAK …" line per figure.
SOAK_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/akiruno_soak)
SOAK_PORT_BASE ?= 8790
SOAK_TIMEOUT ?= 900
soak: setup
	DJANGO_SETTINGS_MODULE=tests.soak.settings DATABASE_URL=$(SOAK_DATABASE_URL) SOAK_PORT_BASE=$(SOAK_PORT_BASE) \
	  timeout --signal=INT --kill-after=30 $(SOAK_TIMEOUT) \
	  $(PY) -m pytest tests/soak -m soak -n 0 -p no:cacheprovider -s -q --ds=tests.soak.settings $(PYTEST_ARGS)

# Backup and restore (docs/operations.md): the database (pg_dump, or SQLite's backup API) and
# MEDIA_ROOT into BACKUP_DIR, with a manifest of checksums. `make restore` needs BACKUP_DIR and
# refuses a database or media folder that is not empty unless FORCE=1.
BACKUP_DIR ?= var/backups/$(shell date +%Y%m%d-%H%M%S)
backup: venv
	$(PY) manage.py backup "$(BACKUP_DIR)"

restore: venv
	$(if $(filter file,$(origin BACKUP_DIR)),$(error 復元するバックアップのフォルダーを BACKUP_DIR=… で指定してください))
	$(PY) manage.py restore "$(BACKUP_DIR)"$(if $(FORCE), --force)

setup: venv system-packages migrate

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 が必要です: apt-get install python3.11 python3.11-venv"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Debian パッケージを導入します:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "次のコマンドで必要なパッケージを導入してから、もう一度実行してください:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

migrate: venv
	mkdir -p var
	$(PY) manage.py migrate --noinput


lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerate docs/report-format.schema.json from the block kind and record registries.
schema: venv
	DJANGO_SETTINGS_MODULE=akiruno.settings.test $(PY) manage.py write_schema

check-deploy: venv
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=jimuhokoku.example.jp \
	  DJANGO_SETTINGS_MODULE=akiruno.settings.production $(PY) manage.py check --deploy --fail-level WARNING

# Issue 17's figures: the demo and a 50-department report, SQLite and PostgreSQL + Redis + real
# Celery workers, gunicorn against static files (wrk). Prints a table, writes bench/results.json.
bench: setup
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else echo "sudo apt-get install -y wrk"; exit 1; fi; }
	$(PY) bench/run.py $(BENCH_ARGS)

serve: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: venv
	$(VENV)/bin/celery -A akiruno worker --loglevel=INFO

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf /tmp/akiruno-lock && $(PYTHON) -m venv /tmp/akiruno-lock
	/tmp/akiruno-lock/bin/pip install --quiet '.[dev]'
	/tmp/akiruno-lock/bin/pip freeze --exclude-editable | grep -v '^akiruno-jimuhokoku' > requirements.lock

clean:
	rm -rf $(VENV) var
