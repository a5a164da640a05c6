# Training Neural Networks: one Makefile for the course.
#   make            the main job: set up, grade the example submissions, build the book, make the student release
#   make test       set up, build the book, run the test suite (what CI runs)
#   make test-slow  the slow tests too (statistical soak, full benchmark-sized runs)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
OUT    ?= results/examples

.PHONY: all setup grade-examples book release test test-slow bench clean

all: grade-examples book release

$(STAMP): requirements.txt pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)
	@touch $(STAMP)

setup: $(STAMP)

grade-examples: setup
	$(PY) -m autograder grade-examples --out $(OUT)

book: setup
	$(PY) book/tools/install_offline_assets.py
	$(VENV)/bin/jupyter-book build book --warningiserror --nitpick --keep-going

release: setup
	@echo "release: not built yet"

test: setup book
	$(PY) -m pytest -m "not slow"

test-slow: setup book
	$(PY) -m pytest

bench: setup
	@echo "bench: not built yet"

clean:
	rm -rf book/_build results release
