# pmsys — make install | run | test
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTHON ?= python3

.PHONY: install run test lint translations bench

install: $(VENV)/.installed pmsys/translations/zh_CN/LC_MESSAGES/messages.mo

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

pmsys/translations/zh_CN/LC_MESSAGES/messages.mo: pmsys/translations/zh_CN/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d pmsys/translations

run: install
	$(FLASK) db upgrade
	$(FLASK) pmsys demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The suite runs on SQLite, then again on PostgreSQL when PMSYS_TEST_DATABASE_URL is set,
# each in TEST_WORKERS processes (pytest-xdist; TEST_WORKERS=1 runs in one). Each worker
# has a database of its own: a SQLite file, or a PostgreSQL database named after the
# given one, which the suite creates and drops (tests/conftest.py).
TEST_WORKERS ?= 2
PYTEST_RUN := $(BIN)/pytest $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS))
test: install
	$(BIN)/lint-imports --no-cache
	PMSYS_TEST_DATABASE_URL= $(PYTEST_RUN)
	@if [ -n "$$PMSYS_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$PMSYS_TEST_DATABASE_URL"; \
		$(PYTEST_RUN) --ignore=tests/unit; \
	fi

lint: install
	$(BIN)/ruff check pmsys tests bench
	$(BIN)/lint-imports --no-cache

# Re-extract messages after changing user-facing strings, then translate the .po.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o pmsys/translations/messages.pot .
	$(BIN)/pybabel update -i pmsys/translations/messages.pot -d pmsys/translations --no-fuzzy-matching

# The hot paths in-process and over HTTP beside a bare-Flask ceiling (bench/run.py --help).
bench: install
	$(BIN)/python -m pip install --quiet -e '.[prod]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)
