# Two commands that work on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-floor lint bench golden clean

# Python keeps compiled modules (and pytest its rewritten tests) in __pycache__, even where the
# shell asks it not to: every `python -m brochure` a test starts would compile the package again
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## render every publication in every layout into output/ (and the knee's tri-fold in the second brand)
	$(BIN)/brochure build
	$(BIN)/brochure build knee-stem-cell --layout trifold-letter --brand cedar-ridge
	$(BIN)/brochure batch content/patients/*.yaml content/patients/clinic-day.csv \
		content/prp-tennis-elbow/patients/*.yaml --out output/summaries

NODE := node_modules/.installed
$(NODE): package.json package-lock.json  ## axe-core for the accessibility tests (npm ci)
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: the axe-core accessibility tests are skipped (.ci/run installs it)"; fi

test: $(STAMP) $(NODE)  ## lint and type-check, then the test suite (with veraPDF, fetched once, where java and mvn exist)
	$(BIN)/ruff check brochure tests benchmarks
	$(BIN)/mypy
	tools/verapdf/fetch >/dev/null
	$(BIN)/pytest -q -n auto --maxprocesses 4 --dist worksteal

.PHONY: test-fast test-fuzz
FAST := -m "not process and not browser and not jvm"
FUZZ_SECONDS ?= 600

test-fast: $(STAMP)  ## the tests that start no process, browser or JVM (under a minute)
	$(BIN)/pytest -q -n auto --maxprocesses 4 --dist worksteal $(FAST)

test-fuzz: $(STAMP)  ## the property tests, drawing new examples round after round for FUZZ_SECONDS
	@end=$$(( $$(date +%s) + $(FUZZ_SECONDS) )); round=0; \
	while [ $$(date +%s) -lt $$end ]; do \
		round=$$((round + 1)); echo "fuzz round $$round"; \
		HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -p no:cacheprovider -n auto --maxprocesses 4 \
			-m property -x || exit 1; \
	done

FLOOR := .venv-floor
$(FLOOR)/.installed: pyproject.toml constraints/floor.txt
	$(PYTHON) -m venv $(FLOOR)
	$(FLOOR)/bin/pip install --quiet --upgrade pip
	$(FLOOR)/bin/pip install --quiet -c constraints/floor.txt -e . pytest pytest-xdist hypothesis \
		httpx2 'httpx>=0.27,<0.29'
	touch $@

test-floor: $(FLOOR)/.installed  ## the in-process tests on the lowest versions pyproject.toml allows
	$(FLOOR)/bin/pytest -q -n auto --maxprocesses 4 -m "not process and not browser and not jvm" \
		--ignore=tests/test_visual.py --ignore=tests/test_golden.py --ignore=tests/test_pins.py

golden: $(STAMP)  ## approve the shipped documents' content and looks (tests/golden, tests/approved)
	UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py tests/test_visual.py

bench: $(STAMP)  ## benchmarks (on demand, not part of the tests)
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_summary.py
	$(BIN)/python benchmarks/bench_studio.py

.PHONY: screenshots
screenshots: $(STAMP)  ## the studio's pictures in docs/ (README), taken of the real app in Chromium
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) output/*/ .pytest_cache
