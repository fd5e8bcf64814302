# One Makefile for humans and CI. `make test` on a fresh machine sets up and runs everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint fmt bench clean system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/wissenswerk demo

# The tests run real servers and Tesseract from Debian packages; installed when missing.
system-packages:
	scripts/ci/install_system_packages.sh

# pytest exits 5 when it collected no test; like every non-zero code, that fails the target.
test: system-packages $(STAMP) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: $(STAMP)
	$(BIN)/python bench/ingest_speed.py
	$(BIN)/python bench/search_scale.py
	$(BIN)/python bench/retrieval_quality.py
	$(BIN)/python bench/sync_speed.py
	$(BIN)/python bench/ocr_speed.py

clean:
	rm -rf $(VENV) wissenswerk-data .pytest_cache .ruff_cache
