# Everything a fresh machine with Python 3 and make needs: `make run`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.runtime-installed

.PHONY: run test lint typecheck unit fuzz bench lock clean catalogs screenshots

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

# The simulator needs the runtime dependencies only: no linters, type checker or fuzzer to wait
# for. `make test` adds the development tools to the same environment later.
$(RUN_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/callguide run flows/bboxx incoming

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check engine cli schemas tests benchmarks
	$(BIN)/ruff format --check engine cli schemas tests benchmarks

# mypy needs the import names: the folders are mapped onto `callguide` in a tree of links.
typecheck: $(STAMP)
	rm -rf .typecheck && mkdir -p .typecheck/callguide
	for path in engine/*; do ln -s ../../$$path .typecheck/callguide/; done
	ln -s ../../cli .typecheck/callguide/cli && ln -s ../../schemas .typecheck/callguide/schemas
	cd .typecheck && ../$(BIN)/mypy --config-file ../pyproject.toml -p callguide

# The bundled packs must stay fully covered by their scenarios (every step, branch, rule
# and end reason); pytest runs the same scenarios again beside the engine's own tests.
# pytest gets a temporary folder of its own: in the shared /tmp/pytest-of-USER, whichever run
# starts next cleans up old folders, and two runs at once would delete each other's files.
unit: $(STAMP)
	$(BIN)/callguide validate flows/
	$(BIN)/callguide fmt --check flows/
	$(BIN)/callguide test flows/ --coverage
	temporary=$$(mktemp -d) && $(BIN)/pytest --basetemp=$$temporary/pytest; status=$$?; rm -rf $$temporary; exit $$status

# CI fuzzes with a fixed seed and number of inputs (tests/hostile/test_hostile_fuzz.py), and
# its property tests always draw the same examples. This fuzzes longer, from new seeds: the
# loader under libFuzzer for FUZZ_SECONDS (findings land in fuzz-artifacts/), then the
# property tests with new random examples (Hypothesis profile `fuzz`, tests/hypothesis_profiles.py).
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	mkdir -p fuzz-artifacts
	$(BIN)/python tests/hostile/fuzz_loader.py -max_total_time=$(FUZZ_SECONDS) -timeout=60 -rss_limit_mb=900 \
		-artifact_prefix=fuzz-artifacts/
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:cacheprovider tests/hostile/test_hostile_sandbox_properties.py \
		tests/hostile/test_hostile_properties.py tests/test_yaml_source.py

# The peers (python-statemachine, sismic) and the profiler come with the `bench` extra.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(if $(QUICK),--quick,)
	$(BIN)/python -m benchmarks.readme

# The README's pictures of the agent console and the supervisor's view, taken by its browser tests.
screenshots: $(STAMP)
	CALLGUIDE_SCREENSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider tests/console/test_console_calls.py

# The engine's message catalogs (callguide.i18n): extract every `_()` / `ngettext()` of the
# engine and the command line, merge them into each language's .po (translate the new
# ones there), compile the .mo files the package ships. tests/test_i18n.py fails on a
# message missing from a shipped catalog.
LOCALE := engine/locale
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F $(LOCALE)/babel.cfg --no-location --sort-output --project=callguide \
		--copyright-holder=callguide -o $(LOCALE)/callguide.pot engine cli
	for lang in en ru; do \
		if [ -f $(LOCALE)/$$lang/LC_MESSAGES/callguide.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -D callguide -i $(LOCALE)/callguide.pot -d $(LOCALE) -l $$lang; \
		else \
			$(BIN)/pybabel init -D callguide -i $(LOCALE)/callguide.pot -d $(LOCALE) -l $$lang; \
		fi; \
	done
	$(BIN)/pybabel compile --statistics -D callguide -d $(LOCALE)

# Re-pin every dependency to the newest release allowed by pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet '.[dev,bench]'
	( echo '# Exact versions CI and users install (pip install -c constraints.txt). Regenerate with: make lock'; \
	  .lock-venv/bin/pip freeze --exclude callguide ) > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache fuzz-artifacts
