# The commands README, CI and people all call.
#   make run    set up everything and start RunCoach on http://127.0.0.1:8000 (embedded servers, demo data)
#   make test   run the whole suite on real PostgreSQL + Redis (embedded unless DATABASE_URL / REDIS_URL)
#   make lint   ruff + mypy
#   make bench  the benchmarks in bench/, each against its baseline in the same run
#   make eval   the coach's answers scored on questions with known answers (offline model; EVAL_ARGS=--model auto)
#   make lock   update requirements.lock after pyproject.toml changed (keeps every other pin)
#   make upgrade   re-resolve requirements.lock to the newest releases pyproject.toml allows (review the diff)
#   make outdated  the locked packages that have newer releases

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
# the lock covers Python 3.11 and 3.12 on every platform (markers choose per machine); hashes are checked
LOCK_ARGS := pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet -o $(LOCK)
WEB_STAMP := frontend/dist/index.html

# the suite runs on two workers (the machines here have 2 cores; one embedded PostgreSQL/Redis per worker; a test file stays on one worker)
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run test lint bench eval install lock upgrade outdated web clean timescaledb

# exactly the locked versions (hash-checked, nothing resolved on the day), then RunCoach itself without deps
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; v=sys.version_info[:2]; sys.exit(0 if (3,11)<=v<=(3,12) else "RunCoach needs Python 3.11 or 3.12 (set PYTHON=...); found %d.%d" % v)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	$(BIN)/pip check --disable-pip-version-check -q
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# the web app (frontend/): npm ci from the committed lock file, the API client regenerated from the current
# OpenAPI (so the type check runs against the API as it is), then the build; skipped without npm
WEB_SOURCES := $(shell find frontend/src frontend/scripts -type f 2>/dev/null) frontend/index.html \
	frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json
WEB_MODULES := frontend/node_modules/.package-lock.json

$(WEB_MODULES): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_STAMP): $(STAMP) $(WEB_MODULES) $(WEB_SOURCES) $(shell find api tools agent core -name "*.py" 2>/dev/null)
	cd frontend && PYTHON=$(CURDIR)/$(BIN)/python npm run --silent gen:api && npm run --silent build

web:
	@if [ ! -f frontend/package.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(WEB_STAMP); \
	else echo "npm not found: serving the API without the web app (install Node.js 20+ for it)"; fi

# uv comes from the lock itself (dev extra), so the resolver is as pinned as what it resolves
lock upgrade:
	@test -x $(BIN)/uv || $(MAKE) --no-print-directory install
	$(BIN)/uv $(LOCK_ARGS) $(if $(filter upgrade,$@),--upgrade)
	@echo "$(LOCK) written: review 'git diff $(LOCK)', run 'make test', then commit it"

outdated: install
	@$(BIN)/uv pip list --outdated --python $(BIN)/python

run: install web
	$(BIN)/runcoach up

# TimescaleDB built into the embedded PostgreSQL (from ../shared/timescaledb/, once per tarball and venv), so
# the samples tests run on a second, TimescaleDB cluster too; without the tarball they skip (CI: a failure)
timescaledb: install
	@VENV=$(VENV) .ci/timescaledb

test: install web timescaledb
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# every runnable bench (a script with a __main__; the others are the benches' shared modules)
BENCHES = $(shell grep -l '^if __name__ == "__main__"' bench/*.py)

bench: install
	@for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

eval: install
	$(BIN)/runcoach eval $(EVAL_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache frontend/dist
