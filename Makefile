# The README's two set-up commands: `make demo` and `make test`. Each works on a fresh clone:
# it makes .venv, installs the pinned dependencies (and Debian's tesseract-ocr where it can).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench schema-doc install system-deps test-deps postgres-deps clean

demo: install
	$(BIN)/bulletins demo

test: install test-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/bench_backfill.py
	$(BIN)/python bench/bench_after_load.py
	$(BIN)/python bench/bench_warehouses.py

# docs/schema.md, the data dictionary, from the comments the migrations write.
schema-doc: install
	$(BIN)/python -m warehouse.schema_doc

install: $(STAMP)

# pip twice quiet: its warnings about this machine's own configuration (an index folder a pip.conf
# names but the machine lacks) are not the project's and would drown the demo; errors still show.

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Tesseract reads MoD updates that are only an image. Without it the pipeline still runs and
# keeps such updates unread until a later run can read them.
system-deps:
	@if command -v tesseract >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing tesseract-ocr (Debian package)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null) \
		|| echo "warning: could not install tesseract-ocr; image-only MoD updates will stay unread"; \
	else \
		echo "note: tesseract is not installed; image-only MoD updates will stay unread."; \
		echo "      install it with: sudo apt-get install tesseract-ocr   (macOS: brew install tesseract)"; \
	fi

# Headless Chromium loads the Data Docs in a test (tests/chromium.py), as a reader's browser would.
# Only the tests need it, so only `make test` installs it.
test-deps: postgres-deps
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and chromium-driver (Debian packages)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "warning: could not install chromium; the Data Docs browser tests will be skipped"; \
	else \
		echo "note: chromium is not installed; the Data Docs browser tests will be skipped."; \
		echo "      install it with: sudo apt-get install chromium chromium-driver"; \
	fi

# PostgreSQL (Debian's postgresql) is what the distributed tests start for themselves: the catalog
# of a DuckLake warehouse and the Prefect server's database. Nothing else needs it (`make demo`
# runs without a server); without it those tests are skipped, and fail under .ci/run.
postgres-deps:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing postgresql (Debian package) for the distributed tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
		|| echo "warning: could not install postgresql; the distributed tests will be skipped"; \
	else \
		echo "note: PostgreSQL is not installed; the distributed tests (tests/distributed) will be skipped."; \
		echo "      install it with: sudo apt-get install postgresql"; \
	fi

clean:
	rm -rf data/warehouse.duckdb data/raw data/prefect data/reports
