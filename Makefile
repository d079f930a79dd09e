# Two commands do everything: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# `make run` needs the library and the chat only: no llama.cpp build (the default answerer never
# loads it), no test tools, and no bytecode compiled ahead for the ~20k modules installed (Python
# compiles the few hundred the chat imports on first use). The full install (`make test`) satisfies it too.
RUN_STAMP := $(VENV)/.installed-run

export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-run browser run test bench eval reader docs lint clean

install: $(STAMP)
install-run: $(RUN_STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,local]'
	$(BIN)/python -m pip check
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -c constraints.txt -e .
	$(BIN)/python -m pip check
	touch $(RUN_STAMP)

run: install-run
	$(BIN)/rag ingest corpus
	$(BIN)/rag web

# mypy checks rag/ and ui/ ([tool.mypy] in pyproject.toml): implementations against their Protocols.
test: install browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# Speed and memory next to a baseline measured in the same run; tables on stdout, JSON in bench/results/.
bench: install
	$(BIN)/python -m bench.coldstart
	$(BIN)/python -m bench.embedding
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.query
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.llm
	$(BIN)/python -m bench.doors

# Quality on real news: the whole realtimeqa-dev set (1,264 questions) in its own store; the figures
# print at the end, the run (results, summary, report.html) goes to evals/runs/realtimeqa-dev.
DEV_SET  ?= ../shared/datasets/realtimeqa-dev
DEV_HOME ?= .rag-dev
eval: install
	@test -f $(DEV_SET)/corpus.jsonl || { echo "no $(DEV_SET)/corpus.jsonl: set DEV_SET=path/to/realtimeqa-dev"; exit 1; }
	$(BIN)/rag --home $(DEV_HOME) ingest -q $(DEV_SET)/corpus.jsonl
	$(BIN)/rag --home $(DEV_HOME) eval $(DEV_SET)/questions.jsonl --out evals/runs/realtimeqa-dev

# Retrain the shipped reader (rag/components/reader/model) from scratch with fixed seeds: candidates
# from the dev store, train on 2020-21, figures on 2022 (about 20 minutes on 2 cores).
reader: install
	@test -f $(DEV_SET)/corpus.jsonl || { echo "no $(DEV_SET)/corpus.jsonl: set DEV_SET=path/to/realtimeqa-dev"; exit 1; }
	$(BIN)/python -m evals.reader --dataset $(DEV_SET) --home $(DEV_HOME) --rebuild

# The browser-chat tests drive Debian's chromium; install it when we can (CI runs as root).
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& { apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }; } >/dev/null; } \
		|| echo "no /usr/bin/chromium and no way to install it: the browser tests will be skipped"

# docs/settings.md's settings table is generated from rag/settings.py; lint fails when it is stale.
docs: install
	$(BIN)/python -m docs.settings_table

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m docs.settings_table --check

clean:
	rm -rf $(VENV) .rag .rag-dev
