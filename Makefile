# hccmeta: `make report` and `make test` bootstrap .venv themselves (python3 -m venv + pip, nothing global).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test lint validate audit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/hccmeta schema --out build/schema/study.schema.json
	$(BIN)/hccmeta report --out build/report

validate: $(STAMP)
	$(BIN)/hccmeta validate studies

audit: $(STAMP)
	$(BIN)/hccmeta audit studies

test: $(STAMP)
	$(BIN)/ruff check extraction meta reports tests benchmarks
	$(BIN)/python -m mypy  # meta and extraction ([tool.mypy] packages)
	$(BIN)/hccmeta validate studies
	$(BIN)/python -m pytest -n auto --dist loadgroup  # pytest-xdist: one worker per core

bench: $(STAMP)
	$(BIN)/python -m pip install --progress-bar on -e '.[dev,bench]'
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf build .pytest_cache .ruff_cache
