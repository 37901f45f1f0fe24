# Two entry points: `make run` (install + main job) and `make test` (install + whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8

.PHONY: run test check bench eval-gate system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.synced: $(BIN)/python pyproject.toml uv.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --inexact --python $(BIN)/python
	touch $@

run: $(VENV)/.synced
	$(BIN)/policy-assistant index
	@echo "政策问答助手：http://localhost:8501"
	$(BIN)/streamlit run ui/app.py --server.port 8501

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
	$(BIN)/python evals/bench_answers.py
	$(BIN)/python evals/bench_answers.py evals/datasets/heldout.jsonl
	$(BIN)/python evals/bench_speed.py

# The dev set must keep the quality the README reports (CI runs this after the tests).
EVAL_OUT := .data/runs/ci-dev
eval-gate: $(VENV)/.synced
	$(BIN)/policy-assistant eval run evals/datasets/dev.jsonl --out $(EVAL_OUT)
	$(BIN)/policy-assistant eval gate $(EVAL_OUT) \
		--min key_fact_coverage=0.90 --min recall@5=0.95 --min gold_cited=0.90 \
		--min citation_precision=0.85 --min quotes_verified=1.0 --min refusal_correct=0.90 \
		--max false_refusal=0.05

clean:
	rm -rf $(VENV) .data test-artifacts
