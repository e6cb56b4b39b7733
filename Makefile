# Two commands do everything: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every package at the version and hash pinned here; `make lock` refreshes it.
LOCK := requirements.lock
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test venv lock catalogs lint typecheck pytest bench clean \
	bench-search bench-telegram bench-outbox bench-whatsapp bench-memory

# The lock installs first (hash-checked), pip-sync then removes whatever it does not pin,
# and the project itself goes in last without touching its dependencies.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip-sync --quiet $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Run after changing the dependencies in pyproject.toml; commit both files together.
# `--upgrade` takes the newest versions the ranges allow: `make lock ARGS=--upgrade`.
lock: venv
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links $(ARGS) -o $(LOCK) pyproject.toml

venv: $(STAMP)

catalogs: venv
	$(PY) -m dialogs.i18n.build

# The sandbox signs its invoice links with a key kept in var/ (git-ignored), made once per
# checkout: links handed out in the chats still open after a restart (without a key each
# process draws its own, payments/links.py). A MOUNASABET_PAYMENTS_LINK_SECRET set wins.
LINK_SECRET := var/payments-link-secret

run: venv catalogs
	@mkdir -p var && test -s $(LINK_SECRET) || \
		$(PY) -c "import secrets; print(secrets.token_urlsafe(32))" > $(LINK_SECRET)
	$(BIN)/mounasabet db upgrade
	$(BIN)/mounasabet demo seed
	MOUNASABET_PAYMENTS_LINK_SECRET="$${MOUNASABET_PAYMENTS_LINK_SECRET:-$$(cat $(LINK_SECRET))}" \
		$(BIN)/mounasabet serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy core demo dialogs bots payments admin_cli web tests bench

# One worker per core (pytest-xdist), each with its own PostgreSQL database
# (tests/worker_database.py); `make pytest PYTEST_ARGS=-n0` runs in one process. Work
# stealing: a worker that runs out takes half of another's queue, so no worker is left
# with a backlog behind a long test while the other is idle.
PYTEST_ARGS ?= -n auto --dist worksteal
pytest: venv catalogs
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Benchmarks (bench/README.md), not part of `make test`; each exits 1 on a missed target
# (`make -k bench` runs them all anyway). Smaller runs, e.g.:
# make bench-telegram BENCH_ARGS="--chats 50"; make bench-outbox BENCH_ARGS="--messages 1000"
bench: bench-search bench-telegram bench-outbox bench-whatsapp bench-memory

bench-search: venv catalogs
	$(PY) -m bench.search $(BENCH_ARGS)

bench-telegram: venv catalogs
	$(PY) -m bench.telegram_webhook $(BENCH_ARGS)

bench-outbox: venv catalogs
	$(PY) -m bench.outbox_delivery $(BENCH_ARGS)

bench-whatsapp: venv catalogs
	$(PY) -m bench.whatsapp_replies $(BENCH_ARGS)

bench-memory: venv catalogs
	$(PY) -m bench.memory $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
