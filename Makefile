# make run   - set everything up and serve the demo site on http://127.0.0.1:8000
# make test  - set everything up and run the whole suite (SQLite, then PostgreSQL
#              if DATABASE_URL points at one)
# make test-postgres - the suite on a throwaway local PostgreSQL cluster
# make backup [FILE=path] - back up the database DATABASE_URL names (the demo's
#              SQLite file without it) to FILE or backups/allsite-<time>.*
# make restore FILE=path - replace that database with a backup; rebuilds search, clears caches
# make lock - regenerate requirements.txt (production) and requirements-dev.txt
#              (adds tests and lint) with hashes, from requirements/*.in
# make bench - A: load test at demo size (wrk against gunicorn, ratios to a static
#              file); B: scale run on a throwaway PostgreSQL, figures at demo size
#              and after `grow_demo 10000` (about 40 minutes on 2 cores).
#              BENCH_PAGES=1000 make bench is a quick run (about 6 minutes).
# make messages - after changing interface text: update locale/fr/LC_MESSAGES/django.po
#              (makemessages), translate what is new or changed (no empty or fuzzy
#              entries: tests/test_french_interface.py checks), then compile django.mo
#              (compilemessages). Both files are committed, so `make run` needs no gettext.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEV := DJANGO_DEBUG=1

.PHONY: run test test-postgres bench lint format setup system-deps clean lock backup restore messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@

# Regenerate the locks after changing requirements/*.in: requirements.txt is what
# production installs, requirements-dev.txt adds the test and lint tools (and is
# constrained by requirements.txt, so it is locked second). The hashes cover every
# wheel of each pinned version (Linux x86_64 and aarch64 included). uv lives in
# its own venv (.lock-venv, git-ignored), never in the project's.
UV := .lock-venv/bin/uv
UV_VERSION := 0.13.9
LOCK := $(UV) pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28
LOCK_NOTE := \# Do not edit: change requirements/*.in and run `make lock` (uv $(UV_VERSION)), which runs:
lock:
	test -x $(UV) || ($(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet uv==$(UV_VERSION))
	$(LOCK) requirements/runtime.in -o requirements.txt
	$(LOCK) requirements/dev.in -o requirements-dev.txt
	sed -i '1i $(LOCK_NOTE)' requirements.txt requirements-dev.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

setup: $(VENV)/.installed

system-deps:
	scripts/install-system-deps

run: setup
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_demo
	$(DEV) $(PY) manage.py rerender_live_pages  # pages stored by an older checkout
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/). Ctrl-C stops."
	@# The development server; it also makes scheduled versions live every 30 s,
	@# in its own process so its in-memory page cache sees them (manage.py serve).
	$(DEV) $(PY) manage.py serve 127.0.0.1:$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The suite runs on every core (pytest-xdist): each test file's tests on one
# worker, the browser tests together on one worker, first (tests/conftest.py,
# pytest_xdist_make_scheduler). `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder

test: setup system-deps node_modules/.installed lint
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)
	@case "$$DATABASE_URL" in postgres*) \
	  echo "== The same suite on PostgreSQL ($$DATABASE_URL)"; $(PY) -m pytest $(PYTEST_ARGS);; esac

# The browser journeys (tests/e2e, marked "browser") drive Chromium through the
# same views on either database; they run once, with `make test` on SQLite.
test-postgres: setup system-deps node_modules/.installed
	scripts/with-postgres $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

bench: setup
	scripts/bench-deps
	env -u DATABASE_URL $(PY) benchmarks/load_test.py
	scripts/with-postgres $(PY) benchmarks/scale.py

# The interface's translations (gettext's xgettext and msgfmt: scripts/install-system-deps).
MESSAGES_IGNORE := --ignore=.venv --ignore=.lock-venv --ignore=node_modules \
	--ignore=staticfiles --ignore=tests --ignore=benchmarks
messages: setup
	$(DEV) $(PY) manage.py makemessages -l fr --no-obsolete $(MESSAGES_IGNORE)
	$(DEV) $(PY) manage.py compilemessages -l fr $(MESSAGES_IGNORE)

# Without production settings (no DJANGO_SECRET_KEY), the demo database of `make run`.
MANAGE_ENV = $(if $(DJANGO_SECRET_KEY),,$(DEV))

backup: setup
	$(MANAGE_ENV) $(PY) manage.py backup $(FILE)

restore: setup
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backups/allsite-....dump" >&2; exit 2; }
	$(MANAGE_ENV) $(PY) manage.py restore $(FILE)

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
