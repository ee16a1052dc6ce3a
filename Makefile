# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint unit bench system-deps services clean

demo: $(STAMP)
	$(BIN)/qarauyl demo run

test: system-deps services $(STAMP) lint unit

unit: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# Debian packages the tests need (FFmpeg, PostgreSQL, Redis, RabbitMQ, GStreamer, Chromium); installs only what is missing.
system-deps:
	bash scripts/system-deps.sh

# Starts PostgreSQL, Redis and RabbitMQ when they are not running and makes sure the test role exists.
services:
	bash scripts/test-services.sh

$(STAMP): pyproject.toml
	bash scripts/venv.sh $(PYTHON) $(VENV)
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
