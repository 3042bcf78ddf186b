# Two entry points for a new machine (see README.md):
#   make demo   install, build the corpus, train the quick model, evaluate, classify samples
#   make test   install and run the default test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
DEMO   ?= artifacts/demo

.PHONY: install demo test test-slow lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/nlp-ip data generate --out $(DEMO)/corpus --n 6000 --seed 13
	$(BIN)/nlp-ip data validate data/seed/listings.jsonl
	$(BIN)/nlp-ip train --config configs/quick.yaml --output $(DEMO)/run \
		--set data.corpus_dir=$(DEMO)/corpus
	$(BIN)/nlp-ip evaluate --model $(DEMO)/run/model-best --data data/seed/listings.jsonl \
		--split test --slice-by difficulty language --output $(DEMO)/eval
	$(BIN)/nlp-ip classify --model $(DEMO)/run/model-best --input data/samples/listings.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check nlp_ip training tests benchmarks
	$(BIN)/mypy nlp_ip

clean:
	rm -rf $(DEMO) .pytest_cache
