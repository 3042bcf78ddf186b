# Two entry points for a new machine (see README.md):
#   make demo   install, build the corpus, train the quick model, evaluate, classify samples
#   make test   install and run the default test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
DEMO   ?= artifacts/demo

.PHONY: install browser demo test test-slow lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# tests/test_review_e2e.py drives Debian's `chromium` through Playwright (the pip package
# downloads no browser). Install it when missing, as root or with password-less sudo;
# where that is not possible say so and carry on: the test then skips with its reason.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; \
	then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "note: chromium is not installed and apt-get is not available;" \
	       "tests/test_review_e2e.py will be skipped"; \
	else \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else SUDO=none; fi; \
	  if [ "$$SUDO" = none ]; then \
	    echo "note: chromium is not installed and installing it needs root" \
	         "(sudo apt-get install chromium); tests/test_review_e2e.py will be skipped"; \
	  else \
	    echo "installing Debian chromium for tests/test_review_e2e.py"; \
	    { $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y --no-install-recommends chromium; } \
	    || echo "warning: could not install chromium; tests/test_review_e2e.py will be skipped"; \
	  fi; \
	fi

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/nlp-ip data generate --out $(DEMO)/corpus --n 6000 --seed 13
	$(BIN)/nlp-ip data validate data/seed/listings.jsonl
	$(BIN)/nlp-ip train --config configs/quick.yaml --output $(DEMO)/run \
		--set data.corpus_dir=$(DEMO)/corpus
	$(BIN)/nlp-ip evaluate --model $(DEMO)/run/model-best --data data/seed/listings.jsonl \
		--split test --slice-by difficulty language --output $(DEMO)/eval
	$(BIN)/nlp-ip classify --model $(DEMO)/run/model-best --input data/samples/listings.jsonl

test: $(STAMP) browser
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check nlp_ip nlp_ip_train tests benchmarks scripts
	$(BIN)/mypy nlp_ip

clean:
	rm -rf $(DEMO) .pytest_cache
