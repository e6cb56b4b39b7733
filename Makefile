# Two commands do everything: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test venv catalogs lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

catalogs: venv
	$(PY) -m dialogs.i18n.build

run: venv catalogs
	$(BIN)/mounasabet db upgrade
	$(BIN)/mounasabet demo seed
	$(BIN)/mounasabet serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy core dialogs bots payments admin_cli web tests bench

pytest: venv catalogs
	$(BIN)/pytest

test: lint typecheck pytest

bench: venv catalogs
	$(PY) -m bench.search

clean:
	rm -rf $(VENV) build *.egg-info
