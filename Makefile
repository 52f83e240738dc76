# The two commands: `make run` and `make test`. Everything else is a helper of these.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
RUN_ENV := DJANGO_DEBUG=true REQUIRE_STAFF_MFA=false

.PHONY: run test install install-dev messages catalogues lint format bench rush worker backup restore screenshots clean

## make run: install, migrate, seed the two calls and demo accounts, serve on http://127.0.0.1:8000/
run: install catalogues
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_calls --demo
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## make test: install the dev requirements, lint, check migrations, run the whole suite
test:
	bash scripts/test.sh

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

catalogues: install
	$(RUN_ENV) $(PY) manage.py compile_catalogues

## make messages: extract translatable strings into every catalogue (needs GNU gettext)
messages: install-dev
	bash scripts/messages.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make worker: a Celery worker against REDIS_URL (for local runs with Redis)
worker: install
	$(BIN)/celery -A portal worker --loglevel=info

## make bench: generate a large data set and measure page latency under concurrency
bench: install-dev
	bash scripts/bench.sh

## make rush: the last ten minutes before a deadline, in real time (Locust, two gunicorns, Celery, PostgreSQL, Redis); see scripts/rush.py
rush: install-dev
	$(PY) scripts/rush.py

## make backup [BACKUP_DIR=…]: consistent database dump (pg_dump -Fc) + private files + checksums
backup: install
	PY=$(PY) bash scripts/backup.sh

## make restore BACKUP_DIR=…: restore a backup into an empty database and storage
restore: install
	PY=$(PY) bash scripts/restore.sh

## make screenshots: seed a throw-away database, serve it and save PNGs of the home page, a call's
## cockpit, its ranking and the reviewer's scoring page at 1366 and 390 px in docs/screenshots/
screenshots: install-dev
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
