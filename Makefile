# Two entry points: `make run` (install + main job) and `make test` (install + whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: run test check bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.synced: $(BIN)/python pyproject.toml uv.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --inexact --python $(BIN)/python
	touch $@

run: $(VENV)/.synced
	$(BIN)/policy-assistant index
	$(BIN)/policy-assistant search "西部地区在养老服务方面有哪些安排？" -k 3

system-deps:
	scripts/install-system-deps.sh

check: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(VENV)/.synced system-deps check
	$(BIN)/pytest

bench: $(VENV)/.synced
	$(BIN)/python evals/bench_retrieval.py
	$(BIN)/python evals/bench_speed.py

clean:
	rm -rf $(VENV) .data test-artifacts
