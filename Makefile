# Training Neural Networks: one Makefile for the course.
#   make            the main job: set up, grade the example submissions, build the book, make the student release
#   make test       set up, build the book, run the test suite (what CI runs)
#   make test-slow  the slow tests too (statistical soak, full benchmark-sized runs)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
OUT    ?= results/examples

.PHONY: all setup grade-examples book release lint test test-slow bench clean

all: grade-examples book release

$(STAMP): requirements.txt pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)
	@touch $(STAMP)

setup: $(STAMP)

grade-examples: setup
	$(PY) -m autograder grade-examples --out $(OUT)

# The released assignments go into the in-browser (JupyterLite) site, so release first;
# fetch_pyodide.py only re-checks its cache when nothing changed (well under a second).
book: setup release
	$(PY) book/tools/install_offline_assets.py
	$(PY) scripts/fetch_pyodide.py
	@# matplotlib builds its font cache on first import and says so on stderr; do it here, not inside a cell (stderr in a cell fails the build)
	@MPLBACKEND=agg $(PY) -c "import matplotlib.pyplot"
	@# A page whose warnings failed a build is not re-read by the next incremental build, which would then "succeed";
	@# so after a failed (or first) build, re-read every page with --all (notebooks still come from the execution cache).
	@# One BLAS/OpenMP thread per kernel: the chapters multiply small matrices, where a second thread only adds overhead
	@# (on a busy machine, spin-waiting threads made a chapter 4x slower) and makes results depend on the thread count.
	@# The chapters' kernels read book/tools/ipython_kernel_config.py (through IPYTHONDIR), which drops
	@# their one "Kernel is running over TCP without encryption" notice per chapter and nothing else.
	@mkdir -p book/_build/ipython/profile_default && cp book/tools/ipython_kernel_config.py book/_build/ipython/profile_default/
	@if [ -f book/_build/.last-build-ok ]; then full=""; else full="--all"; fi; \
	rm -f book/_build/.last-build-ok; \
	IPYTHONDIR=$(CURDIR)/book/_build/ipython \
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(VENV)/bin/jupyter-book build book --warningiserror --nitpick --keep-going $$full && \
	touch book/_build/.last-build-ok

release: setup
	$(PY) -m autograder release

# Grade every assignments/submitted/<student>/<assignment>/ in the sandbox, scores into the gradebook;
# then a class report of the results. (`nbgrader export` / `generate_feedback` work afterwards.)
.PHONY: grade-class class-report
grade-class: setup
	$(PY) -m autograder grade-class

class-report: setup
	$(PY) -m autograder class-report assignments/results --out assignments/results/class_report.html

# The gradebook as the CSV files Canvas, Moodle and Gradescope import (nbgrader export plugins,
# autograder/course/exporters.py), into assignments/exports/.
.PHONY: exports
exports: setup
	cd assignments && for lms in Canvas Moodle Gradescope; do \
	  $(abspath $(PY)) -m nbgrader export --exporter autograder.course.exporters.$${lms}ExportPlugin \
	    --to exports/$$(echo $$lms | tr A-Z a-z).csv || exit 1; done

# Strict: a test that would skip for want of bwrap, Chromium or the built book fails instead.
# One BLAS thread per process (see tests/conftest.py). ruff first: it takes a second.
TEST_ENV := TESTS_STRICT=$${TESTS_STRICT:-1} OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint book
	$(TEST_ENV) $(PY) -m pytest -m "not slow"

test-slow: setup lint book
	$(TEST_ENV) $(PY) -m pytest

# Classes of 20, 100 and 500 notebooks against nbgrader autograde, a Dask run, the floor (about 10-30 minutes on
# 2 cores, CPU-bound); `make bench BENCH_ARGS=--quick` for a smaller run (see bench/README.md).
BENCH_ARGS ?=
bench: setup
	$(PY) bench/run_benchmark.py $(BENCH_ARGS)

clean:
	rm -rf book/_build results release
