# Quick start: `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest wheel-check bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The searches resume their studies in runs/demo.db: a second `make demo` finds their 60
# trials done and only prints the best (delete runs/ or raise --max-evals to search further).
# The second trains a network epoch by epoch with Hyperband pruning (TPE proposes) and
# prints the epochs pruning saved.
demo: $(STAMP)
	$(BIN)/hpdsl lint examples/*.hps
	$(BIN)/hpdsl show examples/classifier.hps
	$(BIN)/hpdsl run examples/classifier.hps --objective examples/classifier.py:objective \
		--max-evals 60 --storage sqlite:///runs/demo.db --plots runs/plots
	$(BIN)/hpdsl run examples/pruning.hps --objective examples/pruning.py:objective \
		--pruner hyperband --max-evals 60 --storage sqlite:///runs/demo.db \
		--plots runs/pruning-plots

test: lint typecheck pytest wheel-check

lint: $(STAMP)
	$(BIN)/ruff check hpdsl tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

# Build the wheel, install it into a throwaway venv, and load a space there:
# proves the grammar ships inside the wheel.
wheel-check: $(STAMP)
	rm -rf build/wheel-check && mkdir -p build/wheel-check
	$(BIN)/python -m build --wheel --outdir build/wheel-check . > build/wheel-check/build.log 2>&1 \
		|| (cat build/wheel-check/build.log; exit 1)
	$(PYTHON) -m venv build/wheel-check/venv
	build/wheel-check/venv/bin/python -m pip install --quiet build/wheel-check/*.whl
	cd build/wheel-check && venv/bin/python -c "import hpdsl, pathlib; \
		s = hpdsl.load(pathlib.Path('$(CURDIR)/examples/classifier.hps')); \
		assert 'site-packages' in hpdsl.__file__, hpdsl.__file__; \
		print('wheel ok:', s, s.sample(0))"
	cd build/wheel-check && venv/bin/hpdsl lint $(CURDIR)/examples/*.hps

# Long fuzzing (tests/README.md): each hypothesis fuzzer for HPDSL_FUZZ_SECONDS, then atheris.
HPDSL_FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	HPDSL_FUZZ_SECONDS=$(HPDSL_FUZZ_SECONDS) $(BIN)/python -m pytest -q tests/test_fuzz_fmt.py
	$(BIN)/python -m pip install --quiet atheris && \
		$(BIN)/python tests/fuzz_harness.py -max_total_time=$(HPDSL_FUZZ_SECONDS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_space.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
